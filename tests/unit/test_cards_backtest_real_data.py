"""Cards and backtest on a real Premier League season, with a market-based stand-in model.

The "model" is Pinnacle's de-vigged pre-match price, the cards compare it with the
market average: the figures are not hand-computed, but every invariant checked here is
derived from the inputs in the test.
"""

from __future__ import annotations

import polars as pl
import pytest

from soccer_assets.lib import devig
from soccer_assets.lib.backtest import profit_curve, run_backtest, run_backtest_at_book, summarize
from soccer_assets.lib.cards import build_cards
from soccer_assets.lib.pre_match_odds import select_pre_match_odds
from tests.real_matches import real_matches


@pytest.fixture(scope="module")
def season() -> pl.DataFrame:
    return real_matches("E0", ("2223", "2324"))


@pytest.fixture(scope="module")
def cards(season) -> pl.DataFrame:
    pinnacle = devig.power(season.select("pre_ps_home", "pre_ps_draw", "pre_ps_away").to_numpy())
    predictions = season.select("match_id", "league", "kickoff_date", "kickoff_utc").with_columns(
        prob_home=pinnacle[:, 0],
        prob_draw=pinnacle[:, 1],
        prob_away=pinnacle[:, 2],
        model_version=pl.lit("ps"),
    )
    odds = select_pre_match_odds(season)
    return build_cards(predictions, odds, season.select("match_id", "result"))


def test_cards_on_a_real_season(season, cards):
    assert cards["match_id"].to_list() == season["match_id"].to_list()
    assert cards["odds_source"].unique().to_list() == ["football-data:avg"]
    assert cards.select(pl.col("odds_home") == season["pre_avg_home"]).to_series().all()
    assert (cards["status"] == "finished").all()
    hits = (cards["pick"] == season["result"]).sum()
    assert cards["pick_correct"].sum() == hits
    value = cards.filter(pl.col("value_outcome").is_not_null())
    assert (value["value_edge_pp"] > 5.0).all()


def test_backtest_on_a_real_season(season, cards):
    finished = cards.join(season.select("match_id", pl.selectors.starts_with("close_")), on="match_id")
    bets = run_backtest(finished)
    picks = bets.filter(pl.col("strategy") == "all_picks")
    assert picks.height == season.height  # every match has average pre-match prices
    assert picks["clv"].null_count() == 0 and set(picks["closing_source"].unique()) == {"ps"}
    assert picks.select((pl.col("won") == (pl.col("outcome") == pl.col("result"))).all()).item()

    overall = summarize(bets, n_boot=500).sort("strategy")
    by_league = summarize(bets, ["league"], n_boot=500).sort("strategy")
    assert overall["turnover"].to_list() == by_league["turnover"].to_list()  # one league
    for row in overall.iter_rows(named=True):
        assert row["yield_ci_low"] < row["yield"] < row["yield_ci_high"]
        assert row["yield"] == pytest.approx(row["profit"] / row["turnover"])
    curve = profit_curve(bets).filter(pl.col("strategy") == "all_picks")
    assert curve["cumulative_profit"][-1] == pytest.approx(picks["profit"].sum())
    assert curve["kickoff"].is_sorted()


def test_backtest_at_a_single_real_books_prices(season, cards):
    finished = cards.join(
        season.select("match_id", pl.selectors.starts_with("close_"), pl.selectors.starts_with("pre_b365_")),
        on="match_id",
    )
    average = run_backtest(finished)
    bet365 = run_backtest_at_book(finished, "b365")
    picks = bet365.filter(pl.col("strategy") == "all_picks").join(
        season.select("match_id", "pre_b365_home", "pre_b365_draw", "pre_b365_away"), on="match_id"
    )
    assert picks.height == season.height  # Bet365 priced every match of these seasons
    price = pl.when(pl.col("outcome") == "H").then("pre_b365_home")
    price = price.when(pl.col("outcome") == "D").then("pre_b365_draw").otherwise("pre_b365_away")
    assert picks.select((pl.col("odds") == price).all()).item()  # staked at Bet365's price, not the average
    # the same picks (the model does not look at prices), settled at a book with a margin above the average's
    assert (
        picks["outcome"].to_list() == average.filter(pl.col("strategy") == "all_picks")["outcome"].to_list()
    )
    assert picks["profit"].sum() < average.filter(pl.col("strategy") == "all_picks")["profit"].sum()
    with pytest.raises(ValueError, match="needs the columns"):
        run_backtest_at_book(finished.drop(pl.selectors.starts_with("pre_b365_")), "b365")
