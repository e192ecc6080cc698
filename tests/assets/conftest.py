"""A small harness around the real code location for asset tests."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import polars as pl
import pytest

from soccer_assets.definitions import build_definitions
from soccer_assets.defs.ingestion.automation import CANONICAL_JOB, RAW_RESULTS_JOB
from soccer_assets.defs.ingestion.partitions import partition_key
from soccer_assets.pipeline import load_table
from soccer_assets.settings import Settings
from soccer_assets.storage.snapshots import SnapshotStore
from tests.conftest import make_settings


@dataclass
class Platform:
    settings: Settings
    defs: dg.Definitions
    instance: dg.DagsterInstance

    def fetch(self, league: str, season: str) -> dg.ExecuteInProcessResult:
        job = self.defs.resolve_job_def(RAW_RESULTS_JOB)
        return job.execute_in_process(
            partition_key=partition_key(league, season), instance=self.instance, raise_on_error=False
        )

    def canonical(self) -> dg.ExecuteInProcessResult:
        return self.defs.resolve_job_def(CANONICAL_JOB).execute_in_process(
            instance=self.instance, raise_on_error=False
        )

    def table(self, name: str) -> pl.DataFrame:
        return load_table(self.defs, name)

    @property
    def snapshots(self) -> SnapshotStore:
        return self.defs.resources["storage"].snapshots()

    def latest_metadata(self, asset: str, partition: str | None = None) -> dict:
        event = self.instance.get_latest_materialization_event(dg.AssetKey(asset))
        if partition is not None:
            records = self.instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[partition]), limit=1
            ).records
            event = records[0].event_log_entry if records else None
        assert event is not None, f"{asset} was never materialized"
        return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def ingest_with_lines(platform: Platform):
    """``soccer ingest``'s code path on ``platform``: its summary and the lines it printed."""
    from soccer_assets.pipeline import quiet_run_config, run_ingestion

    lines: list[str] = []
    summary = run_ingestion(
        platform.defs,
        platform.settings,
        platform.instance,
        log=lines.append,
        run_config=quiet_run_config("ERROR"),
    )
    return summary, lines


def check_outcomes(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    """check name -> passed, for every check evaluated in a run."""
    return {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


@pytest.fixture
def make_platform(mirror, instance, tmp_path):
    def build(leagues=("E0",), seasons=("2324",), storage: str | None = None, **overrides) -> Platform:
        settings = make_settings(
            mirror.url, storage or str(tmp_path / "store"), tuple(leagues), list(seasons), **overrides
        )
        return Platform(settings=settings, defs=build_definitions(settings), instance=instance)

    return build


MODEL_SEASONS = ["2021", "2122", "2223", "2324", "2425", "2526"]


@pytest.fixture
def model_platform(mirror, instance, tmp_path):
    """Platforms sharing one store and MLflow registry, smoke preset, automation off."""

    def build(leagues=("E0",), seasons=MODEL_SEASONS, **overrides) -> Platform:
        options = {
            "mlflow_tracking_uri": f"sqlite:///{tmp_path}/mlflow/mlflow.db",
            "mlflow_artifact_uri": str(tmp_path / "mlflow" / "artifacts"),
            "training_preset": "smoke",
            "prometheus_textfile": str(tmp_path / "metrics" / "soccer.prom"),
            "automation_on": False,
        } | overrides
        settings = make_settings(
            mirror.url, str(tmp_path / "store"), tuple(leagues), list(seasons), **options
        )
        return Platform(settings=settings, defs=build_definitions(settings), instance=instance)

    return build


def run_job(platform: Platform, name: str, run_config: dict | None = None) -> dg.ExecuteInProcessResult:
    from soccer_assets.pipeline import quiet_run_config

    return platform.defs.resolve_job_def(name).execute_in_process(
        instance=platform.instance, raise_on_error=False, run_config=run_config or quiet_run_config()
    )
