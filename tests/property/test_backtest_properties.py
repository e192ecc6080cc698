"""Properties of the backtest: it cannot see the future, and it bets what it says it bets."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from soccer_assets.lib.backtest import run_backtest
from soccer_assets.lib.pre_match_odds import OUTCOMES
from soccer_assets.lib.price_rule import CLOSING_ORDER
from tests.property.price_strategies import PRICE, probabilities

RESULTS = st.sampled_from(["H", "D", "A"])
CLOSING_COLUMNS = [f"close_{book}_{o}" for book in CLOSING_ORDER[:3] for o in OUTCOMES]
POST_KICKOFF = ["result", "home_goals", "away_goals", *CLOSING_COLUMNS]


def post_kickoff_values(draw, n: int) -> dict[str, list]:
    return {
        "result": draw(st.lists(RESULTS, min_size=n, max_size=n)),
        "home_goals": draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)),
        "away_goals": draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)),
        **{c: draw(st.lists(PRICE, min_size=n, max_size=n)) for c in CLOSING_COLUMNS},
    }


@st.composite
def finished_pair(draw) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two frames equal in every pre-kickoff column and independent in every later one."""
    n = draw(st.integers(1, 12))
    probs = [draw(probabilities()) for _ in range(n)]
    pre = {
        "match_id": [f"m{i}" for i in range(n)],
        "league": draw(st.lists(st.sampled_from(["E0", "D1", "SP1"]), min_size=n, max_size=n)),
        "kickoff_date": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)],
        "kickoff_utc": [None] * n,
        **{f"prob_{o}": [p[k] for p in probs] for k, o in enumerate(OUTCOMES)},
        **{f"odds_{o}": draw(st.lists(PRICE, min_size=n, max_size=n)) for o in OUTCOMES},
    }
    schema = {"kickoff_utc": pl.Datetime("us", "UTC")} | {c: pl.Float64 for c in CLOSING_COLUMNS}
    schema |= {f"odds_{o}": pl.Float64 for o in OUTCOMES}
    frames = tuple(
        pl.DataFrame(pre | post_kickoff_values(draw, n), schema_overrides=schema) for _ in range(2)
    )
    return frames


def placed(bets: pl.DataFrame) -> list[tuple]:
    return bets.select("strategy", "match_id", "outcome", "odds", "edge_pp").rows()


@settings(max_examples=150, deadline=None)
@given(finished_pair(), st.floats(0.0, 15.0))
def test_results_goals_and_closing_prices_never_change_which_bets_are_placed(pair, threshold):
    one, other = pair
    assert one.drop(POST_KICKOFF).equals(other.drop(POST_KICKOFF))
    assert placed(run_backtest(one, threshold_pp=threshold)) == placed(
        run_backtest(other, threshold_pp=threshold)
    )


@settings(max_examples=100, deadline=None)
@given(finished_pair())
def test_closing_prices_change_clv_only(pair):
    one, other = pair
    mixed = one.with_columns(other.select(CLOSING_COLUMNS))  # same results, other closing prices
    a, b = run_backtest(one), run_backtest(mixed)
    assert a.drop("clv", "closing_source").equals(b.drop("clv", "closing_source"))


@settings(max_examples=100, deadline=None)
@given(finished_pair())
def test_all_picks_bets_each_priced_match_once_on_its_most_probable_outcome(pair):
    frame, _ = pair
    picks = run_backtest(frame, strategies=["all_picks"])
    priced = frame.filter(pl.all_horizontal((pl.col(f"odds_{o}") > 1.0).fill_null(False) for o in OUTCOMES))
    assert picks["match_id"].to_list() == priced["match_id"].to_list()
    most_probable = priced.select(pl.max_horizontal(f"prob_{o}" for o in OUTCOMES)).to_series()
    assert picks["model_prob"].to_list() == most_probable.to_list()
