"""The Dixon-Coles goal model, market-implied strengths and their weekly history."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy.stats import skellam

from soccer_assets.lib.goal_model import GoalModelConfig, fit_goal_model, outcome_probabilities
from soccer_assets.lib.market_strength import fit_market_strength
from soccer_assets.lib.strength_history import StrengthConfig, promoted_centre, strength_history


def _league(rng: np.random.Generator, n_teams: int, rounds: int):
    attack = rng.normal(0, 0.3, n_teams)
    attack -= attack.mean()
    defence = rng.normal(0, 0.3, n_teams)
    defence -= defence.mean()
    pairs = [(h, a) for h in range(n_teams) for a in range(n_teams) if h != a]
    home, away = np.array(pairs * rounds).T
    lam = np.exp(0.1 + 0.25 + attack[home] + defence[away])
    mu = np.exp(0.1 + attack[away] + defence[home])
    return home, away, rng.poisson(lam), rng.poisson(mu), attack, defence


def test_the_fit_recovers_the_parameters_that_made_the_goals():
    rng = np.random.default_rng(7)
    home, away, hg, ag, attack, defence = _league(rng, 12, 40)
    fit, _ = fit_goal_model(home, away, hg.astype(float), ag.astype(float), np.ones(len(home)), 12, 0.1)
    assert fit.home == pytest.approx(0.25, abs=0.03)
    assert np.abs(fit.attack - attack).max() < 0.1 and np.abs(fit.defence - defence).max() < 0.1
    assert abs(fit.rho) < 0.1  # the goals were independent


def test_decay_forgets_what_a_team_did_long_ago():
    """Team 0 scored two extra goals a home match in the first half of the history only."""
    rng = np.random.default_rng(3)
    home, away, hg, ag, attack, _ = _league(rng, 10, 20)
    half = len(home) // 2
    hg, ag = hg.astype(float), ag.astype(float)
    hg[:half] += np.where(home[:half] == 0, 2, 0)
    age = np.linspace(1000, 0, len(home))
    flat, _ = fit_goal_model(home, away, hg, ag, np.ones(len(home)), 10, 0.1)
    decayed, _ = fit_goal_model(home, away, hg, ag, np.exp(-0.01 * age), 10, 0.1)
    assert flat.attack[0] - attack[0] > 0.15
    assert abs(decayed.attack[0] - attack[0]) < (flat.attack[0] - attack[0]) / 2


def test_outcome_probabilities_without_correction_are_skellam():
    lam, mu = np.array([1.6, 0.7, 2.4]), np.array([1.1, 1.9, 0.4])
    probs = outcome_probabilities(lam, mu, np.zeros(3))
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.allclose(probs[:, 0], skellam.sf(0, lam, mu), atol=2e-5)  # grid cut at 10 goals
    assert np.allclose(probs[:, 1], skellam.pmf(0, lam, mu), atol=2e-5)
    # a negative rho moves mass to 0-0 and 1-1: more draws
    assert (outcome_probabilities(lam, mu, np.full(3, -0.1))[:, 1] > probs[:, 1]).all()
    assert np.isnan(outcome_probabilities(np.array([np.nan]), np.array([1.0]), np.array([0.0]))).all()


def test_market_strengths_recover_the_strengths_behind_the_prices():
    rng = np.random.default_rng(11)
    strength = rng.normal(0, 0.6, 15)
    strength -= strength.mean()
    pairs = np.array([(h, a) for h in range(15) for a in range(15) if h != a])
    sup = 0.4 + strength[pairs[:, 0]] - strength[pairs[:, 1]] + rng.normal(0, 0.05, len(pairs))
    home_adv, fitted = fit_market_strength(pairs[:, 0], pairs[:, 1], sup, np.ones(len(pairs)), 15, 0.01)
    assert home_adv == pytest.approx(0.4, abs=0.02)
    assert np.allclose(fitted, strength, atol=0.05)


def _matches(rows):
    return pl.DataFrame(
        rows,
        schema={
            "match_id": pl.String,
            "league": pl.String,
            "kickoff_date": pl.Date,
            "home_team": pl.String,
            "away_team": pl.String,
            "home_goals": pl.Int64,
            "away_goals": pl.Int64,
            "result": pl.String,
        },
        orient="row",
    )


def test_history_rows_are_states_before_the_next_week_and_after_the_last_match():
    rng = np.random.default_rng(5)
    teams = [f"T{i}" for i in range(6)]
    start = dt.date(2024, 8, 5)  # a Monday
    rows = []
    for week in range(12):
        for k in range(3):
            h, a = rng.choice(6, 2, replace=False)
            hg, ag = rng.poisson(1.4), rng.poisson(1.1)
            day = start + dt.timedelta(days=7 * week + 5 + (k % 2))  # Saturdays and Sundays
            result = "H" if hg > ag else "A" if ag > hg else "D"
            rows.append((f"m{week}-{k}", "E0", day, teams[h], teams[a], hg, ag, result))
    matches = _matches(rows)
    config = StrengthConfig(goals=GoalModelConfig(min_matches=6))
    market = pl.DataFrame(
        schema={"match_id": pl.String, "mkt_prob_home": pl.Float64, "mkt_prob_away": pl.Float64}
    )
    history = strength_history(matches, market, config)
    dates = set(history["kickoff_date"])
    # states on Sundays (the day before each Monday cut) and on the last match date
    last = matches["kickoff_date"].max()
    assert last in dates
    assert all(d.weekday() == 6 or d == last for d in dates)
    assert history["dc_attack"].is_not_null().all() and history["mkt_strength"].is_null().all()
    # the state on a date knows nothing of later matches
    cut_state = history.filter(pl.col("kickoff_date") == start + dt.timedelta(days=7 * 4 - 1))
    changed = matches.with_columns(
        pl.when(pl.col("kickoff_date") >= start + dt.timedelta(days=7 * 4))
        .then(pl.col("home_goals") + 5)
        .otherwise(pl.col("home_goals"))
        .alias("home_goals")
    )
    again = strength_history(changed, market, config).filter(
        pl.col("kickoff_date") == cut_state["kickoff_date"][0]
    )
    assert again.equals(cut_state)


def test_a_team_without_matches_sits_at_its_ridge_centre():
    rng = np.random.default_rng(9)
    home, away, hg, ag, _, _ = _league(rng, 8, 6)
    centre = np.zeros(2 + 2 * 9)
    centre[2 + 8], centre[2 + 9 + 8] = -0.4, 0.3  # team 8 has not played yet
    fit, _ = fit_goal_model(
        home, away, hg.astype(float), ag.astype(float), np.ones(len(home)), 9, 10.0, centre=centre
    )
    plain, _ = fit_goal_model(home, away, hg.astype(float), ag.astype(float), np.ones(len(home)), 9, 10.0)
    assert fit.attack[8] == pytest.approx(-0.4) and fit.defence[8] == pytest.approx(0.3)
    assert plain.attack[8] == pytest.approx(0.0) and plain.defence[8] == pytest.approx(0.0)
    assert np.allclose(fit.attack[:8], plain.attack[:8], atol=1e-9)  # the others' evidence is unchanged


def test_promoted_teams_start_from_the_weakest_of_the_teams_they_replaced():
    # last season: teams 0-3; this season so far: 0, 1 and the promoted team 4
    home = np.array([0, 2, 1, 3, 0, 4])
    away = np.array([1, 3, 2, 0, 4, 1])
    season = np.array([2022, 2022, 2022, 2022, 2023, 2023])
    theta = np.array([0.1, 0.25, 0.3, 0.1, -0.2, -0.5, -0.2, 0.0, 0.1, 0.4])  # 4 teams: attack, defence
    centre = promoted_centre(theta, home, away, season, 5)
    assert centre is not None and centre.shape == (12,)
    # teams 2 and 3 were not seen this season; team 3 (attack -0.5, defence 0.4) is the weaker
    assert centre[2 + 4] == pytest.approx(-0.5) and centre[2 + 5 + 4] == pytest.approx(0.4)
    assert np.count_nonzero(centre) == 2  # nobody else is pulled anywhere but the average
    # no promoted team yet, or no last season in the data: nothing to pull
    no_newcomer = promoted_centre(theta, home[:5], np.array([0, 2, 1, 3, 1]), season[:5], 5)
    assert no_newcomer is None
    assert promoted_centre(theta, home[4:], away[4:], season[4:], 5) is None


def test_the_promoted_prior_moves_only_promoted_teams():
    rng = np.random.default_rng(2)
    teams = [f"T{i}" for i in range(7)]
    rows, day = [], dt.date(2022, 8, 6)
    for season_teams, start in (
        (teams[:6], dt.date(2022, 8, 6)),
        ([*teams[:5], teams[6]], dt.date(2023, 8, 5)),
    ):
        for week in range(10):
            for k in range(3):
                h, a = rng.choice(len(season_teams), 2, replace=False)
                hg, ag = rng.poisson(1.4), rng.poisson(1.1)
                day = start + dt.timedelta(days=7 * week)
                result = "H" if hg > ag else "A" if ag > hg else "D"
                rows.append((f"m{day}-{k}", "E0", day, season_teams[h], season_teams[a], hg, ag, result))
    matches = _matches(rows)
    market = pl.DataFrame(
        schema={"match_id": pl.String, "mkt_prob_home": pl.Float64, "mkt_prob_away": pl.Float64}
    )

    def history(prior: bool) -> pl.DataFrame:
        config = StrengthConfig(goals=GoalModelConfig(min_matches=6, promoted_prior=prior))
        return strength_history(matches, market, config).filter(pl.col("kickoff_date") >= dt.date(2023, 8, 1))

    on, off = history(True), history(False)
    promoted_on = on.filter(pl.col("team") == "T6")["dc_attack"]
    promoted_off = off.filter(pl.col("team") == "T6")["dc_attack"]
    assert not np.allclose(promoted_on.to_numpy(), promoted_off.to_numpy())
    # before the new season, the same fits
    assert _history_before(matches, market).equals(_history_before(matches, market, prior=False))


def _history_before(matches: pl.DataFrame, market: pl.DataFrame, prior: bool = True) -> pl.DataFrame:
    config = StrengthConfig(goals=GoalModelConfig(min_matches=6, promoted_prior=prior))
    return strength_history(matches, market, config).filter(pl.col("kickoff_date") < dt.date(2023, 8, 1))
