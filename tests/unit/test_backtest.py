"""Backtest: bets, profit, yield and its bootstrap interval, CLV and summaries, by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from soccer_assets.lib.backtest import (
    LookAheadError,
    bootstrap_yield_interval,
    pre_kickoff_view,
    profit_curve,
    run_backtest,
    select_bets,
    summarize,
)
from soccer_assets.lib.pre_match_odds import DuplicateMatchError

DAY = dt.date(2024, 3, 2)


def finished(*rows: dict) -> pl.DataFrame:
    """Finished matches; each row gives match_id, probs, odds, result and optional extras."""
    defaults = {
        "league": "E0",
        "kickoff_date": DAY,
        "kickoff_utc": None,
        "close_ps_home": None,
        "close_ps_draw": None,
        "close_ps_away": None,
        "close_avg_home": None,
        "close_avg_draw": None,
        "close_avg_away": None,
    }
    records = []
    for row in rows:
        probs, prices = row.pop("probs"), row.pop("odds")
        record = defaults | row
        record |= dict(zip(("prob_home", "prob_draw", "prob_away"), probs, strict=True))
        record |= dict(zip(("odds_home", "odds_draw", "odds_away"), prices, strict=True))
        records.append(record)
    float_columns = [c for c in records[0] if c.startswith(("prob_", "odds_", "close_"))]
    return pl.DataFrame(
        records,
        schema_overrides={"kickoff_utc": pl.Datetime("us", "UTC")} | dict.fromkeys(float_columns, pl.Float64),
    )


def bets_of(bets: pl.DataFrame, strategy: str) -> list[tuple]:
    return (
        bets.filter(pl.col("strategy") == strategy)
        .select("match_id", "outcome", "odds", "won", "profit")
        .rows()
    )


# Three matches priced without margin (1/odds sum to 1), so the market is 1/odds exactly.
THREE = (
    # market .4/.3/.3; model .5/.3/.2 -> pick H, edge H = +10 pp (value); result H: +1.5
    dict(match_id="a", probs=(0.5, 0.3, 0.2), odds=(2.5, 10 / 3, 10 / 3), result="H"),
    # market .25/.5/.25; model .3/.36/.34 -> pick D, edges +5/-14/+9 pp: value H and A; result A: A wins 3.0
    dict(match_id="b", probs=(0.3, 0.36, 0.34), odds=(4.0, 2.0, 4.0), result="A"),
    # market .5/.25/.25; model .56/.24/.20 -> pick H, edge H = +6 pp (value); result D
    dict(match_id="c", probs=(0.56, 0.24, 0.20), odds=(2.0, 4.0, 4.0), result="D"),
)


def test_bets_profit_and_yield_by_hand():
    bets = run_backtest(finished(*(dict(r) for r in THREE)))
    assert bets_of(bets, "all_picks") == [
        ("a", "H", 2.5, True, pytest.approx(1.5)),
        ("b", "D", 2.0, False, -1.0),
        ("c", "H", 2.0, False, -1.0),
    ]
    # b's home edge is 5 pp + float noise: equal to the threshold, so not a value bet
    assert bets_of(bets, "value_bets") == [
        ("a", "H", 2.5, True, pytest.approx(1.5)),
        ("b", "A", 4.0, True, pytest.approx(3.0)),
        ("c", "H", 2.0, False, -1.0),
    ]
    summary = {r["strategy"]: r for r in summarize(bets, n_boot=200).to_dicts()}
    assert (summary["all_picks"]["bets"], summary["all_picks"]["turnover"]) == (3, 3.0)
    assert summary["all_picks"]["profit"] == pytest.approx(-0.5)
    assert summary["all_picks"]["yield"] == pytest.approx(-0.5 / 3)
    assert summary["all_picks"]["hit_rate"] == pytest.approx(1 / 3)
    assert summary["value_bets"]["yield"] == pytest.approx(3.5 / 3)
    assert summary["value_bets"]["hit_rate"] == pytest.approx(2 / 3)


def test_the_value_threshold_is_configurable():
    bets = run_backtest(finished(*(dict(r) for r in THREE)), strategies=["value_bets"], threshold_pp=8.0)
    assert [(m, o) for m, o, *_ in bets_of(bets, "value_bets")] == [("a", "H"), ("b", "A")]


def test_closing_line_value_by_hand():
    # closing ps 2.0/3.6/4.0: 1/2 + 1/3.6 + 1/4 = 37/36, fair home probability 18/37
    rows = finished(
        dict(match_id="ps", probs=(0.6, 0.2, 0.2), odds=(2.2, 3.5, 4.0), result="H")
        | dict(close_ps_home=2.0, close_ps_draw=3.6, close_ps_away=4.0, close_avg_home=1.9),
        dict(match_id="avg", probs=(0.6, 0.2, 0.2), odds=(2.2, 3.5, 4.0), result="H")
        | dict(close_ps_home=2.0, close_avg_home=2.0, close_avg_draw=3.6, close_avg_away=4.0),
        dict(match_id="none", probs=(0.6, 0.2, 0.2), odds=(2.2, 3.5, 4.0), result="H"),
    )
    bets = run_backtest(rows, strategies=["all_picks"]).select("match_id", "closing_source", "clv").rows()
    assert bets == [
        ("ps", "ps", pytest.approx(2.2 * 18 / 37 - 1)),
        ("avg", "avg", pytest.approx(2.2 * 18 / 37 - 1)),
        ("none", None, None),
    ]
    summary = summarize(run_backtest(rows, strategies=["all_picks"]), n_boot=50).row(0, named=True)
    assert (summary["mean_clv"], summary["clv_bets"]) == (pytest.approx(2.2 * 18 / 37 - 1), 2)


def test_matches_without_valid_prices_get_no_bet():
    rows = finished(
        dict(match_id="priced", probs=(0.5, 0.3, 0.2), odds=(2.0, 3.5, 4.0), result="H"),
        dict(match_id="no_odds", probs=(0.5, 0.3, 0.2), odds=(None, None, None), result="H"),
        dict(match_id="bad_odds", probs=(0.5, 0.3, 0.2), odds=(1.0, 3.5, 4.0), result="H"),
    )
    assert run_backtest(rows, strategies=["all_picks"])["match_id"].to_list() == ["priced"]


def test_selection_refuses_anything_not_known_before_kickoff():
    rows = finished(dict(match_id="a", probs=(0.5, 0.3, 0.2), odds=(2.0, 3.5, 4.0), result="H"))
    with pytest.raises(LookAheadError, match=r"\['close_avg_away'.*'result'"):
        select_bets(rows, "all_picks")
    with pytest.raises(LookAheadError, match="home_goals"):
        select_bets(pre_kickoff_view(rows).with_columns(home_goals=pl.lit(2)), "value_bets")
    assert select_bets(pre_kickoff_view(rows), "all_picks")["outcome"].to_list() == ["H"]


def test_only_finished_unique_matches_are_backtested():
    row = dict(match_id="a", probs=(0.5, 0.3, 0.2), odds=(2.0, 3.5, 4.0), result=None)
    with pytest.raises(ValueError, match="needs finished matches"):
        run_backtest(finished(dict(row)))
    with pytest.raises(DuplicateMatchError):
        run_backtest(finished(dict(row, result="H"), dict(row, result="H")))


def test_interval_collapses_when_every_resample_is_the_same():
    one_bet = bootstrap_yield_interval(np.array([1.0]), np.array([0.8]))
    assert one_bet == (pytest.approx(0.8), pytest.approx(0.8))
    same_profit = bootstrap_yield_interval(np.ones(30), np.full(30, -1.0))
    assert same_profit == (pytest.approx(-1.0), pytest.approx(-1.0))


def test_interval_of_one_win_and_one_loss_by_hand():
    # resampling two bets (+1, -1) gives yields -1, 0, +1 with probability 1/4, 1/2, 1/4
    stakes, profits = np.ones(2), np.array([1.0, -1.0])
    assert bootstrap_yield_interval(stakes, profits, n_boot=4000) == (-1.0, 1.0)
    # the 30% and 70% quantiles both fall inside the middle half, at 0
    assert bootstrap_yield_interval(stakes, profits, n_boot=4000, level=0.4) == (0.0, 0.0)


def test_interval_is_seeded_and_brackets_the_yield():
    rng = np.random.default_rng(7)
    won = rng.random(400) < 0.45
    profits = np.where(won, 1.2, -1.0)
    stakes = np.ones(400)
    low, high = bootstrap_yield_interval(stakes, profits, seed=3)
    assert (low, high) == bootstrap_yield_interval(stakes, profits, seed=3)
    assert (low, high) != bootstrap_yield_interval(stakes, profits, seed=4)
    observed = profits.sum() / stakes.sum()
    assert low < observed < high
    # about +-1.96 standard errors of the mean profit
    half_width = 1.96 * profits.std() / np.sqrt(len(profits))
    assert (high - low) / 2 == pytest.approx(half_width, rel=0.15)
    assert np.isnan(bootstrap_yield_interval(np.array([]), np.array([]))).all()


def test_interval_resamples_matches_not_bets():
    rng = np.random.default_rng(11)
    profits = np.where(rng.random(200) < 0.45, 1.2, -1.0)
    stakes, matches = np.ones(200), np.arange(200)
    one_bet_each = bootstrap_yield_interval(stakes, profits, matches=matches, seed=5)
    # the same bet placed twice on every match: the same evidence, so the same interval
    twice = bootstrap_yield_interval(
        np.repeat(stakes, 2), np.repeat(profits, 2), matches=np.repeat(matches, 2), seed=5
    )
    assert twice == pytest.approx(one_bet_each)
    # resampled as if the 400 bets were independent, the interval would shrink by about 1/sqrt(2)
    as_bets = bootstrap_yield_interval(np.repeat(stakes, 2), np.repeat(profits, 2), seed=5)
    assert (as_bets[1] - as_bets[0]) < 0.8 * (twice[1] - twice[0])


def test_summaries_per_league_and_region():
    rows = finished(
        dict(match_id="e0", league="E0", probs=(0.5, 0.3, 0.2), odds=(2.0, 3.5, 4.0), result="H"),
        dict(match_id="e1", league="E1", probs=(0.5, 0.3, 0.2), odds=(2.5, 3.5, 4.0), result="D"),
        dict(match_id="d1", league="D1", probs=(0.5, 0.3, 0.2), odds=(3.0, 3.5, 4.0), result="H"),
    )
    bets = run_backtest(rows, strategies=["all_picks"])
    by_region = summarize(bets, ["region"], n_boot=100).select("region", "bets", "profit", "yield").rows()
    assert by_region == [("England", 2, 0.0, 0.0), ("Germany", 1, 2.0, 2.0)]
    by_league = summarize(bets, ["league"], n_boot=100).select("league", "bets", "profit").rows()
    assert by_league == [("D1", 1, 2.0), ("E0", 1, 1.0), ("E1", 1, -1.0)]


def test_profit_curve_follows_kickoff_order():
    rows = finished(
        dict(
            match_id="late", kickoff_date=DAY + dt.timedelta(days=7), probs=(0.5, 0.3, 0.2), odds=(2, 3.5, 4)
        )
        | dict(result="D"),
        dict(match_id="evening", kickoff_utc=dt.datetime(2024, 3, 2, 19, 45, tzinfo=dt.UTC))
        | dict(probs=(0.5, 0.3, 0.2), odds=(3.0, 3.5, 4), result="H"),
        dict(match_id="noon", kickoff_utc=dt.datetime(2024, 3, 2, 12, 30, tzinfo=dt.UTC))
        | dict(probs=(0.5, 0.3, 0.2), odds=(2.5, 3.5, 4), result="H"),
    )
    curve = profit_curve(run_backtest(rows, strategies=["all_picks"]))
    assert curve.select("match_id", "bet_number", "cumulative_profit", "cumulative_turnover").rows() == [
        ("noon", 1, 1.5, 1.0),
        ("evening", 2, 3.5, 2.0),
        ("late", 3, 2.5, 3.0),
    ]


def test_no_priced_match_gives_empty_typed_results():
    rows = finished(dict(match_id="a", probs=(0.5, 0.3, 0.2), odds=(None, None, None), result="H"))
    bets = run_backtest(rows)
    assert bets.is_empty() and bets.schema["profit"] == pl.Float64
    assert summarize(bets, ["region"]).is_empty() and profit_curve(bets).is_empty()
