"""Team strength ratings: Elo (with goal-difference K) and pi-ratings (Constantinou & Fenton 2013).

Ratings are inherently sequential, but a team plays at most once per calendar date, so
all matches of one date can be updated together with numpy: the Python loop runs over
match dates (about 3,000 for twelve seasons of five leagues), not over matches.

Each function returns the rating *after* every finished match per team and date; the
features attach them to later matches with ``timeline.attach_asof`` so that a match
only ever sees ratings from strictly earlier dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from soccer_assets.lib.features.market import market_features
from soccer_assets.lib.strength_history import StrengthConfig, strength_history

_NO_MARKET = {"match_id": pl.String, "mkt_prob_home": pl.Float64, "mkt_prob_away": pl.Float64}


@dataclass(frozen=True)
class EloConfig:
    k: float = 20.0
    home_advantage: float = 65.0
    initial: float = 1500.0
    # a team new to a league (promoted) starts this far below the league's current mean
    newcomer_offset: float = 100.0
    # share of the distance to the league mean removed at each new season
    season_regression: float = 0.2


@dataclass(frozen=True)
class PiConfig:
    learning_rate: float = 0.035  # lambda
    cross_rate: float = 0.7  # gamma: how much a home result moves the away rating and vice versa
    scale: float = 3.0  # c: goal difference in "rating units" is log10-compressed


def _finished_by_date(matches: pl.DataFrame) -> tuple[pl.DataFrame, list[str], list[str]]:
    finished = matches.filter(pl.col("result").is_not_null()).sort("kickoff_date", "match_id")
    teams = sorted(set(finished["home_team"].to_list()) | set(finished["away_team"].to_list()))
    leagues = sorted(set(finished["league"].to_list()))
    index = {t: i for i, t in enumerate(teams)}
    league_index = {lg: i for i, lg in enumerate(leagues)}
    finished = finished.with_columns(
        pl.col("home_team").replace_strict(index, return_dtype=pl.Int64).alias("_h"),
        pl.col("away_team").replace_strict(index, return_dtype=pl.Int64).alias("_a"),
        pl.col("league").replace_strict(league_index, return_dtype=pl.Int64).alias("_l"),
    )
    return finished, teams, leagues


def _date_batches(finished: pl.DataFrame):
    """Yield (batch frame) per kickoff date, checking that no team plays twice that day."""
    for (_,), batch in finished.group_by(["kickoff_date"], maintain_order=True):
        played = np.concatenate([batch["_h"].to_numpy(), batch["_a"].to_numpy()])
        if len(np.unique(played)) != len(played):
            raise ValueError(f"a team plays twice on {batch['kickoff_date'][0]}; cannot batch ratings")
        yield batch


def _history(finished: pl.DataFrame, teams: list[str], after: dict[str, np.ndarray]) -> pl.DataFrame:
    """Per-team rows (team, kickoff_date, <rating columns>) of the state after each match."""
    sides = []
    for side, idx in (("home", "_h"), ("away", "_a")):
        sides.append(
            pl.DataFrame(
                {
                    "team": [teams[i] for i in finished[idx].to_list()],
                    "kickoff_date": finished["kickoff_date"],
                    **{name: values[:, 0 if side == "home" else 1] for name, values in after.items()},
                }
            )
        )
    return pl.concat(sides).sort("team", "kickoff_date")


def elo_history(matches: pl.DataFrame, config: EloConfig = EloConfig()) -> pl.DataFrame:
    """``team, kickoff_date, elo`` after each finished match."""
    finished, teams, leagues = _finished_by_date(matches)
    rating = np.full(len(teams), np.nan)
    team_league = np.full(len(teams), -1)
    team_season = np.full(len(teams), -1)
    after = np.zeros((finished.height, 2))
    row = 0
    for batch in _date_batches(finished):
        h, a, lg = batch["_h"].to_numpy(), batch["_a"].to_numpy(), batch["_l"].to_numpy()
        season = batch["season"].cast(pl.Int64).to_numpy()
        means, has_teams = _league_means(rating, team_league, len(leagues), config.initial)
        for idx in (h, a):
            _enter(rating, team_league, team_season, idx, lg, season, means, has_teams, config)
        diff = rating[h] + config.home_advantage - rating[a]
        expected = 1.0 / (1.0 + 10 ** (-diff / 400.0))
        result = batch["result"].to_numpy()
        actual = np.where(result == "H", 1.0, np.where(result == "D", 0.5, 0.0))
        gd = np.abs(
            batch["home_goals"].to_numpy().astype(float) - batch["away_goals"].to_numpy().astype(float)
        )
        multiplier = np.where(gd <= 1, 1.0, np.where(gd == 2, 1.5, (11.0 + gd) / 8.0))
        delta = config.k * multiplier * (actual - expected)
        rating[h] += delta
        rating[a] -= delta
        after[row : row + batch.height] = np.column_stack([rating[h], rating[a]])
        row += batch.height
    return _history(finished, teams, {"elo": after})


def _league_means(rating, team_league, n_leagues: int, initial: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean rating of the teams currently in each league (``initial`` for an empty league)."""
    known = ~np.isnan(rating) & (team_league >= 0)
    counts = np.bincount(team_league[known], minlength=n_leagues)
    sums = np.bincount(team_league[known], weights=rating[known], minlength=n_leagues)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), initial)
    return means, counts > 0


def _enter(rating, team_league, team_season, idx, lg, season, means, has_teams, config: EloConfig) -> None:
    """Start newcomers below their league's mean; regress the others to it at a new season."""
    newcomer = np.isnan(rating[idx]) | (team_league[idx] != lg)
    new_season = ~newcomer & (team_season[idx] != season)
    rating[idx[newcomer]] = means[lg[newcomer]] - np.where(
        has_teams[lg[newcomer]], config.newcomer_offset, 0.0
    )
    current = rating[idx[new_season]]
    rating[idx[new_season]] = current - config.season_regression * (current - means[lg[new_season]])
    team_league[idx] = lg
    team_season[idx] = season


def pi_history(matches: pl.DataFrame, config: PiConfig = PiConfig()) -> pl.DataFrame:
    """``team, kickoff_date, pi_home, pi_away`` (home-venue and away-venue ratings) after each match."""
    finished, teams, _ = _finished_by_date(matches)
    home_r = np.zeros(len(teams))
    away_r = np.zeros(len(teams))
    after_home = np.zeros((finished.height, 2))
    after_away = np.zeros((finished.height, 2))
    row = 0
    c, lam, gamma = config.scale, config.learning_rate, config.cross_rate
    for batch in _date_batches(finished):
        h, a = batch["_h"].to_numpy(), batch["_a"].to_numpy()
        expected = expected_goal_difference(home_r[h], away_r[a], c)
        observed = batch["home_goals"].to_numpy().astype(float) - batch["away_goals"].to_numpy().astype(float)
        error = observed - expected
        psi = np.sign(error) * c * np.log10(1.0 + np.abs(error))
        home_r[h] += lam * psi
        away_r[h] += gamma * lam * psi
        away_r[a] -= lam * psi
        home_r[a] -= gamma * lam * psi
        after_home[row : row + batch.height] = np.column_stack([home_r[h], home_r[a]])
        after_away[row : row + batch.height] = np.column_stack([away_r[h], away_r[a]])
        row += batch.height
    return _history(finished, teams, {"pi_home": after_home, "pi_away": after_away})


def expected_goal_difference(home_rating, away_rating, scale: float = 3.0):
    """Goal difference a pi-rating pair predicts (ratings are log10-compressed goals)."""

    def goals(r):
        return np.sign(r) * (10 ** (np.abs(r) / scale) - 1.0)

    return goals(home_rating) - goals(away_rating)


def rating_history(
    matches: pl.DataFrame,
    elo: EloConfig = EloConfig(),
    pi: PiConfig = PiConfig(),
    strength: StrengthConfig | None = None,
) -> pl.DataFrame:
    """``team, kickoff_date``, Elo and pi-ratings after each finished match, and the goal-model
    and market strengths of ``strength_history`` after each weekly fit.

    Rows are the union of both kinds of date per team; every column holds its latest value
    at that date (carried forward), so an as-of join on any date sees the latest of each.
    """
    results = elo_history(matches, elo).join(
        pi_history(matches, pi), on=["team", "kickoff_date"], how="inner"
    )
    has_prices = any(c.startswith("pre_") for c in matches.columns)
    market = market_features(matches) if has_prices else pl.DataFrame(schema=_NO_MARKET)
    weekly = strength_history(matches, market, strength or StrengthConfig())
    return (
        results.join(weekly, on=["team", "kickoff_date"], how="full", coalesce=True)
        .sort("team", "kickoff_date")
        .with_columns(pl.all().exclude("team", "kickoff_date").forward_fill().over("team"))
    )
