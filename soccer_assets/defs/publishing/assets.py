"""Publication: everything users read, written to the published store in one atomic switch."""

import datetime as dt
import json

import dagster as dg
import polars as pl

from soccer_assets.defs.inference.assets import USER_FACING_FRESHNESS, load_optional_table
from soccer_assets.defs.ingestion.assets import FIXTURES_SOURCE, RESULTS_SOURCE
from soccer_assets.defs.monitoring.assets import DRIFT_ARTIFACTS, DRIFT_SUMMARY, QUALITY_ARTIFACTS
from soccer_assets.defs.odds.history import FONBET_SOURCE
from soccer_assets.defs.policies import refresh_after_checks
from soccer_assets.defs.whoscored.scrape import FIXTURES_SOURCE as WHOSCORED_SOURCE
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.resources.storage import StorageResource
from soccer_assets.settings import Settings
from soccer_assets.storage import contract
from soccer_assets.storage.blobstore import BlobNotFound, BlobStore
from soccer_assets.storage.evaluations import evaluation_of
from soccer_assets.storage.prediction_log import PredictionLog
from soccer_assets.storage.published import Artifact, PublishedStore
from soccer_assets.storage.serving_artifacts import load_serving_artifact
from soccer_assets.storage.snapshots import SnapshotStore

KEEP_PUBLICATIONS = 5
UPCOMING_ID_COLUMNS = (
    "match_id",
    "league",
    "season",
    "kickoff_date",
    "kickoff_utc",
    "home_team",
    "away_team",
)
PRE_KICKOFF_COLUMNS = (
    *UPCOMING_ID_COLUMNS,
    "prob_home",
    "prob_draw",
    "prob_away",
    "model_name",
    "model_version",
    "model_alias",
    "model_family",
    "features_version",
    "predicted_at",
)
HOUR = 3600
# raw source -> (expected fetch interval, stale after): the schedules' cadence plus slack
SOURCE_CADENCE: dict[str, tuple[int, int]] = {
    RESULTS_SOURCE: (24 * HOUR, 30 * HOUR),
    FIXTURES_SOURCE: (24 * HOUR, 30 * HOUR),
    FONBET_SOURCE: (4 * HOUR, 12 * HOUR),
    WHOSCORED_SOURCE: (31 * 24 * HOUR, 35 * 24 * HOUR),
}
# every published dataset follows the daily pipeline; stale after the freshness policy's fail window
DATASET_CADENCE = (24 * HOUR, int(USER_FACING_FRESHNESS.fail_window.to_timedelta().total_seconds()))
SOURCES_SCHEMA = {
    "source": pl.String,
    "fetches": pl.Int64,
    "last_fetched_at": pl.Datetime("us", "UTC"),
    "expected_every_s": pl.Int64,
    "stale_after_s": pl.Int64,
}


def source_fetches(blobs: BlobStore, settings: Settings) -> pl.DataFrame:
    """When each raw source was last fetched and how often it should be (the freshness view)."""
    snapshots = SnapshotStore(blobs)
    rows = []
    for source, (every, stale) in SOURCE_CADENCE.items():
        if source == WHOSCORED_SOURCE and not settings.whoscored_url:
            continue  # off unless configured: never "stale"
        summary = snapshots.fetch_summary(source)
        rows.append(
            {
                "source": source,
                "fetches": summary.fetches,
                "last_fetched_at": summary.last_fetched_at,
                "expected_every_s": every,
                "stale_after_s": stale,
            }
        )
    return pl.DataFrame(rows, schema=SOURCES_SCHEMA)


def pre_kickoff_predictions(
    blobs: BlobStore, matches: pl.DataFrame, predictions: pl.DataFrame
) -> pl.DataFrame:
    """Per finished match, the last forecast the prediction log holds from before its kickoff:
    what the API answers for a finished match (never a prediction made afterwards)."""
    finished = matches.select("match_id", "kickoff_date", "kickoff_utc")
    logged = PredictionLog(blobs).latest_before_kickoff(finished)
    frame = logged if logged.height else predictions.head(0)
    return frame.select(PRE_KICKOFF_COLUMNS).with_columns(
        pl.col("prob_home", "prob_draw", "prob_away").cast(pl.Float64)
    )


def build_publishing_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    @dg.asset(
        group_name="publishing",
        deps=["fonbet_odds", "quality_metrics"],
        kinds={"parquet"},
        pool="publication",  # one writer at a time: the manifest switch is not a transaction
        automation_condition=refresh_after_checks(),
        freshness_policy=USER_FACING_FRESHNESS,
        description=(
            "Publishes cards, predictions, odds and their history, region ROI, backtest bets, quality, "
            "drift, source freshness and the serving model's card to <store>/published/ with one manifest "
            "(versions, checksums, model, data versions); readers (the HTTP API) switch to it atomically."
        ),
    )
    def publication(
        context: dg.AssetExecutionContext,
        prediction_cards: pl.DataFrame,
        predictions: pl.DataFrame,
        match_features: pl.DataFrame,
        team_state: pl.DataFrame,
        matches: pl.DataFrame,
        odds_history: pl.DataFrame,
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
            "odds_history": odds_history,
            "region_roi": region_roi,
            "backtest_bets": backtest,
            "drift": drift_report,
            "sources": source_fetches(blobs, settings),
            "team_state": team_state,
            "pre_kickoff_predictions": pre_kickoff_predictions(blobs, matches, predictions),
        }
        for optional, name in (("fonbet_odds", "odds"), ("quality_metrics", "quality")):
            table = load_optional_table(storage, optional, context.log)
            if table is not None:
                tables[name] = table
        artifacts = {}
        for key, name, kind in (
            (f"{DRIFT_ARTIFACTS}/features.html", "drift_report_html", "html"),
            (DRIFT_SUMMARY, "drift_summary", "json"),
            (f"{QUALITY_ARTIFACTS}/classification.html", "quality_report_html", "html"),
        ):
            try:
                artifacts[name] = Artifact(blobs.get(key), kind)
            except BlobNotFound:
                context.log.info(f"{key} not produced yet; not published")
        first = predictions.row(0, named=True) if predictions.height else {}
        version, alias = first.get("model_version"), first.get("model_alias")
        evaluation = evaluation_of(blobs, str(version), model_evaluation) if version else None
        if evaluation is not None:
            tables["model_evaluation"] = evaluation
        else:  # never another version's figures under the served version's label
            context.log.warning(
                f"no holdout evaluation of the served version v{version} is stored; not published"
            )
        if version:
            serving = load_serving_artifact(blobs, str(version))
            artifacts["serving_model"] = Artifact(serving.descriptor_json(), "json")
            artifacts["serving_estimator"] = Artifact(serving.estimator, "bin")
            upcoming_ids = predictions.filter(pl.col("status") == "upcoming")["match_id"].implode()
            tables["upcoming_features"] = match_features.filter(
                pl.col("match_id").is_in(upcoming_ids)
            ).select(*UPCOMING_ID_COLUMNS, *serving.descriptor["features"])
            from soccer_assets.mlops.model_card import model_card  # MLflow: only in this step

            model = model_card(mlflow.registry(), str(version), alias, mlflow.run_url)
        else:
            model = {"name": mlflow.model_name, "version": None, "alias": None, "family": None}
        artifacts["model_info"] = Artifact(json.dumps(model, default=str).encode(), "json")
        summary = {k: model.get(k) for k in ("name", "version", "alias", "family", "trained_through")}
        provenance = {
            "model": f"{model['name']} v{version} ({alias})",
            "model_version": version,
            "model_alias": alias,
            "features_version": first.get("features_version"),
            "dagster_run_id": context.run_id,
            "published_by": "publication",
            "pipeline_time": settings.now().astimezone(dt.UTC).isoformat(),
        }
        for name, table in tables.items():  # what readers decode, refused here rather than there
            contract.check_table(name, table)
        for name, artifact in artifacts.items():
            contract.check_document(name, artifact.data)
        store = PublishedStore(blobs)
        manifest = store.publish(tables, artifacts, provenance=provenance, model=summary)
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
