"""The registered model as an MLflow pyfunc: a DataFrame of features in, 1X2 probabilities out."""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
import polars as pl

from soccer_assets.lib.models.calibration import CalibratedModel

PROBABILITY_COLUMNS = ["prob_home", "prob_draw", "prob_away"]


def to_model_input(frame: pl.DataFrame, features: list[str]) -> pd.DataFrame:
    """The pandas frame a registered model expects: exactly its features, all float64."""
    return frame.select([pl.col(c).cast(pl.Float64) for c in features]).to_pandas()


class SoccerModel(mlflow.pyfunc.PythonModel):
    """Wraps ``CalibratedModel``; the input columns must be its feature list (the signature)."""

    def __init__(self, model: CalibratedModel):
        self.model = model

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        missing = [c for c in self.model.features if c not in model_input.columns]
        if missing:
            raise ValueError(f"model input lacks features: {missing[:5]}")
        X = model_input[self.model.features].astype(np.float64).to_numpy()
        return pd.DataFrame(self.model.predict_proba(X), columns=PROBABILITY_COLUMNS, index=model_input.index)
