"""Automation domain: jobs, schedules and sensors that span the other domains."""

from __future__ import annotations

import dagster as dg

from soccer_assets.defs.automation.sensors import RetrainState, build_sensors
from soccer_assets.defs.policies import schedule_status, sensor_status
from soccer_assets.defs.training import TRAINING_JOB
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.settings import Settings

INFERENCE_JOB = "inference_job"


def build_defs(settings: Settings) -> dg.Definitions:
    inference_job = dg.define_asset_job(
        INFERENCE_JOB,
        # features and splits are rebuilt first: predicting from features of yesterday's results would
        # call a match upcoming that has been played (no tuning here: that is the training job's)
        selection=dg.AssetSelection.groups("features", "inference", "monitoring", "publishing")
        | dg.AssetSelection.assets("time_splits"),
        description="Refresh features, predict with the model in use, cards, backtest, monitor, publish.",
    )

    @dg.schedule(
        name="weekly_retrain_schedule",
        job_name=TRAINING_JOB,
        cron_schedule="0 3 * * 1",
        execution_timezone="UTC",
        default_status=schedule_status(settings),
        description="Weekly: re-tune every family, refit, gate and evaluate; skipped when nothing new "
        "arrived since the last training or a training is in flight.",
    )
    def weekly_retrain(context: dg.ScheduleEvaluationContext, mlflow: MlflowResource):
        state = RetrainState(context.instance, TRAINING_JOB, mlflow)
        if blocked := state.blocked():
            return dg.SkipReason(blocked)
        return dg.RunRequest(tags=state.tags("weekly"))

    # Declarative automation (the eager conditions on features, inference, monitoring and publishing)
    # is evaluated by this sensor; its status follows SOCCER_AUTOMATION like the rest.
    automation = dg.AutomationConditionSensorDefinition(
        "soccer_automation", target=dg.AssetSelection.all(), default_status=sensor_status(settings)
    )
    return dg.Definitions(
        jobs=[inference_job],
        schedules=[weekly_retrain],
        sensors=[*build_sensors(settings, TRAINING_JOB, INFERENCE_JOB), automation],
    )
