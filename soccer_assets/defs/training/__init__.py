"""Training domain: splits, tuning, selection, the registered model, its gate and evaluation."""

from __future__ import annotations

import dagster as dg

from soccer_assets.defs.training.assets import build_training_assets
from soccer_assets.defs.training.checks import build_training_checks
from soccer_assets.defs.training.promotion import promote_champion_job
from soccer_assets.settings import Settings

TRAINING_JOB = "training_job"
# every training run carries this tag; dagster.yaml lets one such run through the queue at a time
TRAINING_QUEUE_TAG = {"soccer/queue": "training"}


def build_defs(settings: Settings) -> dg.Definitions:
    assets = build_training_assets(settings)
    final_model = next(a for a in assets if a.key == dg.AssetKey("final_model"))
    training_job = dg.define_asset_job(
        TRAINING_JOB,
        selection=dg.AssetSelection.groups("features", "training"),
        tags=TRAINING_QUEUE_TAG,
        description="Features, tuning of every family, selection, final model, gate and evaluation.",
    )
    return dg.Definitions(
        assets=assets,
        asset_checks=build_training_checks(settings, final_model),
        jobs=[training_job, promote_champion_job],
    )
