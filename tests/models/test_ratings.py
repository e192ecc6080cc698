"""Ratings: the date-batched numpy updates equal a plain match-by-match implementation."""

import math

import polars as pl
import pytest

from soccer_assets.lib.ratings import EloConfig, PiConfig, elo_history, expected_goal_difference, pi_history


def _naive_pi(matches: pl.DataFrame, cfg: PiConfig) -> dict[str, tuple[float, float]]:
    home_r: dict[str, float] = {}
    away_r: dict[str, float] = {}
    c, lam, gamma = cfg.scale, cfg.learning_rate, cfg.cross_rate
    for m in matches.sort("kickoff_date", "match_id").iter_rows(named=True):
        h, a = m["home_team"], m["away_team"]
        rh, ra = home_r.get(h, 0.0), away_r.get(a, 0.0)
        gh = math.copysign(10 ** (abs(rh) / c) - 1, rh)
        ga = math.copysign(10 ** (abs(ra) / c) - 1, ra)
        error = (m["home_goals"] - m["away_goals"]) - (gh - ga)
        psi = math.copysign(c * math.log10(1 + abs(error)), error)
        home_r[h] = rh + lam * psi
        away_r[h] = away_r.get(h, 0.0) + gamma * lam * psi
        away_r[a] = ra - lam * psi
        home_r[a] = home_r.get(a, 0.0) - gamma * lam * psi
    return {t: (home_r.get(t, 0.0), away_r.get(t, 0.0)) for t in set(home_r) | set(away_r)}


def test_pi_ratings_batched_equal_sequential(e0_matches):
    cfg = PiConfig()
    history = pi_history(e0_matches, cfg)
    final = history.sort("kickoff_date").group_by("team").last()
    expected = _naive_pi(e0_matches, cfg)
    for row in final.iter_rows(named=True):
        assert (row["pi_home"], row["pi_away"]) == pytest.approx(expected[row["team"]], abs=1e-9)


def test_elo_is_zero_sum_and_rewards_winners(e0_matches):
    cfg = EloConfig(season_regression=0.0, newcomer_offset=0.0)
    one_season = e0_matches.filter(pl.col("season") == "2324")
    history = elo_history(one_season, cfg)
    final = history.sort("kickoff_date").group_by("team").last()
    assert final.height == 20
    assert final["elo"].mean() == pytest.approx(cfg.initial)  # what one team wins, the other loses
    table = one_season.group_by("home_team").agg((pl.col("result") == "H").sum().alias("home_wins"))
    top_elo = final.sort("elo", descending=True)["team"][0]
    assert top_elo in table.sort("home_wins", descending=True)["home_team"].head(3).to_list()


def test_first_match_of_a_team_starts_from_the_league_mean(e0_matches):
    history = elo_history(e0_matches.head(10))
    assert history.height == 20
    assert history.filter(pl.col("elo").is_nan()).is_empty()


def test_expected_goal_difference_follows_the_rating_scale():
    assert expected_goal_difference(0.7, 0.7) == 0.0
    assert expected_goal_difference(1.5, 0.0, scale=3.0) == pytest.approx(10**0.5 - 1)
    assert expected_goal_difference(-1.5, 0.0, scale=3.0) == pytest.approx(-(10**0.5 - 1))
    assert expected_goal_difference(0.9, 0.1) > expected_goal_difference(0.5, 0.1)
