"""Sensors that keep the platform fresh without a person in the loop.

- ``retrain_on_new_matches``: enough new finished matches since the newest training;
- ``retrain_on_drift``: a drift episode began (the drift share crossed the threshold) or its
  cool-down passed;
- ``repredict_on_promotion``: the champion alias moved, so predictions and the publication follow;
- ``alert_on_run_failure``: any failed run is recorded in the store, logged and optionally POSTed.

Both retrain sensors (and the weekly schedule) follow :mod:`soccer_assets.lib.retrain_policy`:
one retrain per ``matches`` data version, none while one is queued or running; the run
queue runs at most one training at a time (``soccer/queue`` in ``dagster.yaml``).
"""

import datetime as dt
import json

import dagster as dg
import httpx

from soccer_assets.defs.metadata import latest_data_version, latest_materialization
from soccer_assets.defs.policies import sensor_status
from soccer_assets.lib.retrain_policy import (
    DriftEpisode,
    TrainingRun,
    blocker,
    drift_decision,
    volume_decision,
)
from soccer_assets.mlops.contract import CHAMPION, MATCHES_VERSION_TAG
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.resources.storage import StorageResource
from soccer_assets.settings import Settings

ALERTS_ROOT = "alerts"
MATCHES_VERSION_RUN_TAG = "soccer/matches_version"
FINISHED_RUN_TAG = "soccer/finished_matches"
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
RECENT_RUNS = 50


class RetrainState:
    """What one evaluation of the retrain rules reads: the data, the registry, the runs."""

    def __init__(self, instance: dg.DagsterInstance, job_name: str, mlflow: MlflowResource) -> None:
        matches = latest_materialization(instance, "matches")
        self.matches_version = latest_data_version(instance, "matches")
        # every row of `matches` is a finished match
        self.finished = int(matches.metadata["dagster/row_count"].value) if matches is not None else None
        runs = instance.get_runs(dg.RunsFilter(job_name=job_name), limit=RECENT_RUNS)
        self.runs = [
            TrainingRun(run.run_id, run.status in IN_FLIGHT, run.tags.get(MATCHES_VERSION_RUN_TAG))
            for run in runs
        ]
        versions = mlflow.registry().newest_versions()
        self.trained_versions = [v.tags.get(MATCHES_VERSION_TAG) for v in versions]
        counts = [int(v.tags["finished_matches_at_training"]) for v in versions[:1]]
        counts += [int(run.tags[FINISHED_RUN_TAG]) for run in runs if FINISHED_RUN_TAG in run.tags]
        self.finished_at_last_training = max(counts) if counts else None

    def blocked(self) -> str | None:
        if self.matches_version is None:
            return "matches has never been materialized"
        return blocker(self.matches_version, self.runs, self.trained_versions)

    def tags(self, trigger: str, **extra: str) -> dict[str, str]:
        tags = {"soccer/trigger": trigger, MATCHES_VERSION_RUN_TAG: self.matches_version or "", **extra}
        if self.finished is not None:
            tags[FINISHED_RUN_TAG] = str(self.finished)
        return tags


def build_sensors(settings: Settings, training_job: str, inference_job: str) -> list[dg.SensorDefinition]:
    status = sensor_status(settings)

    @dg.sensor(
        name="retrain_on_new_matches",
        job_name=training_job,
        minimum_interval_seconds=600,
        default_status=status,
        description=f"Retrain when >= {settings.retrain_min_new_matches} finished matches arrived since the "
        "newest training; one retrain per matches data version, none while one is in flight.",
    )
    def retrain_on_new_matches(context: dg.SensorEvaluationContext, mlflow: MlflowResource):
        state = RetrainState(context.instance, training_job, mlflow)
        if state.finished is None:
            return dg.SkipReason("matches has never been materialized")
        decision = volume_decision(
            state.finished, state.finished_at_last_training, settings.retrain_min_new_matches
        )
        if not decision.request:
            return dg.SkipReason(decision.reason)
        if blocked := state.blocked():
            return dg.SkipReason(f"{decision.reason}, but {blocked}")
        return dg.RunRequest(
            run_key=f"new-matches-{state.matches_version}",
            tags=state.tags("data-volume", **{"soccer/reason": decision.reason}),
        )

    @dg.sensor(
        name="retrain_on_drift",
        job_name=training_job,
        minimum_interval_seconds=60,
        default_status=status,
        description=f"Retrain when the drift share crosses {settings.drift_share_threshold} from below, or "
        f"again after {settings.drift_cooldown_days:g} days of persisting drift; one retrain per matches "
        "data version, none while one is in flight.",
    )
    def retrain_on_drift(context: dg.SensorEvaluationContext, mlflow: MlflowResource):
        event = context.instance.get_latest_materialization_event(dg.AssetKey("drift_report"))
        if event is None or event.asset_materialization is None:
            return dg.SkipReason("no drift report yet")
        share = event.asset_materialization.metadata.get("drift_share")
        episode = DriftEpisode.from_cursor(context.cursor)
        state = RetrainState(context.instance, training_job, mlflow)
        decision, episode = drift_decision(
            episode,
            report=event.run_id,
            share=share.value if share is not None else None,
            threshold=settings.drift_share_threshold,
            now=settings.now(),
            cooldown=dt.timedelta(days=settings.drift_cooldown_days),
            blocked=state.blocked(),
        )
        context.update_cursor(episode.to_cursor())
        if not decision.request:
            return dg.SkipReason(decision.reason)
        return dg.RunRequest(
            run_key=f"drift-{event.run_id}",
            tags=state.tags(
                "drift", **{"soccer/drift_share": f"{share.value:.3f}", "soccer/reason": decision.reason}
            ),
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
