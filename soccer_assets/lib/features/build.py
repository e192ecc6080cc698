"""Assemble ``match_features``: one row per finished or upcoming match.

Columns: identifiers (``match_id`` ... ``is_finished``), the label (``result``, ``target``:
0 home win, 1 draw, 2 away win, null when not played yet) and features, every feature
named ``f_*``. All features follow the time rule of ``timeline``; closing prices can
never be features (``assert_no_closing``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from soccer_assets.lib.features.context import league_context, league_rates
from soccer_assets.lib.features.form import FormConfig, team_form
from soccer_assets.lib.features.market import best_pre_match_odds, market_features
from soccer_assets.lib.features.state import DIFF_STATS, feature_row, league_table, rating_columns, team_state
from soccer_assets.lib.features.strength import strength_features
from soccer_assets.lib.features.timeline import attach_asof, schedule, team_rows
from soccer_assets.lib.football_data.columns import CLOSING_PREFIX
from soccer_assets.lib.ratings import EloConfig, PiConfig, expected_goal_difference, rating_history
from soccer_assets.lib.strength_history import (
    GOAL_MODEL_LEAGUE,
    GOAL_MODEL_TEAM,
    MARKET_LEAGUE,
    MARKET_TEAM,
    StrengthConfig,
)

STRENGTH_LEAGUE_PARAMS = (*GOAL_MODEL_LEAGUE, *MARKET_LEAGUE)

FEATURE_PREFIX = "f_"
ID_COLUMNS = [
    "match_id",
    "league",
    "season",
    "kickoff_date",
    "kickoff_utc",
    "home_team",
    "away_team",
    "is_finished",
    "result",
    "target",
]


class LeakageError(ValueError):
    """A column that is not known before kickoff was about to become a feature."""


@dataclass(frozen=True)
class FeatureConfig:
    form: FormConfig = field(default_factory=FormConfig)
    elo: EloConfig = field(default_factory=EloConfig)
    pi: PiConfig = field(default_factory=PiConfig)
    strength: StrengthConfig = field(default_factory=StrengthConfig)
    league_window: int = 200
    # de-vigged pre-match odds as features (known before kickoff); closing odds never
    use_market: bool = True


def assert_no_closing(columns: list[str]) -> list[str]:
    bad = [c for c in columns if CLOSING_PREFIX in c or "closing" in c]
    if bad:
        raise LeakageError(f"closing prices can never be features: {bad}")
    return columns


def feature_columns(frame: pl.DataFrame) -> list[str]:
    """The model inputs of a features frame, in a stable order, guarded against leakage."""
    return assert_no_closing([c for c in frame.columns if c.startswith(FEATURE_PREFIX)])


def _per_team(teams: pl.DataFrame, ratings: pl.DataFrame, config: FeatureConfig) -> pl.DataFrame:
    """Form and ratings per team and match; the league's strength parameters come last and are
    used by ``_strengths``, not kept as features."""
    keys = teams.select("match_id", "team", "kickoff_date")
    form = team_form(teams, config.form)
    columns = [*rating_columns(config.use_market), *STRENGTH_LEAGUE_PARAMS, *MARKET_TEAM]
    rated = attach_asof(keys, ratings.select("team", "kickoff_date", *dict.fromkeys(columns)), by="team")
    return form.join(rated.drop("kickoff_date"), on=["match_id", "team"])


def _strengths(frame: pl.DataFrame, use_market: bool) -> pl.DataFrame:
    """Goal-model and market-strength features from both sides' attached strengths."""

    def side(name: str) -> dict[str, np.ndarray]:
        return {
            c: frame[f"{FEATURE_PREFIX}{name}_{c}"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            for c in (*GOAL_MODEL_TEAM, *MARKET_TEAM, *STRENGTH_LEAGUE_PARAMS)
        }

    values = strength_features(side("home"), side("away"), use_market)
    helpers = [
        f"{FEATURE_PREFIX}{name}_{c}"
        for name in ("home", "away")
        for c in dict.fromkeys([*STRENGTH_LEAGUE_PARAMS, *MARKET_TEAM])
        if not use_market or c not in MARKET_TEAM
    ]
    return frame.with_columns(
        *[
            pl.Series(f"{FEATURE_PREFIX}{name}", v, dtype=pl.Float64).fill_nan(None)
            for name, v in values.items()
        ]
    ).drop(helpers)


def _side(sched: pl.DataFrame, per_team: pl.DataFrame, side: str) -> pl.DataFrame:
    values = [c for c in per_team.columns if c not in ("match_id", "team")]
    joined = sched.select("match_id", pl.col(f"{side}_team").alias("team")).join(
        per_team, on=["match_id", "team"], how="left"
    )
    return joined.select("match_id", *[pl.col(c).alias(f"{FEATURE_PREFIX}{side}_{c}") for c in values])


def priced_matches(matches: pl.DataFrame, fixtures: pl.DataFrame | None) -> pl.DataFrame:
    """match_id and every pre-match price column of finished and upcoming matches."""
    return pl.concat(
        [
            t.select("match_id", *[c for c in t.columns if c.startswith("pre_")])
            for t in (matches, fixtures)
            if t is not None
        ],
        how="diagonal_relaxed",
    ).unique("match_id", keep="first")


def asof_features(
    sched: pl.DataFrame, ratings: pl.DataFrame, priced: pl.DataFrame, config: FeatureConfig
) -> pl.DataFrame:
    """Features of the ``sched`` rows from the history by as-of joins (strictly earlier dates)."""
    per_team = _per_team(team_rows(sched), ratings, config)
    frame = (
        sched.select(*ID_COLUMNS[:-1])  # everything but the label, which is derived below
        .join(_side(sched, per_team, "home"), on="match_id", how="left")
        .join(_side(sched, per_team, "away"), on="match_id", how="left")
        .join(
            league_context(sched, config.league_window).rename(lambda c: c if c == "match_id" else f"f_{c}"),
            on="match_id",
            how="left",
        )
    )
    frame = frame.with_columns(
        (pl.col("f_home_elo") - pl.col("f_away_elo")).alias("f_diff_elo"),
        *[(pl.col(f"f_home_form_{s}") - pl.col(f"f_away_form_{s}")).alias(f"f_diff_{s}") for s in DIFF_STATS],
    )
    expected_gd = expected_goal_difference(
        frame["f_home_pi_home"].fill_null(0.0).to_numpy(),
        frame["f_away_pi_away"].fill_null(0.0).to_numpy(),
        config.pi.scale,
    )
    frame = frame.with_columns(pl.Series("f_pi_expected_gd", expected_gd, dtype=pl.Float64))
    frame = _strengths(frame, config.use_market)
    if config.use_market:
        market = market_features(priced).rename(lambda c: c if c == "match_id" else f"f_{c}")
        frame = frame.join(market, on="match_id", how="left")
    return frame


def feature_state(sched: pl.DataFrame, ratings: pl.DataFrame, config: FeatureConfig) -> pl.DataFrame:
    """The ``team_state`` after every finished match of ``sched`` (what upcoming matches see)."""
    return team_state(team_rows(sched), ratings, league_rates(sched, config.league_window), config.form)


def state_features(
    upcoming: pl.DataFrame, state: pl.DataFrame, priced: pl.DataFrame, config: FeatureConfig
) -> pl.DataFrame:
    """Features of upcoming matches from team state (``state.feature_row``, the API's code path)."""
    prices = {}
    if config.use_market and "match_id" in priced.columns:
        odds = best_pre_match_odds(priced.filter(pl.col("match_id").is_in(upcoming["match_id"].implode())))
        prices = {r["match_id"]: (r["odds_home"], r["odds_draw"], r["odds_away"]) for r in odds.to_dicts()}
    teams = {row["team"]: row for row in state.to_dicts()} if state.height else {}
    leagues = league_table(state)
    rows = []
    for match in upcoming.select(*ID_COLUMNS[:-1]).to_dicts():
        values = feature_row(
            teams.get(match["home_team"]),
            teams.get(match["away_team"]),
            leagues.get(match["league"]),
            kickoff_date=match["kickoff_date"],
            season=match["season"],
            odds=prices.get(match["match_id"]),
            config=config.form,
            use_market=config.use_market,
            pi=config.pi,
        )
        rows.append(match | values)
    schema = {c: upcoming.schema[c] for c in ID_COLUMNS[:-1]}
    frame = pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None) if rows else pl.DataFrame()
    return frame.with_columns(pl.col(pl.Float64).fill_nan(None)) if rows else frame


def build_match_features(
    matches: pl.DataFrame,
    fixtures: pl.DataFrame | None = None,
    config: FeatureConfig | None = None,
    ratings: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``ratings``: a precomputed ``rating_history(matches)`` (the ``team_ratings`` asset).

    Finished matches get their features from the history by as-of joins; upcoming matches
    from the team state after the last finished match, through ``state.feature_row``, the
    function the API uses for any match it is asked about.
    """
    config = config or FeatureConfig()
    sched = schedule(matches, fixtures)
    if ratings is None:
        ratings = rating_history(matches, config.elo, config.pi, config.strength)
    priced = priced_matches(matches, fixtures) if config.use_market else pl.DataFrame()
    frame = asof_features(sched.filter(pl.col("is_finished")), ratings, priced, config)
    upcoming = sched.filter(~pl.col("is_finished"))
    if upcoming.height:
        rows = state_features(upcoming, feature_state(sched, ratings, config), priced, config)
        frame = pl.concat([frame, rows.select(frame.columns)], how="vertical_relaxed")
    target = pl.col("result").replace_strict({"H": 0, "D": 1, "A": 2}, default=None, return_dtype=pl.Int8)
    frame = frame.with_columns(target.alias("target"))
    features = feature_columns(frame)
    # every feature is a float (counts included): models and the MLflow signature see one dtype
    return frame.select(*ID_COLUMNS, *[pl.col(c).cast(pl.Float64) for c in features]).sort(
        "kickoff_date", "match_id"
    )
