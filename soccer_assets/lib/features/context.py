"""League context: how the league has been playing lately (home edge, draws, goals)."""

from __future__ import annotations

import polars as pl

from soccer_assets.lib.features.timeline import attach_asof


def league_rates(schedule_frame: pl.DataFrame, window: int = 200) -> pl.DataFrame:
    """Per league and date: rolling home-win, draw and goal rates after that date's matches."""
    finished = schedule_frame.filter(pl.col("is_finished")).sort("league", "kickoff_date", "match_id")
    rates = finished.select(
        "league",
        "kickoff_date",
        *[
            expr.cast(pl.Float64).rolling_mean(window_size=window, min_samples=20).over("league").alias(name)
            for name, expr in {
                "league_home_win_rate": pl.col("result") == "H",
                "league_draw_rate": pl.col("result") == "D",
                "league_goals_per_match": pl.col("home_goals") + pl.col("away_goals"),
                "league_home_goal_edge": pl.col("home_goals") - pl.col("away_goals"),
            }.items()
        ],
    )
    # one state per league and date: the one after the date's last match
    return rates.group_by("league", "kickoff_date", maintain_order=True).last()


def league_context(schedule_frame: pl.DataFrame, window: int = 200) -> pl.DataFrame:
    """Per match: rolling home-win, draw and goal rates of its league from earlier dates."""
    per_date = league_rates(schedule_frame, window)
    targets = schedule_frame.select("match_id", "league", "kickoff_date")
    return attach_asof(targets, per_date, by="league").drop("league", "kickoff_date")
