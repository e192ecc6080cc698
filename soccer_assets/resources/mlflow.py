"""MLflow as a Dagster resource: tracking store, experiment, registered model name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:  # MLflow is imported by the steps that use it, not by every run process
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
    ui_url: str | None = None

    def tracker(self) -> Tracker:
        from soccer_assets.mlops.tracking import Tracker

        return Tracker(
            tracking_uri=self.tracking_uri, experiment=self.experiment, artifact_uri=self.artifact_uri
        )

    def registry(self) -> Registry:
        from soccer_assets.mlops.registry import Registry

        return Registry(self.tracker(), self.model_name)

    def run_url(self, run_id: str) -> str | None:
        """A link to the run in the MLflow UI, when we know where that UI is."""
        base = self.ui_url or (
            self.tracking_uri if self.tracking_uri.startswith(("http://", "https://")) else None
        )
        if base is None:
            return None
        return f"{base.rstrip('/')}/#/experiments/{self.tracker().experiment_id()}/runs/{run_id}"
