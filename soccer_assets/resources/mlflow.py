"""MLflow as a Dagster resource: tracking store, experiment, registered model name."""

from __future__ import annotations

import dagster as dg

from soccer_assets.mlops.registry import Registry
from soccer_assets.mlops.tracking import Tracker


class MlflowResource(dg.ConfigurableResource):
    """Where experiments and the model registry live.

    Locally a SQLite store plus an artifact folder; in production an MLflow server
    (``http://...``) with a PostgreSQL backend and S3 artifacts.
    """

    tracking_uri: str
    artifact_uri: str | None = None
    experiment: str = "soccer-1x2"
    model_name: str = "soccer-1x2"

    def tracker(self) -> Tracker:
        return Tracker(
            tracking_uri=self.tracking_uri, experiment=self.experiment, artifact_uri=self.artifact_uri
        )

    def registry(self) -> Registry:
        return Registry(self.tracker(), self.model_name)

    def run_url(self, run_id: str) -> str | None:
        if self.tracking_uri.startswith(("http://", "https://")):
            experiment_id = self.tracker().experiment_id()
            return f"{self.tracking_uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"
        return None
