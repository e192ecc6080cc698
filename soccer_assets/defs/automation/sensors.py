"""Sensors that keep the platform fresh without a person in the loop.

- ``retrain_on_new_matches``: enough new finished matches since the model in use was trained;
- ``retrain_on_drift``: a drift report whose drift share passes the threshold;
- ``repredict_on_promotion``: the champion alias moved, so predictions and the publication follow;
- ``alert_on_run_failure``: any failed run is recorded in the store, logged and optionally POSTed.
"""

import datetime as dt
import json

import dagster as dg
import httpx

from soccer_assets.defs.policies import sensor_status
from soccer_assets.mlops.contract import CHAMPION
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.resources.storage import StorageResource
from soccer_assets.settings import Settings

ALERTS_ROOT = "alerts"


def _latest_metadata(instance: dg.DagsterInstance, asset: str) -> dict | None:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    if event is None or event.asset_materialization is None:
        return None
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def build_sensors(settings: Settings, training_job: str, inference_job: str) -> list[dg.SensorDefinition]:
    status = sensor_status(settings)

    @dg.sensor(
        name="retrain_on_new_matches",
        job_name=training_job,
        minimum_interval_seconds=600,
        default_status=status,
        description=f"Retrain when >= {settings.retrain_min_new_matches} finished matches arrived since the "
        "model in use was trained (cursor: the match count already acted on).",
    )
    def retrain_on_new_matches(context: dg.SensorEvaluationContext, mlflow: MlflowResource):
        meta = _latest_metadata(context.instance, "matches")
        if meta is None:
            return dg.SkipReason("matches has never been materialized")
        current = int(meta["dagster/row_count"])
        in_use = mlflow.registry().model_in_use()
        if in_use is None:
            return dg.SkipReason("no model registered yet: the first training runs by hand or on schedule")
        trained_on = int(in_use[1].tags.get("finished_matches_at_training", 0))
        new = current - trained_on
        if new < settings.retrain_min_new_matches:
            return dg.SkipReason(f"{new} new finished matches since v{in_use[1].version} was trained")
        if context.cursor == str(current):
            return dg.SkipReason(f"a retrain for {current} finished matches was already requested")
        context.update_cursor(str(current))
        return dg.RunRequest(
            run_key=f"new-matches-{current}",
            tags={"soccer/trigger": "data-volume", "soccer/new_matches": str(new)},
        )

    @dg.asset_sensor(
        asset_key=dg.AssetKey("drift_report"),
        name="retrain_on_drift",
        job_name=training_job,
        default_status=status,
        description=f"Retrain when a drift report's drift share exceeds {settings.drift_share_threshold}.",
    )
    def retrain_on_drift(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
        metadata = asset_event.asset_materialization.metadata if asset_event.asset_materialization else {}
        share = metadata.get("drift_share")
        if share is None or share.value <= settings.drift_share_threshold:
            return dg.SkipReason(f"drift share {share.value if share else 'unknown'} within the threshold")
        return dg.RunRequest(
            run_key=f"drift-{asset_event.run_id}",
            tags={"soccer/trigger": "drift", "soccer/drift_share": f"{share.value:.3f}"},
        )

    @dg.sensor(
        name="repredict_on_promotion",
        job_name=inference_job,
        minimum_interval_seconds=60,
        default_status=status,
        description="Re-predict and re-publish when the champion alias points to a new version.",
    )
    def repredict_on_promotion(context: dg.SensorEvaluationContext, mlflow: MlflowResource):
        champion = mlflow.registry().alias_version(CHAMPION)
        if champion is None:
            return dg.SkipReason("no champion yet")
        if context.cursor == champion:
            return dg.SkipReason(f"champion is still v{champion}")
        context.update_cursor(champion)
        return dg.RunRequest(
            run_key=f"champion-v{champion}", tags={"soccer/trigger": f"promotion-v{champion}"}
        )

    @dg.run_failure_sensor(
        name="alert_on_run_failure",
        default_status=status,
        description="Record every failed run under alerts/ in the store, log it, and POST it to "
        "SOCCER_ALERT_WEBHOOK_URL when set.",
    )
    def alert_on_run_failure(context: dg.RunFailureSensorContext, storage: StorageResource):
        run = context.dagster_run
        alert = {
            "run_id": run.run_id,
            "job": run.job_name,
            "failed_at": dt.datetime.now(dt.UTC).isoformat(),
            "message": context.failure_event.message,
            "tags": dict(run.tags),
        }
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        storage.blobstore().put(
            f"{ALERTS_ROOT}/{stamp}_{run.run_id}.json", json.dumps(alert, indent=1).encode()
        )
        context.log.error(f"run {run.run_id} of {run.job_name} failed: {alert['message']}")
        if settings.alert_webhook_url:
            try:
                httpx.post(settings.alert_webhook_url, json=alert, timeout=10).raise_for_status()
            except httpx.HTTPError as exc:  # an alert channel outage must not break the sensor
                context.log.warning(f"alert webhook failed: {exc}")

    return [retrain_on_new_matches, retrain_on_drift, repredict_on_promotion, alert_on_run_failure]
