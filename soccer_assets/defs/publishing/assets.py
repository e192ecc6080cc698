"""Publication: everything users read, written to the published store in one atomic switch."""

import json

import dagster as dg
import polars as pl

from soccer_assets.defs.inference.assets import USER_FACING_FRESHNESS, load_optional_table
from soccer_assets.defs.monitoring.assets import DRIFT_ARTIFACTS, QUALITY_ARTIFACTS
from soccer_assets.defs.policies import refresh_after_checks
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.resources.storage import StorageResource
from soccer_assets.settings import Settings
from soccer_assets.storage.blobstore import BlobNotFound
from soccer_assets.storage.published import Artifact, PublishedStore

KEEP_PUBLICATIONS = 5


def build_publishing_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    @dg.asset(
        group_name="publishing",
        deps=["fonbet_odds", "quality_metrics"],
        kinds={"parquet"},
        pool="publication",  # one writer at a time: the manifest switch is not a transaction
        automation_condition=refresh_after_checks(),
        freshness_policy=USER_FACING_FRESHNESS,
        description=(
            "Publishes cards, predictions, odds, region ROI, backtest bets, quality, drift and model info "
            "to <store>/published/ with one manifest (versions, checksums, model, data versions); readers "
            "(the HTTP API) switch to it atomically."
        ),
    )
    def publication(
        context: dg.AssetExecutionContext,
        prediction_cards: pl.DataFrame,
        predictions: pl.DataFrame,
        region_roi: pl.DataFrame,
        backtest: pl.DataFrame,
        drift_report: pl.DataFrame,
        model_evaluation: pl.DataFrame,
        storage: StorageResource,
        mlflow: MlflowResource,
    ) -> dg.MaterializeResult:
        blobs = storage.blobstore()
        tables = {
            "cards": prediction_cards,
            "predictions": predictions,
            "region_roi": region_roi,
            "backtest_bets": backtest,
            "drift": drift_report,
            "model_evaluation": model_evaluation,
        }
        for optional, name in (("fonbet_odds", "odds"), ("quality_metrics", "quality")):
            table = load_optional_table(storage, optional, context.log)
            if table is not None:
                tables[name] = table
        artifacts = {}
        for key, name in (
            (f"{DRIFT_ARTIFACTS}/features.html", "drift_report_html"),
            (f"{QUALITY_ARTIFACTS}/classification.html", "quality_report_html"),
        ):
            try:
                artifacts[name] = Artifact(blobs.get(key), "html")
            except BlobNotFound:
                context.log.info(f"{key} not produced yet; not published")
        first = predictions.row(0, named=True) if predictions.height else {}
        version = first.get("model_version")
        model = {
            "name": first.get("model_name", mlflow.model_name),
            "version": version,
            "alias": first.get("model_alias"),
            "family": first.get("model_family"),
        }
        if version:
            tags = mlflow.registry().version(version).tags
            model |= {k: tags[k] for k in ("holdout_logloss", "trained_through", "data_version") if k in tags}
        artifacts["model_info"] = Artifact(json.dumps(model, default=str).encode(), "json")
        provenance = {
            "model": f"{model['name']} v{version} ({model['alias']})",
            "features_version": first.get("features_version"),
            "dagster_run_id": context.run_id,
        }
        store = PublishedStore(blobs)
        manifest = store.publish(tables, artifacts, provenance=provenance, model=model)
        removed = store.collect_garbage(keep=KEEP_PUBLICATIONS)
        return dg.MaterializeResult(
            metadata={
                "publication_id": manifest.publication_id,
                "datasets": ", ".join(sorted(manifest.datasets)),
                "model": provenance["model"],
                "manifest": dg.MetadataValue.path(blobs.uri("published/manifest.json")),
                "files_collected": len(removed),
            }
        )

    return [publication]
