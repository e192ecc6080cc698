"""Goal-model ratings and market-implied strengths on a weekly grid of fits, per league.

A fit at cut date C uses only the league's matches played strictly before C and is
recorded as the state of every team of the league on the day before C. Cuts are the
Mondays of the weeks with matches plus the day after the last finished match, so a
match on date D is always described by a fit from matches before D (the as-of join of
``features.timeline`` takes states from strictly earlier dates), and an upcoming match
sees the fit of every finished match. Fits of one league are warm-started from the
previous week's, which is what keeps twelve seasons of five leagues at a few seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from soccer_assets.lib.goal_model import GoalModelConfig, fit_goal_model
from soccer_assets.lib.market_strength import fit_market_strength, supremacy
from soccer_assets.lib.seasons import code_expr, start_year_expr

GOAL_MODEL_TEAM = ("dc_attack", "dc_defence")
GOAL_MODEL_LEAGUE = ("dc_base", "dc_home", "dc_rho")
MARKET_TEAM = ("mkt_strength",)
MARKET_LEAGUE = ("mkt_home",)
STRENGTH_COLUMNS = (*GOAL_MODEL_TEAM, *MARKET_TEAM, *GOAL_MODEL_LEAGUE, *MARKET_LEAGUE)
_SCHEMA = {"team": pl.String, "kickoff_date": pl.Date} | dict.fromkeys(STRENGTH_COLUMNS, pl.Float64)
ACTIVE_DAYS = 400  # a team gets rows while it has played in the league this recently


@dataclass(frozen=True)
class StrengthConfig:
    goals: GoalModelConfig = field(default_factory=GoalModelConfig)
    market_xi: float = 0.004  # prices move faster than results: a shorter memory
    market_ridge: float = 1.0


def _cuts(days: np.ndarray) -> np.ndarray:
    """Ordinal days of the cuts: Monday of every week with a match, and the day after the last match."""
    mondays = days - (days + 6) % 7  # date.toordinal() % 7 == 1 on Mondays
    return np.unique(np.concatenate([mondays, [days.max() + 1]]))


def _grow(theta: np.ndarray, n_teams: int) -> np.ndarray:
    """A warm start for ``n_teams``: the previous fit's parameters, zeros for teams new since."""
    old = (len(theta) - 2) // 2
    pad = np.zeros(n_teams - old)
    return np.concatenate([theta[:2], theta[2 : 2 + old], pad, theta[2 + old :], pad])


def promoted_centre(
    theta: np.ndarray, home: np.ndarray, away: np.ndarray, season: np.ndarray, n_teams: int
) -> np.ndarray | None:
    """Ridge centres that pull this season's promoted teams towards the teams they replaced.

    ``home``, ``away``, ``season`` (start year) are the league's matches before the cut,
    ``theta`` the previous fit. A team playing this season but not the last (when the
    last is in the data) is promoted; the teams of last season not seen this season are
    the ones it replaced (the weakest of them when some have only not played yet). Their
    mean attack and defence is where a promoted team starts: in the first weeks it has
    next to no matches, and the league average it would otherwise be pulled to flatters
    a promoted team. None where there is nothing to pull (no promoted team, no last season).
    """
    current = season[-1]
    last = season == current - 1
    if not last.any():
        return None
    now = season == current
    before = np.unique(np.concatenate([home[last], away[last]]))
    seen = np.unique(np.concatenate([home[now], away[now]]))
    old = (len(theta) - 2) // 2  # teams the previous fit knows
    promoted = np.setdiff1d(seen, before)
    replaced = np.setdiff1d(before, seen)
    replaced = replaced[replaced < old]
    if not len(promoted) or not len(replaced):
        return None
    attack, defence = theta[2 : 2 + old], theta[2 + old :]
    replaced = replaced[np.argsort(attack[replaced] - defence[replaced], kind="stable")][: len(promoted)]
    centre = np.zeros(2 + 2 * n_teams)
    centre[2 + promoted] = attack[replaced].mean()
    centre[2 + n_teams + promoted] = defence[replaced].mean()
    return centre


def _league_history(league: pl.DataFrame, config: StrengthConfig) -> pl.DataFrame:
    # teams numbered by first appearance: a fit never depends on teams (or matches) after its cut
    teams = list(
        dict.fromkeys(t for pair in zip(league["home_team"], league["away_team"], strict=True) for t in pair)
    )
    index = {t: i for i, t in enumerate(teams)}
    home = league["home_team"].replace_strict(index, return_dtype=pl.Int64).to_numpy()
    away = league["away_team"].replace_strict(index, return_dtype=pl.Int64).to_numpy()
    days = np.array([d.toordinal() for d in league["kickoff_date"]], dtype=np.int64)
    season = league["season_year"].to_numpy()
    hg = league["home_goals"].cast(pl.Float64).to_numpy()
    ag = league["away_goals"].cast(pl.Float64).to_numpy()
    sup = supremacy(league["mkt_prob_home"].to_numpy(), league["mkt_prob_away"].to_numpy())
    priced = np.isfinite(sup)
    goals = config.goals
    rows: list[dict] = []
    theta = None
    for cut in _cuts(days):
        lo, hi = np.searchsorted(days, [cut - goals.window_days, cut])
        if hi - lo < goals.min_matches:
            continue
        window = slice(lo, hi)
        age = (cut - days[window]).astype(float)
        h, a = home[window], away[window]
        seen = int(max(home[:hi].max(), away[:hi].max())) + 1
        start = None if theta is None else _grow(theta, seen)
        centre = (
            promoted_centre(theta, home[:hi], away[:hi], season[:hi], seen)
            if goals.promoted_prior and theta is not None
            else None
        )
        fit, theta = fit_goal_model(
            h, a, hg[window], ag[window], np.exp(-goals.xi * age), seen, goals.ridge, start, centre
        )
        ok = priced[window]
        market_home, strength = np.nan, np.full(seen, np.nan)
        if ok.sum() >= goals.min_matches:
            weights = np.exp(-config.market_xi * age[ok])
            market_home, strength = fit_market_strength(
                h[ok], a[ok], sup[window][ok], weights, seen, config.market_ridge
            )
        recent = days[window] >= cut - ACTIVE_DAYS
        active = np.unique(np.concatenate([h[recent], a[recent]]))
        state_date = dt.date.fromordinal(int(cut) - 1)
        rows.extend(
            {
                "team": teams[t],
                "kickoff_date": state_date,
                "dc_attack": float(fit.attack[t]),
                "dc_defence": float(fit.defence[t]),
                "mkt_strength": float(strength[t]),
                "dc_base": fit.base,
                "dc_home": fit.home,
                "dc_rho": fit.rho,
                "mkt_home": float(market_home),
            }
            for t in active
        )
    return pl.DataFrame(rows, schema=_SCHEMA).with_columns(pl.col(pl.Float64).fill_nan(None))


def strength_history(matches: pl.DataFrame, market: pl.DataFrame, config: StrengthConfig) -> pl.DataFrame:
    """``team, kickoff_date`` and ``STRENGTH_COLUMNS``: each team's state after the fit of each week.

    ``matches`` may carry ``season`` (code); without it a match's season is the one its date
    falls in. ``market``: ``match_id, mkt_prob_home, mkt_prob_away`` (de-vigged pre-match prices;
    empty when there are none, and then the market strengths are missing).
    """
    if "season" not in matches.columns:
        matches = matches.with_columns(code_expr("kickoff_date").alias("season"))
    finished = (
        matches.filter(pl.col("result").is_not_null() & pl.col("home_goals").is_not_null())
        .select(
            "match_id",
            "league",
            "kickoff_date",
            "home_team",
            "away_team",
            "home_goals",
            "away_goals",
            start_year_expr("season").alias("season_year"),
        )
        .join(market.select("match_id", "mkt_prob_home", "mkt_prob_away"), on="match_id", how="left")
        .with_columns(pl.col("mkt_prob_home", "mkt_prob_away").cast(pl.Float64))
        .sort("league", "kickoff_date", "match_id")
    )
    frames = [
        _league_history(group, config).with_columns(pl.lit(league).alias("league"))
        for (league,), group in finished.group_by(["league"], maintain_order=True)
    ]
    if not frames:
        return pl.DataFrame(schema=_SCHEMA)
    # a team that moved between two configured leagues keeps only the rows of its current league
    played = pl.concat(
        [
            finished.select(pl.col(f"{side}_team").alias("team"), "kickoff_date", "league")
            for side in ("home", "away")
        ]
    ).sort("kickoff_date")
    rows = pl.concat(frames).sort("kickoff_date")
    current = rows.join_asof(
        played.rename({"league": "current_league"}),
        on="kickoff_date",
        by="team",
        strategy="backward",
        check_sortedness=False,
    )
    return (
        current.filter(pl.col("league") == pl.col("current_league"))
        .select(*_SCHEMA)
        .sort("team", "kickoff_date")
    )
