"""Quality metrics on finished matches: which rows count, grouping, windows, Evidently's report."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import polars as pl
import pytest

from soccer_assets.lib import devig, metrics
from soccer_assets.lib.monitoring.quality import (
    QUALITY_SCHEMA,
    classification_report,
    evaluable,
    quality_table,
    rolling_quality,
)
from tests.real_matches import real_matches
from tests.unit.quality_rows import ROWS, scored_rows


def row(table: pl.DataFrame, scope: str, group: str) -> dict:
    return table.filter((pl.col("scope") == scope) & (pl.col("group") == group)).row(0, named=True)


def test_figures_by_hand():
    table = quality_table(ROWS, recent=2)
    e0 = row(table, "league", "E0")
    assert e0["matches"] == 2
    assert e0["logloss"] == pytest.approx(-(math.log(0.5) + math.log(0.2)) / 2)
    assert e0["accuracy"] == 0.5
    # Brier of a: (0.5-1)^2 + 0.3^2 + 0.2^2 = 0.38; of b: 0.8^2 + 0.3^2 + 0.5^2 = 0.98
    assert e0["brier"] == pytest.approx((0.38 + 0.98) / 2)
    # RPS of a: ((0.5-1)^2 + (0.8-1)^2) / 2 = 0.145; of b: (0.8^2 + 0.5^2) / 2 = 0.445
    assert e0["rps"] == pytest.approx((0.145 + 0.445) / 2)
    assert (e0["first_kickoff"], e0["last_kickoff"]) == (dt.date(2024, 3, 2), dt.date(2024, 3, 9))


def test_groups_overall_league_month_and_recent():
    table = quality_table(ROWS, recent=2)
    assert table.schema == pl.Schema(QUALITY_SCHEMA)
    assert table.select("scope", "group", "matches").rows() == [
        ("overall", "all", 4),
        ("league", "D1", 2),
        ("league", "E0", 2),
        ("month", "2024-03", 2),
        ("month", "2024-04", 2),
        ("recent", "last_2", 2),
    ]
    probs = ROWS.select("prob_home", "prob_draw", "prob_away").to_numpy()
    outcomes = metrics.encode_results(ROWS["result"].to_list())
    assert {k: row(table, "overall", "all")[k] for k in metrics.score(probs, outcomes)} == pytest.approx(
        metrics.score(probs, outcomes)
    )
    # the most recent two matches are c and d, which is also April and D1
    recent = {k: v for k, v in row(table, "recent", "last_2").items() if k not in ("scope", "group")}
    assert recent == {k: v for k, v in row(table, "month", "2024-04").items() if k not in ("scope", "group")}


def test_only_finished_matches_predicted_before_kickoff_count():
    kickoff = dt.datetime(2024, 3, 2, 15, tzinfo=dt.UTC)
    frame = scored_rows(
        ("early", "E0", dt.date(2024, 3, 2), (0.5, 0.3, 0.2), "H"),
        ("late", "E0", dt.date(2024, 3, 2), (0.5, 0.3, 0.2), "A"),
        ("at_kickoff", "E0", dt.date(2024, 3, 2), (0.5, 0.3, 0.2), "A"),
        ("no_time", "E0", dt.date(2024, 3, 2), (0.5, 0.3, 0.2), "H"),
        ("upcoming", "E0", dt.date(2024, 3, 2), (0.5, 0.3, 0.2), None),
    ).with_columns(
        kickoff_utc=pl.Series([kickoff, kickoff, kickoff, None, kickoff], dtype=pl.Datetime("us", "UTC")),
        predicted_at=pl.Series(
            [
                kickoff - dt.timedelta(days=1),
                kickoff + dt.timedelta(minutes=5),
                kickoff,
                dt.datetime(2024, 3, 1, 23, 0, tzinfo=dt.UTC),  # before the kickoff day starts
                kickoff - dt.timedelta(days=1),
            ],
            dtype=pl.Datetime("us", "UTC"),
        ),
    )
    assert evaluable(frame)["match_id"].to_list() == ["no_time", "early"]
    assert row(quality_table(frame), "overall", "all")["accuracy"] == 1.0
    assert evaluable(frame.drop("predicted_at"))["match_id"].to_list() == [
        "no_time",
        "at_kickoff",
        "early",
        "late",
    ]


def test_nothing_to_score_gives_an_empty_typed_table():
    empty = quality_table(ROWS.with_columns(result=pl.lit(None, pl.String)))
    assert empty.is_empty() and empty.schema == pl.Schema(QUALITY_SCHEMA)


def test_rolling_windows():
    windows = rolling_quality(ROWS, size=2, step=1)
    assert windows.select("group", "matches", "first_kickoff").rows() == [
        ("2024-03-09", 2, dt.date(2024, 3, 2)),
        ("2024-04-06", 2, dt.date(2024, 3, 9)),
        ("2024-04-13", 2, dt.date(2024, 4, 6)),
    ]
    assert windows["accuracy"].to_list() == [0.5, 0.5, 0.5]
    assert rolling_quality(ROWS, size=5).is_empty()
    with pytest.raises(ValueError):
        rolling_quality(ROWS, size=0)


def test_evidently_classification_report_agrees_with_our_metrics():
    matches = real_matches("E0", ("2223", "2324"))
    probs = devig.multiplicative(matches.select("pre_avg_home", "pre_avg_draw", "pre_avg_away").to_numpy())
    frame = matches.select("match_id", "league", "kickoff_date", "kickoff_utc", "result").with_columns(
        prob_home=probs[:, 0], prob_draw=probs[:, 1], prob_away=probs[:, 2]
    )
    report = classification_report(frame)
    values = {m["config"]["type"].rsplit(":", 1)[-1]: m["value"] for m in report.result["metrics"]}
    ours = metrics.score(probs, metrics.encode_results(matches["result"].to_list()))
    assert values["Accuracy"] == pytest.approx(ours["accuracy"])
    assert values["LogLoss"] == pytest.approx(ours["logloss"], rel=1e-6)
    assert set(values["RecallByLabel"]) == {"H", "D", "A"}
    assert "<html" in report.html[:1000].lower() and json.loads(report.json)["metrics"]
    assert np.isfinite(values["RocAuc"])
    with pytest.raises(ValueError, match="no finished matches"):
        classification_report(frame.with_columns(result=pl.lit(None, pl.String)))


def test_model_beside_market_on_the_same_matches_per_version():
    from soccer_assets.lib.monitoring.quality import COMPARISON_SCHEMA, quality_beside_market

    frame = ROWS.with_columns(
        market_home=pl.Series([0.4, 0.4, None, 0.3]),  # c has no market price: scored by neither
        market_draw=pl.Series([0.3, 0.3, None, 0.4]),
        market_away=pl.Series([0.3, 0.3, None, 0.3]),
        model_version=pl.Series(["1", "1", "2", "2"]),
    )
    table = quality_beside_market(frame, recent=2, rolling_size=2, rolling_step=1)
    assert table.schema == pl.Schema(COMPARISON_SCHEMA)
    model = table.filter(pl.col("source") == "model")
    market = table.filter(pl.col("source") == "market")
    assert (
        model.select("scope", "group", "matches").rows() == market.select("scope", "group", "matches").rows()
    )
    assert row(model, "overall", "all")["matches"] == 3
    assert row(market, "overall", "all")["logloss"] == pytest.approx(-(math.log(0.4) * 2 + math.log(0.4)) / 3)
    assert row(model, "model_version", "2")["matches"] == 1  # d only
    assert model.filter(pl.col("scope") == "rolling")["group"].to_list() == ["2024-03-09", "2024-04-13"]
    assert quality_beside_market(frame.with_columns(market_home=pl.lit(None, pl.Float64))).is_empty()
