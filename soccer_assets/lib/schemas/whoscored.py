"""Schema of ``whoscored_stats``: two rows per match, plausible counts, linked at most once."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from soccer_assets.lib.whoscored.stats import COUNT_STATS

MAX_COUNT = 2000  # passes and touches run to several hundred per team


def whoscored_stats_schema() -> pa.DataFrameSchema:
    counts = {
        name: pa.Column(pl.Int32, pa.Check.in_range(0, MAX_COUNT), nullable=False) for name in COUNT_STATS
    }
    return pa.DataFrameSchema(
        {
            "ws_match_id": pa.Column(pl.Int64, nullable=False),
            "league": pa.Column(str, nullable=False),
            "kickoff_utc": pa.Column(pl.Datetime("us", "UTC"), nullable=False),
            "side": pa.Column(str, pa.Check.isin(["home", "away"]), nullable=False),
            "team": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
            "goals": pa.Column(pl.Int16, pa.Check.in_range(0, 20), nullable=True),
            **counts,
            "yellow_cards": pa.Column(pl.Int16, pa.Check.in_range(0, 11), nullable=False),
            "red_cards": pa.Column(pl.Int16, pa.Check.in_range(0, 5), nullable=False),
            "possession": pa.Column(pl.Float64, pa.Check.in_range(0.0, 100.0), nullable=True),
            "match_id": pa.Column(str, nullable=True),
        },
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(
                    pl.col("shots_on_target").le(pl.col("shots"))
                    & pl.col("passes_accurate").le(pl.col("passes"))
                ),
                name="parts_not_above_totals",
            ),
        ],
        unique=["ws_match_id", "side"],
        strict=False,
        name="whoscored_stats",
    )
