"""What the registered model takes and gives, and its aliases: names only, no MLflow import.

Kept apart from the MLflow code so that loading the Dagster code location (every run
process does) does not pay for importing MLflow until a step actually talks to it.
"""

from __future__ import annotations

import pandas as pd
import polars as pl

# the registered model is the serving refit; its holdout-protocol twin is logged beside it
MODEL_ARTIFACT = "model"
HOLDOUT_ARTIFACT = "holdout_model"
HOLDOUT_URI_TAG = "holdout_model_uri"
MATCHES_VERSION_TAG = "matches_data_version"  # the `matches` data a version was trained on

CANDIDATE = "candidate"
CHAMPION = "champion"
PROBABILITY_COLUMNS = ["prob_home", "prob_draw", "prob_away"]


def to_model_input(frame: pl.DataFrame, features: list[str]) -> pd.DataFrame:
    """The pandas frame a registered model expects: exactly its features, all float64."""
    return frame.select([pl.col(c).cast(pl.Float64) for c in features]).to_pandas()
