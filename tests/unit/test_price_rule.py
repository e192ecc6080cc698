"""One price rule: every consumer of football-data prices picks the same book for a match."""

import datetime as dt

import polars as pl

from soccer_assets.lib.backtest import fair_closing_probabilities
from soccer_assets.lib.evaluation import closing_odds
from soccer_assets.lib.features.market import best_pre_match_odds
from soccer_assets.lib.pre_match_odds import select_pre_match_odds

# a match without the market average: Bet365 and Pinnacle disagree before kickoff, and only
# Bet365 has a closing price (the 2026 files lost Pinnacle's, older ones never had AvgC)
MATCH = pl.DataFrame(
    {
        "match_id": ["m1"],
        "kickoff_date": [dt.date(2025, 1, 4)],
        "kickoff_utc": pl.Series([None], dtype=pl.Datetime("us", "UTC")),
        "pre_b365_home": [2.10],
        "pre_b365_draw": [3.40],
        "pre_b365_away": [3.60],
        "pre_ps_home": [2.20],
        "pre_ps_draw": [3.50],
        "pre_ps_away": [3.70],
        "close_b365_home": [2.00],
        "close_b365_draw": [3.50],
        "close_b365_away": [3.90],
    }
)


def test_features_and_cards_take_the_same_pre_match_book():
    feature_prices = best_pre_match_odds(MATCH).row(0, named=True)
    card_prices = select_pre_match_odds(MATCH).row(0, named=True)
    assert card_prices["odds_source"] == f"football-data:{feature_prices['odds_book']}"
    assert feature_prices["odds_home"] == card_prices["odds_home"]


def test_the_evaluation_benchmark_and_clv_take_the_same_closing_book():
    benchmark = closing_odds(MATCH).row(0, named=True)
    clv = fair_closing_probabilities(MATCH).row(0, named=True)
    assert benchmark["close_book"] is not None
    assert clv["closing_source"].endswith(benchmark["close_book"])
