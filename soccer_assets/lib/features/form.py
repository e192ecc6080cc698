"""Team form: windowed and exponentially weighted averages of recent matches.

Every state is computed over a team's finished matches up to and including one match,
then attached to later matches only (``timeline.attach_asof``). Home and away splits use
the team's home-only and away-only history.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from soccer_assets.lib.features.timeline import attach_asof

# What a team did and conceded; cards and fouls only "for" (discipline is the team's own).
FORM_STATS = [
    *(f"{name}_{side}" for name in ("goals", "shots", "sot", "corners") for side in ("for", "against")),
    "yellow_for",
    "red_for",
    "points",
]
SPLIT_STATS = ["goals_for", "goals_against", "points"]


@dataclass(frozen=True)
class FormConfig:
    windows: tuple[int, ...] = (5, 10)
    half_life: float = 6.0  # matches
    split_window: int = 5


def form_state_columns(config: FormConfig, prefix: str = "form_") -> list[str]:
    """Names of ``form_state``'s value columns, in its order."""
    windowed = [f"{prefix}{s}_l{w}" for w in config.windows for s in FORM_STATS]
    return [*windowed, *(f"{prefix}{s}_ewm" for s in FORM_STATS), f"{prefix}played"]


def form_state(finished: pl.DataFrame, config: FormConfig, keys: list[str], prefix: str) -> pl.DataFrame:
    """Running means per team over its finished rows, keyed by date (state after the match)."""
    exprs = []
    for window in config.windows:
        exprs += [
            pl.col(s)
            .rolling_mean(window_size=window, min_samples=1)
            .over(keys)
            .alias(f"{prefix}{s}_l{window}")
            for s in FORM_STATS
        ]
    exprs += [
        pl.col(s).ewm_mean(half_life=config.half_life, ignore_nulls=True).over(keys).alias(f"{prefix}{s}_ewm")
        for s in FORM_STATS
    ]
    exprs.append((pl.int_range(pl.len()).over(keys) + 1).alias(f"{prefix}played"))
    return finished.sort(*keys, "kickoff_date").select(*keys, "kickoff_date", *exprs)


def split_state(finished: pl.DataFrame, window: int, home: bool) -> pl.DataFrame:
    """Home-only (or away-only) running means per team, keyed by date."""
    tag = "home" if home else "away"
    rows = finished.filter(pl.col("is_home") == home).sort("team", "kickoff_date")
    return rows.select(
        "team",
        "kickoff_date",
        *[
            pl.col(s)
            .rolling_mean(window_size=window, min_samples=1)
            .over("team")
            .alias(f"{tag}only_{s}_l{window}")
            for s in SPLIT_STATS
        ],
    )


def team_form(teams: pl.DataFrame, config: FormConfig = FormConfig()) -> pl.DataFrame:
    """Form features for every team row (finished or upcoming), from strictly earlier dates."""
    finished = teams.filter(pl.col("is_finished"))
    base = teams.select("match_id", "team", "kickoff_date", "season", "is_home")
    out = attach_asof(base, form_state(finished, config, ["team"], "form_"), by="team")
    season_state = finished.sort("team", "kickoff_date").select(
        "team",
        "season",
        "kickoff_date",
        (pl.int_range(pl.len()).over("team", "season") + 1).alias("season_played"),
    )
    out = attach_asof(out, season_state, by=["team", "season"])
    last_played = finished.select("team", "kickoff_date", pl.col("kickoff_date").alias("last_played"))
    out = attach_asof(out, last_played, by="team")
    out = out.with_columns(
        (pl.col("kickoff_date") - pl.col("last_played")).dt.total_days().cast(pl.Float64).alias("rest_days"),
        pl.col("season_played").fill_null(0),
        pl.col("form_played").fill_null(0),
    ).drop("last_played")
    for home in (True, False):
        out = attach_asof(out, split_state(finished, config.split_window, home), by="team")
    return out.drop("kickoff_date", "season", "is_home")
