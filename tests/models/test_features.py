"""Feature construction on real matches: values by hand, and the time rule."""

import numpy as np
import polars as pl
import pytest

from soccer_assets.lib.features.build import (
    FeatureConfig,
    LeakageError,
    assert_no_closing,
    build_match_features,
    feature_columns,
)
from soccer_assets.lib.features.timeline import schedule, team_rows


@pytest.fixture(scope="module")
def features(e0_matches, e0_fixtures) -> pl.DataFrame:
    return build_match_features(e0_matches, e0_fixtures)


def test_one_row_per_finished_and_upcoming_match(features, e0_matches, e0_fixtures):
    assert features.height == e0_matches.height + e0_fixtures.height
    assert features["match_id"].n_unique() == features.height
    upcoming = features.filter(~pl.col("is_finished"))
    assert upcoming["target"].null_count() == upcoming.height == e0_fixtures.height
    assert upcoming["f_home_elo"].null_count() == 0  # upcoming matches see the latest ratings


def _points_for(team: str, match: dict) -> int:
    if match["result"] == "D":
        return 1
    winner = match["home_team"] if match["result"] == "H" else match["away_team"]
    return 3 if winner == team else 0


def test_form_equals_a_hand_computation(features, e0_matches):
    """Arsenal's last-5 points before a match = mean of its five previous results."""
    row = features.filter(pl.col("home_team") == "Arsenal").sort("kickoff_date").row(60, named=True)
    before = (
        e0_matches.filter(
            ((pl.col("home_team") == "Arsenal") | (pl.col("away_team") == "Arsenal"))
            & (pl.col("kickoff_date") < row["kickoff_date"])
        )
        .sort("kickoff_date")
        .tail(5)
    )
    points = [
        3
        if (r["home_team"] == "Arsenal") == (r["result"] == "H") and r["result"] != "D"
        else (1 if r["result"] == "D" else 0)
        for r in before.iter_rows(named=True)
    ]
    assert row["f_home_form_points_l5"] == pytest.approx(np.mean(points))
    last = before["kickoff_date"].max()
    assert row["f_home_rest_days"] == (row["kickoff_date"] - last).days


def test_market_features_switch_off(e0_matches):
    without = build_match_features(e0_matches.head(400), None, FeatureConfig(use_market=False))
    assert not [c for c in feature_columns(without) if "mkt" in c]
    with_market = build_match_features(e0_matches.head(400))
    assert {"f_mkt_prob_home", "f_mkt_prob_draw", "f_mkt_prob_away"} <= set(feature_columns(with_market))
    probs = (
        with_market.select("f_mkt_prob_home", "f_mkt_prob_draw", "f_mkt_prob_away").drop_nulls().to_numpy()
    )
    assert np.allclose(probs.sum(axis=1), 1.0)


def test_closing_columns_can_never_be_features(e0_matches):
    with pytest.raises(LeakageError):
        assert_no_closing(["f_home_elo", "f_close_ps_home"])
    sneaky = build_match_features(e0_matches.head(200)).with_columns(pl.lit(2.0).alias("f_close_avg_home"))
    with pytest.raises(LeakageError):
        feature_columns(sneaky)


def test_team_rows_mirror_each_match(e0_matches):
    teams = team_rows(schedule(e0_matches.head(50)))
    assert teams.height == 100
    assert teams.filter(pl.col("is_home"))["goals_for"].sum() == e0_matches.head(50)["home_goals"].sum()
    assert (teams["points"].sum()) == pytest.approx(
        e0_matches.head(50).select(pl.when(pl.col("result") == "D").then(2).otherwise(3)).sum().item()
    )


def test_features_never_see_the_same_day(e0_matches):
    """Two matches on one date: neither's features move when the other's result changes."""
    day = e0_matches.group_by("kickoff_date").len().filter(pl.col("len") >= 2)["kickoff_date"].min()
    base = build_match_features(e0_matches)
    same_day = e0_matches.filter(pl.col("kickoff_date") == day)["match_id"].to_list()
    flipped = e0_matches.with_columns(
        pl.when(pl.col("match_id") == same_day[1])
        .then(pl.lit(9, pl.Int16))
        .otherwise(pl.col("home_goals"))
        .alias("home_goals"),
        pl.when(pl.col("match_id") == same_day[1])
        .then(pl.lit("H"))
        .otherwise(pl.col("result"))
        .alias("result"),
    )
    changed = build_match_features(flipped)
    row = pl.col("match_id") == same_day[0]
    assert base.filter(row).equals(changed.filter(row))


def test_upcoming_rows_from_team_state_equal_the_asof_joins(e0_matches, e0_fixtures):
    """The API's code path (team state -> feature_row) gives exactly what the history joins give."""
    from soccer_assets.lib.features.build import asof_features, feature_state, priced_matches, state_features
    from soccer_assets.lib.ratings import rating_history

    config = FeatureConfig()
    sched = schedule(e0_matches, e0_fixtures)
    ratings = rating_history(e0_matches)
    priced = priced_matches(e0_matches, e0_fixtures)
    upcoming = sched.filter(~pl.col("is_finished"))
    assert upcoming.height == e0_fixtures.height > 0
    joined = asof_features(sched, ratings, priced, config).filter(~pl.col("is_finished")).sort("match_id")
    state = feature_state(sched, ratings, config)
    from_state = state_features(upcoming, state, priced, config).sort("match_id")
    assert from_state.columns == joined.columns
    for column in feature_columns(joined):
        a, b = joined[column].cast(pl.Float64).to_numpy(), from_state[column].cast(pl.Float64).to_numpy()
        assert np.allclose(a, b, rtol=0, atol=1e-12, equal_nan=True), column
    assert state["team"].n_unique() == state.height  # one row per team
    assert set(e0_fixtures["home_team"]) <= set(state["team"])


def test_a_team_without_history_gets_missing_values_not_zeros():
    import datetime as dt

    from soccer_assets.lib.features.form import FormConfig
    from soccer_assets.lib.features.state import feature_row

    row = feature_row(
        None,
        None,
        None,
        kickoff_date=dt.date(2026, 5, 2),
        season="2526",
        odds=(2.0, 3.4, 3.9),
        config=FormConfig(),
    )
    assert (
        np.isnan(row["f_home_elo"])
        and row["f_home_form_played"] == 0.0
        and row["f_away_season_played"] == 0.0
    )
    assert row["f_mkt_prob_home"] == pytest.approx((1 / 2.0) / (1 / 2.0 + 1 / 3.4 + 1 / 3.9))
    assert np.isnan(
        feature_row(
            None, None, None, kickoff_date=dt.date(2026, 5, 2), season="2526", odds=None, config=FormConfig()
        )["f_mkt_margin"]
    )


def test_upcoming_rows_without_market_features(e0_matches, e0_fixtures):
    features = build_match_features(e0_matches, e0_fixtures, FeatureConfig(use_market=False))
    upcoming = features.filter(~pl.col("is_finished"))
    assert upcoming.height == e0_fixtures.height and not [c for c in features.columns if "mkt" in c]
    assert upcoming["f_home_elo"].null_count() == 0
