"""The time rule every feature obeys, and the team-perspective view of matches.

Leakage rule: a feature of a match played on date D may only use matches played on a
date strictly before D. Kickoff times are missing before 2019/20, so "before" is decided
by calendar date; a team never plays twice on one date, so nothing a team did is lost,
only same-day results of *other* teams (which could leak) are ignored.

Mechanics: compute a team's running state *after* each of its finished matches, then
attach to every match (finished or upcoming) the latest state from a strictly earlier
date with an as-of join (``allow_exact_matches=False``). Vectorised, no row loops.
"""

from __future__ import annotations

import polars as pl

# per-team statistics available for finished matches (for, against)
TEAM_STATS: dict[str, tuple[str, str]] = {
    "goals": ("home_goals", "away_goals"),
    "shots": ("home_shots", "away_shots"),
    "sot": ("home_shots_on_target", "away_shots_on_target"),
    "corners": ("home_corners", "away_corners"),
    "fouls": ("home_fouls", "away_fouls"),
    "yellow": ("home_yellow_cards", "away_yellow_cards"),
    "red": ("home_red_cards", "away_red_cards"),
}
SCHEDULE_COLUMNS = [
    "match_id",
    "league",
    "season",
    "kickoff_date",
    "kickoff_utc",
    "home_team",
    "away_team",
    "result",
]


def schedule(matches: pl.DataFrame, fixtures: pl.DataFrame | None = None) -> pl.DataFrame:
    """Finished and upcoming matches in one frame, ``is_finished`` telling them apart.

    A fixture whose match_id is already finished is dropped (the result wins).
    """
    stat_cols = sorted({c for pair in TEAM_STATS.values() for c in pair})
    finished = matches.select(
        *SCHEDULE_COLUMNS, *[pl.col(c).cast(pl.Float64) for c in stat_cols], pl.lit(True).alias("is_finished")
    )
    frames = [finished]
    if fixtures is not None and fixtures.height:
        upcoming = fixtures.filter(~pl.col("match_id").is_in(matches["match_id"].implode())).select(
            *[c for c in SCHEDULE_COLUMNS if c != "result"],
            pl.lit(None, dtype=pl.String).alias("result"),
            *[pl.lit(None, dtype=pl.Float64).alias(c) for c in stat_cols],
            pl.lit(False).alias("is_finished"),
        )
        frames.append(upcoming)
    out = pl.concat(frames, how="vertical_relaxed").sort("kickoff_date", "match_id")
    if out["match_id"].n_unique() != out.height:
        raise ValueError("duplicate match_id in the schedule")
    return out


def team_rows(schedule_frame: pl.DataFrame) -> pl.DataFrame:
    """Two rows per match, one per team: ``<stat>_for`` / ``<stat>_against``, points, is_home."""

    def side(is_home: bool) -> pl.DataFrame:
        me, them = ("home", "away") if is_home else ("away", "home")
        won, lost = ("H", "A") if is_home else ("A", "H")
        stats = []
        for name, (home_col, away_col) in TEAM_STATS.items():
            mine, theirs = (home_col, away_col) if is_home else (away_col, home_col)
            stats += [pl.col(mine).alias(f"{name}_for"), pl.col(theirs).alias(f"{name}_against")]
        points = (
            pl.when(pl.col("result") == won)
            .then(3.0)
            .when(pl.col("result") == "D")
            .then(1.0)
            .when(pl.col("result") == lost)
            .then(0.0)
            .otherwise(None)
        )
        return schedule_frame.select(
            "match_id",
            "league",
            "season",
            "kickoff_date",
            "is_finished",
            pl.col(f"{me}_team").alias("team"),
            pl.col(f"{them}_team").alias("opponent"),
            pl.lit(is_home).alias("is_home"),
            *stats,
            points.alias("points"),
        )

    return pl.concat([side(True), side(False)]).sort("team", "kickoff_date")


def attach_asof(
    targets: pl.DataFrame, states: pl.DataFrame, by: str | list[str], date_col: str = "kickoff_date"
) -> pl.DataFrame:
    """Join to each target row the latest state with a strictly earlier date (same ``by`` key)."""
    by_cols = [by] if isinstance(by, str) else by
    left = targets.sort(date_col)
    right = states.rename({date_col: "_state_date"}).sort("_state_date")
    joined = left.join_asof(
        right,
        left_on=date_col,
        right_on="_state_date",
        by=by_cols,
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,
    )
    return joined.drop("_state_date")
