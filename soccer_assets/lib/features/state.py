"""Team state: everything a feature row of a future match needs, and the one function that builds it.

A finished match's features come from as-of joins over the whole history
(``build.build_match_features``). A match after the last finished one, whether it is in
the fixtures list or a what-if asked of the API, sees the same thing every time: each
team's state after its latest finished match and its league's recent rates. ``team_state``
computes that state once (one row per team, published for the API); ``feature_row`` turns
it into the feature values of one match, with the same names and values the as-of joins
give (a test checks them against each other on real data). The ``predictions`` asset and
the API both score upcoming matches with features from ``feature_row``, so a served
prediction and the batch one are the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from soccer_assets.lib.devig import devig, overround
from soccer_assets.lib.features.form import (
    SPLIT_STATS,
    FormConfig,
    form_state,
    form_state_columns,
    split_state,
)
from soccer_assets.lib.features.strength import strength_features
from soccer_assets.lib.pre_match_odds import OUTCOMES
from soccer_assets.lib.ratings import PiConfig, expected_goal_difference
from soccer_assets.lib.strength_history import GOAL_MODEL_LEAGUE, GOAL_MODEL_TEAM, MARKET_LEAGUE, MARKET_TEAM

LEAGUE_RATES = ("league_home_win_rate", "league_draw_rate", "league_goals_per_match", "league_home_goal_edge")
RATING_COLUMNS = ("elo", "pi_home", "pi_away", *GOAL_MODEL_TEAM)
DIFF_STATS = (
    "points_l5",
    "points_ewm",
    "goals_for_ewm",
    "goals_against_ewm",
    "sot_for_ewm",
    "sot_against_ewm",
)
MARKET_FEATURES = (
    "mkt_prob_home",
    "mkt_prob_draw",
    "mkt_prob_away",
    "mkt_margin",
    "mkt_log_home",
    "mkt_log_draw",
    "mkt_log_away",
)


def rating_columns(use_market: bool) -> list[str]:
    """The per-team rating features: results-based always, price-based with the market family."""
    return [*RATING_COLUMNS, *(MARKET_TEAM if use_market else ())]


def per_team_columns(config: FormConfig, use_market: bool = True) -> list[str]:
    """A team's feature values (``f_home_<name>`` / ``f_away_<name>``) in the as-of path's order."""
    splits = [f"{tag}only_{s}_l{config.split_window}" for tag in ("home", "away") for s in SPLIT_STATS]
    return [*form_state_columns(config), "season_played", "rest_days", *splits, *rating_columns(use_market)]


def team_state(
    teams: pl.DataFrame, ratings: pl.DataFrame, league_rates: pl.DataFrame, config: FormConfig
) -> pl.DataFrame:
    """One row per team: its league and season of its last finished match, the form state after
    it, its home-only and away-only form, Elo and pi-ratings, its last match date, its matches
    that season, and its league's recent rates.

    ``teams``: ``timeline.team_rows`` of the schedule; ``ratings``: ``rating_history``;
    ``league_rates``: ``context.league_rates`` (one state per league and date).
    """
    finished = teams.filter(pl.col("is_finished"))
    if finished.is_empty():
        return pl.DataFrame()
    last = finished.sort("team", "kickoff_date").group_by("team", maintain_order=True).last()
    base = last.select(
        "team", "league", pl.col("season").alias("last_season"), pl.col("kickoff_date").alias("last_played")
    )
    form = form_state(finished, config, ["team"], "form_").group_by("team", maintain_order=True).last()
    season_played = (
        finished.group_by("team", "season")
        .len()
        .rename({"len": "season_played", "season": "last_season"})
        .with_columns(pl.col("season_played").cast(pl.Float64))
    )
    splits = [
        split_state(finished, config.split_window, home)
        .group_by("team", maintain_order=True)
        .last()
        .drop("kickoff_date")
        for home in (True, False)
    ]
    rated = (
        ratings.sort("team", "kickoff_date").group_by("team", maintain_order=True).last().drop("kickoff_date")
    )
    rates = (
        league_rates.sort("league", "kickoff_date")
        .group_by("league", maintain_order=True)
        .last()
        .drop("kickoff_date")
    )
    state = (
        base.join(form.drop("kickoff_date"), on="team", how="left")
        .join(season_played, on=["team", "last_season"], how="left")
        .join(splits[0], on="team", how="left")
        .join(splits[1], on="team", how="left")
        .join(rated, on="team", how="left")
        .join(rates, on="league", how="left")
    )
    return state.sort("league", "team")


def league_table(state: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """League -> its recent rates, from the team state rows (every team row carries its league's)."""
    if state.is_empty():
        return {}
    rows = state.select("league", *LEAGUE_RATES).unique("league", keep="first").to_dicts()
    return {row["league"]: row for row in rows}


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def market_values(odds: Sequence[float] | None) -> dict[str, float]:
    """De-vigged (multiplicative) probabilities, margin and log-probabilities of one 1X2 price."""
    prices = np.array([list(odds) if odds is not None else [np.nan] * 3], dtype=float)
    probs = devig(prices, "multiplicative")[0]
    margin = overround(prices)[0]
    values = {f"mkt_prob_{o}": float(probs[k]) for k, o in enumerate(OUTCOMES)}
    values["mkt_margin"] = float(margin)
    values |= {
        f"mkt_log_{o}": math.log(values[f"mkt_prob_{o}"]) if values[f"mkt_prob_{o}"] > 0 else float("nan")
        for o in OUTCOMES
    }
    return values


def feature_row(
    home: Mapping[str, Any] | None,
    away: Mapping[str, Any] | None,
    league_rates: Mapping[str, Any] | None,
    *,
    kickoff_date: dt.date,
    season: str,
    odds: Sequence[float] | None,
    config: FormConfig,
    use_market: bool = True,
    pi: PiConfig | None = None,
) -> dict[str, float]:
    """``f_*`` feature values of one match from the two teams' state rows (``team_state``).

    A team without a state (never seen finished) gets missing values, like the as-of path.
    NaN stands for a missing value (polars null).
    """
    pi = pi or PiConfig()
    names = per_team_columns(config, use_market)
    row: dict[str, float] = {}
    sides = {"home": home, "away": away}
    for side, state in sides.items():
        for name in names:
            if state is None:
                value = 0.0 if name in ("form_played", "season_played") else float("nan")
            elif name == "season_played":
                value = _number(state.get("season_played")) if state.get("last_season") == season else 0.0
            elif name == "rest_days":
                last = state.get("last_played")
                value = float((kickoff_date - last).days) if last is not None else float("nan")
            elif name == "form_played":
                value = _number(state.get(name)) if state.get(name) is not None else 0.0
            else:
                value = _number(state.get(name))
            row[f"f_{side}_{name}"] = value
    for rate in LEAGUE_RATES:
        row[f"f_{rate}"] = _number((league_rates or {}).get(rate))
    row["f_diff_elo"] = row["f_home_elo"] - row["f_away_elo"]
    for stat in DIFF_STATS:
        row[f"f_diff_{stat}"] = row[f"f_home_form_{stat}"] - row[f"f_away_form_{stat}"]
    home_pi = 0.0 if math.isnan(row["f_home_pi_home"]) else row["f_home_pi_home"]
    away_pi = 0.0 if math.isnan(row["f_away_pi_away"]) else row["f_away_pi_away"]
    row["f_pi_expected_gd"] = float(
        expected_goal_difference(np.array([home_pi]), np.array([away_pi]), pi.scale)[0]
    )
    strengths = {
        side: {
            name: np.array([_number((state or {}).get(name))])
            for name in (*GOAL_MODEL_TEAM, *MARKET_TEAM, *GOAL_MODEL_LEAGUE, *MARKET_LEAGUE)
        }
        for side, state in sides.items()
    }
    for name, values in strength_features(strengths["home"], strengths["away"], use_market).items():
        row[f"f_{name}"] = float(values[0])
    if use_market:
        row |= {f"f_{name}": value for name, value in market_values(odds).items()}
    return row
