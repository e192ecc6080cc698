"""The registered model as an MLflow pyfunc: a DataFrame of features in, 1X2 probabilities out."""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd

from soccer_assets.lib.models.calibration import CalibratedModel
from soccer_assets.mlops.contract import PROBABILITY_COLUMNS


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
