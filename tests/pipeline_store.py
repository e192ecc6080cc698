"""A published store made by the real pipeline on a small real slice (smoke preset).

Premier League and Bundesliga 2021/22-2025/26 from the local football-data mirror:
ingestion, training of every family, the gate, predictions, cards, backtest, drift,
quality and the publication, exactly as ``soccer run`` does it. Fonbet is unreachable
here (a 404), so cards fall back to football-data prices, as they would in production
during a Fonbet outage. Built once per test session, only when a test asks for it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from soccer_assets.definitions import build_definitions
from soccer_assets.defs.automation import INFERENCE_JOB
from soccer_assets.defs.training import TRAINING_JOB
from soccer_assets.pipeline import quiet_run_config, run_ingestion, run_job
from soccer_assets.settings import Settings
from soccer_assets.storage.blobstore import LocalBlobStore
from soccer_assets.storage.published import PublishedStore
from tests.conftest import make_settings

LEAGUES = ("E0", "D1")
SEASONS = ["2122", "2223", "2324", "2425", "2526"]


@dataclass
class PipelineStore:
    root: Path  # the store folder (SOCCER_STORAGE_URL)
    settings: Settings
    defs: dg.Definitions
    instance: dg.DagsterInstance

    @property
    def published(self) -> PublishedStore:
        return PublishedStore(LocalBlobStore(self.root))

    def copy_to(self, target: Path) -> Path:
        """A private copy of the published part (tests that publish must not touch the shared one)."""
        shutil.copytree(self.root / "published", target / "published")
        return target

    def republish(self) -> dg.ExecuteInProcessResult:
        """Run the pipeline's inference job again (a new publication of the same model)."""
        return self.defs.resolve_job_def(INFERENCE_JOB).execute_in_process(
            instance=self.instance, raise_on_error=False, run_config=quiet_run_config("ERROR")
        )


def build_pipeline_store(mirror_url: str, folder: Path, instance: dg.DagsterInstance) -> PipelineStore:
    settings = make_settings(
        mirror_url,
        str(folder / "store"),
        LEAGUES,
        SEASONS,
        mlflow_tracking_uri=f"sqlite:///{folder}/mlflow/mlflow.db",
        mlflow_artifact_uri=str(folder / "mlflow" / "artifacts"),
        training_preset="smoke",
        prometheus_textfile=str(folder / "metrics" / "soccer.prom"),
        automation_on=False,
        fonbet_url=mirror_url + "no-fonbet-here.json",
    )
    defs = build_definitions(settings)
    quiet = quiet_run_config("ERROR")
    summary = run_ingestion(defs, settings, instance, log=lambda _: None, run_config=quiet)
    assert summary.ok, summary.as_dict()
    for job in (TRAINING_JOB, INFERENCE_JOB):
        stage = run_job(defs, job, instance, quiet)
        assert stage.success, (job, stage.failed_checks)
    return PipelineStore(root=folder / "store", settings=settings, defs=defs, instance=instance)
