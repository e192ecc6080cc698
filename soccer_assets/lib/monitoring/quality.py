"""Quality of 1X2 predictions on finished matches that were predicted before kickoff.

All scores come from ``lib/metrics.score`` (log loss, RPS, Brier, ECE, accuracy = hit
rate of the most probable outcome), so monitoring, evaluation and the API agree. One
tidy table holds every figure: ``scope`` says how rows were grouped (overall, league,
calendar month of kickoff, the most recent N matches) and ``group`` which group it is.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import polars as pl

from soccer_assets.lib import metrics
from soccer_assets.lib.cards import PROB_COLUMNS

if TYPE_CHECKING:
    from soccer_assets.lib.monitoring._evidently import EvidentlyOutput

METRICS: tuple[str, ...] = ("logloss", "rps", "brier", "ece", "accuracy")
QUALITY_SCHEMA: dict[str, pl.DataType] = {
    "scope": pl.String(),
    "group": pl.String(),
    "matches": pl.Int64(),
    "first_kickoff": pl.Date(),
    "last_kickoff": pl.Date(),
    **{name: pl.Float64() for name in METRICS},
}


def evaluable(predictions: pl.DataFrame) -> pl.DataFrame:
    """Rows that can be scored: a result, three probabilities and, when ``predicted_at`` is
    given, a prediction made strictly before kickoff (scoring later ones would flatter the model).

    Needs match_id, league, kickoff_date, kickoff_utc, prob_*, result. Sorted by kickoff.
    """
    kickoff = pl.coalesce(
        pl.col("kickoff_utc"), pl.col("kickoff_date").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    )
    keep = pl.col("result").is_in(metrics.RESULT_CODES) & pl.all_horizontal(
        pl.col(c).is_not_null() for c in PROB_COLUMNS
    )
    if "predicted_at" in predictions.columns:
        keep &= pl.col("predicted_at") < kickoff
    return predictions.filter(keep).with_columns(kickoff=kickoff).sort("kickoff", "match_id")


def _score_row(frame: pl.DataFrame, scope: str, group: str) -> dict[str, object]:
    probs = frame.select(PROB_COLUMNS).to_numpy()
    scores = metrics.score(probs, metrics.encode_results(frame["result"].to_list()))
    return {
        "scope": scope,
        "group": group,
        "matches": frame.height,
        "first_kickoff": frame["kickoff_date"].min(),
        "last_kickoff": frame["kickoff_date"].max(),
        **scores,
    }


def quality_table(predictions: pl.DataFrame, *, recent: int = 100) -> pl.DataFrame:
    """Scores overall, per league, per calendar month and over the last ``recent`` matches."""
    scored = evaluable(predictions)
    if scored.is_empty():
        return pl.DataFrame(schema=QUALITY_SCHEMA)
    rows = [_score_row(scored, "overall", "all")]
    for (league,), group in scored.group_by("league", maintain_order=True):
        rows.append(_score_row(group, "league", str(league)))
    months = scored.with_columns(month=pl.col("kickoff_date").dt.strftime("%Y-%m"))
    for (month,), group in months.sort("month").group_by("month", maintain_order=True):
        rows.append(_score_row(group, "month", str(month)))
    rows.append(_score_row(scored.tail(recent), "recent", f"last_{recent}"))
    order = {"overall": 0, "league": 1, "month": 2, "recent": 3}
    table = pl.DataFrame(rows, schema=QUALITY_SCHEMA)
    return table.sort(pl.col("scope").replace_strict(order), "group")


def rolling_quality(predictions: pl.DataFrame, *, size: int = 100, step: int = 50) -> pl.DataFrame:
    """Scores of windows of ``size`` consecutive matches, every ``step`` matches (for a trend plot).

    ``group`` is the window's last kickoff date; a window shorter than ``size`` is not scored.
    """
    if size < 1 or step < 1:
        raise ValueError("size and step must be positive")
    scored = evaluable(predictions)
    rows = [
        _score_row(window, "rolling", str(window["kickoff_date"].max()))
        for end in range(size, scored.height + 1, step)
        if (window := scored.slice(end - size, size)).height == size
    ]
    return pl.DataFrame(rows, schema=QUALITY_SCHEMA)


def classification_report(predictions: pl.DataFrame) -> EvidentlyOutput:
    """Evidently's classification report (accuracy, per-class precision/recall, ROC AUC, log loss)."""
    from evidently import DataDefinition, MulticlassClassification  # slow import: only when asked
    from evidently.presets import ClassificationPreset
    from sklearn.exceptions import UndefinedMetricWarning

    from soccer_assets.lib.monitoring._evidently import run

    scored = evaluable(predictions)
    if scored.is_empty():
        raise ValueError("no finished matches with a prediction made before kickoff")
    codes = list(metrics.RESULT_CODES)
    frame = scored.select(
        target=pl.col("result"),
        prediction=pl.concat_list(PROB_COLUMNS).list.arg_max().replace_strict(dict(enumerate(codes))),
        **{code: pl.col(column) for code, column in zip(codes, PROB_COLUMNS, strict=True)},
    )
    task = MulticlassClassification(target="target", prediction_labels="prediction", prediction_probas=codes)
    definition = DataDefinition(classification=[task], categorical_columns=["target", "prediction"])
    with warnings.catch_warnings():
        # a class the model never picks (often the draw) has no precision; sklearn warns, Evidently shows 0
        warnings.filterwarnings("ignore", category=UndefinedMetricWarning)
        return run([ClassificationPreset()], definition, frame)


MARKET_COLUMNS: tuple[str, ...] = ("market_home", "market_draw", "market_away")
SOURCES: tuple[str, ...] = ("model", "market")
COMPARISON_SCHEMA: dict[str, pl.DataType] = {"source": pl.String(), **QUALITY_SCHEMA}


def _scored_by(frame: pl.DataFrame, scope: str, column: str) -> list[dict[str, object]]:
    return [
        _score_row(group, scope, str(key))
        for (key,), group in frame.sort(column).group_by(column, maintain_order=True)
    ]


def _one_source(scored: pl.DataFrame, *, recent: int, rolling_size: int, rolling_step: int) -> pl.DataFrame:
    rows = quality_table(scored, recent=recent)
    parts = [rows, rolling_quality(scored, size=rolling_size, step=rolling_step)]
    if "model_version" in scored.columns:
        parts.append(
            pl.DataFrame(_scored_by(scored, "model_version", "model_version"), schema=QUALITY_SCHEMA)
        )
    return pl.concat(parts)


def quality_beside_market(
    predictions: pl.DataFrame, *, recent: int = 100, rolling_size: int = 100, rolling_step: int = 50
) -> pl.DataFrame:
    """The model's scores and the de-vigged pre-match market's, on the same matches.

    ``predictions`` is what ``evaluable`` takes plus ``market_home/draw/away``; only matches
    that have both forecasts count, so the two sources are always compared like with like.
    Scopes: overall, league, month, recent, rolling windows and, when the rows carry a
    ``model_version``, one row per version (figures never mix versions silently).
    """
    both = evaluable(predictions).filter(pl.all_horizontal(pl.col(c).is_not_null() for c in MARKET_COLUMNS))
    if both.is_empty():
        return pl.DataFrame(schema=COMPARISON_SCHEMA)
    market = both.with_columns(pl.col(m).alias(p) for m, p in zip(MARKET_COLUMNS, PROB_COLUMNS, strict=True))
    options = {"recent": recent, "rolling_size": rolling_size, "rolling_step": rolling_step}
    return pl.concat(
        [
            _one_source(frame.drop("kickoff"), **options).select(pl.lit(source).alias("source"), pl.all())
            for source, frame in (("model", both), ("market", market))
        ]
    )
