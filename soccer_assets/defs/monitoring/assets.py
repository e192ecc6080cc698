"""Monitoring assets: feature and prediction drift (Evidently), quality on finished matches."""

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import polars as pl

from soccer_assets.defs.inference.assets import load_optional_table
from soccer_assets.defs.metadata import frame_markdown
from soccer_assets.defs.policies import refresh_after_checks
from soccer_assets.lib.features.build import feature_columns
from soccer_assets.lib.monitoring import prometheus, quality
from soccer_assets.lib.monitoring.league_drift import league_drift
from soccer_assets.lib.pre_match_odds import market_probabilities
from soccer_assets.lib.splits import TRAIN
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.resources.storage import StorageResource
from soccer_assets.settings import Settings
from soccer_assets.storage.prediction_log import PredictionLog

GROUP = "monitoring"
REFERENCE_SAMPLE = 4000
DRIFT_ARTIFACTS = "assets/drift_report"
DRIFT_SUMMARY = f"{DRIFT_ARTIFACTS}/summary.json"
QUALITY_ARTIFACTS = "assets/quality_metrics"
# series whose number stays bounded (months and rolling windows grow forever: API and UI only)
PROMETHEUS_SCOPES = ("overall", "league", "recent", "model_version")


def recent_rows(features: pl.DataFrame, window_days: int) -> pl.DataFrame:
    """Upcoming matches plus finished ones of the last ``window_days`` before the latest result."""
    latest = features.filter(pl.col("is_finished"))["kickoff_date"].max()
    if latest is None:
        return features
    since = latest - dt.timedelta(days=window_days)
    return features.filter(~pl.col("is_finished") | (pl.col("kickoff_date") > since))


def build_monitoring_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    @dg.asset(
        group_name=GROUP,
        kinds={"evidently"},
        automation_condition=refresh_after_checks(),
        description=(
            "Evidently data drift of recent feature rows (upcoming matches and the last "
            f"{settings.drift_window_days} days of results) against the training reference, and drift of "
            "the predicted probabilities (upcoming vs holdout). HTML and JSON reports are kept."
        ),
    )
    def drift_report(
        match_features: pl.DataFrame,
        time_splits: pl.DataFrame,
        predictions: pl.DataFrame,
        storage: StorageResource,
    ) -> dg.Output[pl.DataFrame]:
        from soccer_assets.lib.monitoring import drift  # Evidently: seconds to import, only here

        columns = feature_columns(match_features)
        train_ids = time_splits.filter((pl.col("split") == TRAIN) & pl.col("usable"))["match_id"].implode()
        reference = match_features.filter(pl.col("match_id").is_in(train_ids))
        reference = reference.sample(min(REFERENCE_SAMPLE, reference.height), seed=settings.seed)
        current = recent_rows(match_features, settings.drift_window_days)
        features_report = drift.data_drift(reference, current, columns)
        holdout = predictions.filter(pl.col("status") == "finished")
        upcoming = predictions.filter(pl.col("status") == "upcoming")
        reports = {"features": features_report}
        if holdout.height and upcoming.height:
            reports["predictions"] = drift.prediction_drift(holdout, upcoming)
        leagues = league_drift(reference, current, columns)
        blobs = storage.blobstore()
        for kind, report in reports.items():
            blobs.put(f"{DRIFT_ARTIFACTS}/{kind}.html", report.html.encode())
            blobs.put(f"{DRIFT_ARTIFACTS}/{kind}.json", report.json.encode())
        summary = {
            "generated_at": settings.now().isoformat(),
            "window_days": settings.drift_window_days,
            "retrain_threshold": settings.drift_share_threshold,
            **{kind: report.summary() for kind, report in reports.items()},
            "leagues": leagues.to_dicts(),
        }
        blobs.put(DRIFT_SUMMARY, json.dumps(summary, default=str).encode())
        table = pl.concat(
            [r.to_frame().with_columns(pl.lit(k).alias("kind")) for k, r in reports.items()],
            how="diagonal_relaxed",
        )
        metadata = {
            "drift_share": features_report.drift_share,
            "dataset_drift": features_report.dataset_drift,
            "drifted_features": features_report.drifted_columns,
            "reference_rows": reference.height,
            "current_rows": current.height,
            "top_drifted": frame_markdown(table.filter(pl.col("drifted")).sort("score", descending=True), 15),
            "leagues": frame_markdown(leagues.with_columns(pl.col(pl.Float64).round(3))),
            "report_html": dg.MetadataValue.path(blobs.uri(f"{DRIFT_ARTIFACTS}/features.html")),
        }
        if "predictions" in reports:
            metadata["prediction_drift_share"] = reports["predictions"].drift_share
        return dg.Output(table, metadata=metadata)

    @dg.asset(
        group_name=GROUP,
        deps=["predictions", "fonbet_odds"],
        kinds={"evidently", "prometheus"},
        automation_condition=refresh_after_checks(),
        description=(
            "Log loss, Brier, RPS, ECE and hit rate on finished matches that had a prediction logged before "
            "kickoff, beside the de-vigged pre-match market on the same matches: overall, per league, per "
            "month, per model version, the most recent matches and rolling windows. Also an Evidently "
            "classification report and a Prometheus textfile with the bounded series."
        ),
    )
    def quality_metrics(
        context: dg.AssetExecutionContext,
        matches: pl.DataFrame,
        storage: StorageResource,
        mlflow: MlflowResource,
    ) -> dg.Output[pl.DataFrame]:
        log = PredictionLog(storage.blobstore())
        finished = matches.select("match_id", "kickoff_date", "kickoff_utc", "league", "result")
        logged = log.latest_before_kickoff(finished)
        scored = pl.DataFrame()
        if logged.height:
            scored = logged.drop("league", "kickoff_date", "kickoff_utc", strict=False).join(
                finished, on="match_id"
            )
            priced = matches.filter(pl.col("match_id").is_in(scored["match_id"].implode())).select(
                "match_id", "kickoff_date", "kickoff_utc", pl.col("^pre_.*$")
            )
            market = market_probabilities(priced, load_optional_table(storage, "fonbet_odds", context.log))
            scored = scored.drop(quality.MARKET_COLUMNS, strict=False).join(
                market.drop("odds_source"), on="match_id", how="left"
            )
        table = (
            quality.quality_beside_market(scored)
            if scored.height
            else pl.DataFrame(schema=quality.COMPARISON_SCHEMA)
        )
        in_use = mlflow.registry().model_in_use()
        model_info = (
            {"name": mlflow.model_name, "version": str(in_use[1].version), "alias": in_use[0]}
            if in_use
            else {}
        )
        registry = prometheus.build_registry(
            quality=table.filter(pl.col("scope").is_in(PROMETHEUS_SCOPES)), model=model_info
        )
        Path(settings.prometheus_textfile).parent.mkdir(parents=True, exist_ok=True)
        prometheus.write_textfile(settings.prometheus_textfile, registry)
        model_rows = table.filter(pl.col("source") == "model")
        metadata: dict = {
            "evaluable_matches": int(model_rows.filter(pl.col("scope") == "overall")["matches"].sum())
            if table.height
            else 0,
            "prometheus_textfile": dg.MetadataValue.path(settings.prometheus_textfile),
            "table": frame_markdown(
                table.filter(pl.col("scope") != "rolling").with_columns(pl.col(pl.Float64).round(4))
            ),
        }
        if table.height:
            for source in quality.SOURCES:
                overall = table.filter((pl.col("scope") == "overall") & (pl.col("source") == source))
                metadata |= {f"{source}_{m}": overall.row(0, named=True)[m] for m in quality.METRICS}
            report = quality.classification_report(scored)
            storage.blobstore().put(f"{QUALITY_ARTIFACTS}/classification.html", report.html.encode())
        else:
            context.log.info("no finished match has a prediction logged before its kickoff yet")
        return dg.Output(table, metadata=metadata)

    return [drift_report, quality_metrics]
