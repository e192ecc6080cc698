"""Inference assets: predictions, prediction cards (model vs market), backtest and ROI by region."""

import datetime as dt

import dagster as dg
import polars as pl

from soccer_assets.defs.features.assets import frame_fingerprint
from soccer_assets.defs.metadata import frame_markdown
from soccer_assets.defs.plots import profit_curve_markdown
from soccer_assets.defs.policies import refresh_after_checks
from soccer_assets.lib.backtest import profit_curve, run_backtest, run_backtest_at_book, summarize
from soccer_assets.lib.cards import build_cards
from soccer_assets.lib.models.serving import ServingModel, export_model
from soccer_assets.lib.odds_history import quote_history
from soccer_assets.lib.pre_match_odds import select_pre_match_odds
from soccer_assets.lib.price_rule import SINGLE_BOOKS
from soccer_assets.lib.splits import PREDICT, TEST
from soccer_assets.mlops.contract import CANDIDATE, PROBABILITY_COLUMNS, to_model_input
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.resources.storage import StorageResource, read_asset_table
from soccer_assets.settings import Settings
from soccer_assets.storage.prediction_log import PredictionLog
from soccer_assets.storage.serving_artifacts import save_serving_artifact, serving_key

GROUP = "inference"
USER_FACING_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=30), warn_window=dt.timedelta(hours=26)
)
MATCH_COLUMNS = ["match_id", "league", "season", "kickoff_date", "kickoff_utc", "home_team", "away_team"]


def load_optional_table(storage: StorageResource, asset: str, log) -> pl.DataFrame | None:
    """An upstream table that may not exist (an optional source such as Fonbet)."""
    try:
        return read_asset_table(storage, dg.AssetKey(asset))
    except FileNotFoundError:
        log.warning(f"{asset} has never been materialized; continuing without it")
        return None


def _model_columns(name: str, version: str, alias: str, family: str, features_version: str) -> list[pl.Expr]:
    return [
        pl.lit(name).alias("model_name"),
        pl.lit(version).alias("model_version"),
        pl.lit(alias).alias("model_alias"),
        pl.lit(family).alias("model_family"),
        pl.lit(features_version).alias("features_version"),
    ]


def _summary_by_book(
    priced: pl.DataFrame, summary: pl.DataFrame, threshold_pp: float, seed: int
) -> pl.DataFrame:
    """The backtest summary as published, beside the same strategies at each single book's prices."""
    parts = [summary.with_columns(prices=pl.lit("as published (market average first)"))]
    for book in SINGLE_BOOKS:
        bets = run_backtest_at_book(priced, book, threshold_pp=threshold_pp)
        if bets.height:
            parts.append(summarize(bets, seed=seed).with_columns(prices=pl.lit(book)))
    table = pl.concat(parts, how="diagonal_relaxed")
    return table.select("prices", pl.exclude("prices")).with_columns(pl.col(pl.Float64).round(4))


def build_inference_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    @dg.asset(
        group_name=GROUP,
        deps=["final_model"],
        kinds={"mlflow", "polars"},
        automation_condition=refresh_after_checks(),
        freshness_policy=USER_FACING_FRESHNESS,
        description=(
            "1X2 probabilities of the model in use (champion, else candidate): upcoming matches from its "
            "serving refit, loaded from the same native artifact the API serves, and finished holdout "
            "matches from its holdout-protocol twin (which never saw them). Leagues the model never "
            "trained on are left out unless SOCCER_PREDICT_UNTRAINED_LEAGUES. Upcoming forecasts are also "
            "appended to the immutable prediction log."
        ),
    )
    def predictions(
        context: dg.AssetExecutionContext,
        match_features: pl.DataFrame,
        time_splits: pl.DataFrame,
        mlflow: MlflowResource,
        storage: StorageResource,
    ) -> dg.Output[pl.DataFrame]:
        registry = mlflow.registry()
        in_use = registry.model_in_use()
        if in_use is None:
            raise dg.Failure(
                description="no champion or candidate model is registered yet; run training_job first"
            )
        alias, version = in_use[0], str(in_use[1].version)
        tags = in_use[1].tags
        if alias == CANDIDATE:
            context.log.warning(f"no champion yet: predicting with candidate version {version}")
        serving = registry.load(version)
        artifact = export_model(
            serving.unwrap_python_model().model,
            name=mlflow.model_name,
            version=version,
            alias=alias,
            fit="serving",
            served_through=tags.get("served_through"),
        )
        save_serving_artifact(storage.blobstore(), artifact)
        served = ServingModel.from_artifact(artifact)  # from the bytes the API will load
        rows = match_features.join(
            time_splits.filter(pl.col("split").is_in([PREDICT, TEST])).select("match_id", "split"),
            on="match_id",
        )
        trained = tags.get("train_leagues")
        rows = rows.with_columns(
            league_trained=pl.col("league").is_in(trained.split(",")) if trained else pl.lit(True)
        )
        untrained = rows.filter(~pl.col("league_trained") & (pl.col("split") == PREDICT))
        if untrained.height and not settings.predict_untrained_leagues:
            leagues = ", ".join(sorted(set(untrained["league"])))
            context.log.warning(
                f"not predicting {untrained.height} upcoming matches of leagues v{version} never trained on "
                f"({leagues}); SOCCER_PREDICT_UNTRAINED_LEAGUES=true allows it"
            )
            rows = rows.filter(pl.col("league_trained") | (pl.col("split") != PREDICT))
        upcoming = rows.filter(pl.col("split") == PREDICT)
        holdout = rows.filter(pl.col("split") == TEST)
        holdout_model = registry.load_holdout(version)
        holdout_features = list(holdout_model.metadata.get_input_schema().input_names())
        parts = [
            (
                upcoming,
                served.predict_proba(upcoming.select(served.features).to_numpy().astype(float)),
                "serving",
            ),
            (
                holdout,
                holdout_model.predict(to_model_input(holdout, holdout_features))[
                    PROBABILITY_COLUMNS
                ].to_numpy(),
                "holdout",
            ),
        ]
        predicted_at = settings.now()
        family = tags.get("family", "")
        frame = (
            pl.concat(
                [
                    part.select(
                        *MATCH_COLUMNS,
                        pl.when(pl.col("is_finished"))
                        .then(pl.lit("finished"))
                        .otherwise(pl.lit("upcoming"))
                        .alias("status"),
                        pl.col("split"),
                        pl.col("league_trained"),
                    ).with_columns(
                        *(
                            pl.Series(name, probs[:, k], dtype=pl.Float64)
                            for k, name in enumerate(PROBABILITY_COLUMNS)
                        ),
                        pl.lit(fit).alias("model_fit"),
                    )
                    for part, probs, fit in parts
                    if part.height
                ],
                how="vertical_relaxed",
            )
            .with_columns(
                *_model_columns(mlflow.model_name, version, alias, family, frame_fingerprint(match_features)),
                pl.lit(predicted_at).cast(pl.Datetime("us", "UTC")).alias("predicted_at"),
            )
            .sort("kickoff_date", "match_id")
        )
        logged = PredictionLog(storage.blobstore()).append(
            frame.filter(pl.col("status") == "upcoming"), predicted_at, batch_id=context.run_id
        )
        counts = frame.group_by("status", "model_fit").len().sort("status")
        return dg.Output(
            frame,
            metadata={
                "dagster/row_count": frame.height,
                "model": f"{mlflow.model_name} v{version} ({alias})",
                "per_status": frame_markdown(counts),
                "logged_batch": logged or "(no upcoming matches)",
                "serving_artifact": dg.MetadataValue.path(storage.blobstore().uri(serving_key(version))),
            },
        )

    @dg.asset(
        group_name=GROUP,
        deps=["fonbet_odds"],
        kinds={"polars"},
        automation_condition=refresh_after_checks(),
        freshness_policy=USER_FACING_FRESHNESS,
        description=(
            "Each prediction beside the latest pre-match odds (Fonbet when linked, else football-data; "
            "`odds_source` says which), de-vigged market probabilities, edges in percentage points and "
            "value flags, plus status and, for finished matches, whether the pick was right."
        ),
    )
    def prediction_cards(
        context: dg.AssetExecutionContext,
        predictions: pl.DataFrame,
        matches: pl.DataFrame,
        fixtures: pl.DataFrame,
        storage: StorageResource,
    ) -> dg.Output[pl.DataFrame]:
        fonbet = load_optional_table(storage, "fonbet_odds", context.log)
        priced = pl.concat(
            [
                frame.filter(pl.col("match_id").is_in(predictions["match_id"].implode())).select(
                    "match_id", "kickoff_date", "kickoff_utc", pl.col("^pre_.*$")
                )
                for frame in (matches, fixtures)
            ],
            how="diagonal_relaxed",
        )
        odds = select_pre_match_odds(priced, fonbet)
        cards = build_cards(
            predictions,
            odds,
            matches.select("match_id", "result", "home_goals", "away_goals"),
            threshold_pp=settings.value_threshold_pp,
        )
        upcoming = cards.filter(pl.col("status") == "upcoming")
        value = upcoming.filter(pl.col("value_outcome").is_not_null())
        sources = (
            cards.group_by(pl.col("odds_source").fill_null("(no odds)")).len().sort("len", descending=True)
        )
        return dg.Output(
            cards,
            metadata={
                "dagster/row_count": cards.height,
                "upcoming": upcoming.height,
                "upcoming_value_bets": value.height,
                "value_threshold_pp": settings.value_threshold_pp,
                "odds_sources": frame_markdown(sources),
                "top_value_bets": frame_markdown(
                    value.sort("value_edge_pp", descending=True).select(
                        "kickoff_date",
                        "home_team",
                        "away_team",
                        "value_outcome",
                        "value_edge_pp",
                        "odds_source",
                    ),
                    15,
                ),
            },
        )

    @dg.asset(
        group_name=GROUP,
        deps=["fonbet_odds"],
        kinds={"polars"},
        automation_condition=refresh_after_checks(),
        description=(
            "Every 1X2 quote of the predicted matches: football-data.co.uk pre-match and closing prices "
            "per book, and each Fonbet snapshot before kickoff with its capture time, de-vigged."
        ),
    )
    def odds_history(
        context: dg.AssetExecutionContext,
        predictions: pl.DataFrame,
        matches: pl.DataFrame,
        fixtures: pl.DataFrame,
        storage: StorageResource,
    ) -> dg.Output[pl.DataFrame]:
        ids = predictions["match_id"].implode()
        priced = pl.concat(
            [
                frame.filter(pl.col("match_id").is_in(ids)).select(
                    "match_id", pl.col("^pre_.*$"), pl.col("^close_.*$")
                )
                for frame in (matches, fixtures)
            ],
            how="diagonal_relaxed",
        )
        history = quote_history(priced, load_optional_table(storage, "fonbet_odds", context.log))
        counts = history.group_by("source", "timing").len().sort("source", "timing")
        return dg.Output(
            history,
            metadata={
                "dagster/row_count": history.height,
                "matches": history["match_id"].n_unique(),
                "quotes": frame_markdown(counts),
            },
        )

    @dg.asset(
        group_name=GROUP,
        kinds={"polars"},
        automation_condition=refresh_after_checks(),
        description=(
            "Flat-stake simulation on the finished holdout matches with pre-kickoff odds only: every pick "
            "and value bets only; closing prices measure closing-line value afterwards."
        ),
    )
    def backtest(predictions: pl.DataFrame, matches: pl.DataFrame) -> dg.Output[pl.DataFrame]:
        finished = predictions.filter(pl.col("status") == "finished")
        single_books = pl.col(f"^pre_({'|'.join(SINGLE_BOOKS)})_.*$")
        enriched = finished.join(
            matches.select("match_id", "result", pl.col("^close_.*$"), single_books),
            on="match_id",
            how="inner",
        )
        odds = select_pre_match_odds(
            matches.filter(pl.col("match_id").is_in(finished["match_id"].implode())).select(
                "match_id", "kickoff_date", "kickoff_utc", pl.col("^pre_.*$")
            )
        )
        priced = enriched.join(odds.drop("odds_snapshot_at"), on="match_id", how="left")
        bets = run_backtest(priced, threshold_pp=settings.value_threshold_pp)
        summary = summarize(bets, seed=settings.seed) if bets.height else pl.DataFrame()
        return dg.Output(
            bets,
            metadata={
                "dagster/row_count": bets.height,
                "summary": frame_markdown(summary.with_columns(pl.col(pl.Float64).round(4))),
                # what a bettor could have had at one real book's prices, beside the average's
                "summary_by_book": frame_markdown(
                    _summary_by_book(priced, summary, settings.value_threshold_pp, settings.seed)
                    if bets.height
                    else summary
                ),
                "profit_curve": dg.MetadataValue.md(
                    profit_curve_markdown(profit_curve(bets)) if bets.height else ""
                ),
                **{
                    f"{row['strategy']}_yield": row["yield"]
                    for row in (summary.to_dicts() if summary.height else [])
                },
            },
        )

    @dg.asset(
        group_name=GROUP,
        kinds={"polars"},
        automation_condition=refresh_after_checks(),
        freshness_policy=USER_FACING_FRESHNESS,
        description="Backtest yield with bootstrap CI, hit rate and CLV per strategy, region and league.",
    )
    def region_roi(backtest: pl.DataFrame) -> dg.Output[pl.DataFrame]:
        parts = [
            summarize(backtest, seed=settings.seed).with_columns(
                pl.lit("overall").alias("level"), pl.lit("all").alias("group")
            ),
            summarize(backtest, ("region",), seed=settings.seed)
            .rename({"region": "group"})
            .with_columns(pl.lit("region").alias("level")),
            summarize(backtest, ("league",), seed=settings.seed)
            .rename({"league": "group"})
            .with_columns(pl.lit("league").alias("level")),
        ]
        table = pl.concat(parts, how="diagonal_relaxed").select(
            "strategy", "level", "group", pl.exclude("strategy", "level", "group")
        )
        return dg.Output(
            table,
            metadata={
                "dagster/row_count": table.height,
                "table": frame_markdown(table.with_columns(pl.col(pl.Float64).round(4))),
            },
        )

    return [predictions, prediction_cards, odds_history, backtest, region_roi]
