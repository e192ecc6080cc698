"""The 1X2 odds history of linked matches, de-vigged, with the latest pre-match quote.

Only quotes taken strictly before kickoff are kept: a snapshot of the live line holds
in-play prices, which say nothing about the pre-match market and must not reach a
model or a value-bet calculation. ``is_latest`` marks, per match, the quote of the
last snapshot before kickoff (the closest thing to a Fonbet closing price).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from soccer_assets.lib.devig import multiplicative, overround

QUOTE_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64(),
    "snapshot_at": pl.Datetime("us", "UTC"),
    "odds_home": pl.Float64(),
    "odds_draw": pl.Float64(),
    "odds_away": pl.Float64(),
}
ODDS_COLUMNS = [
    "match_id",
    "event_id",
    "league",
    "kickoff_utc",
    "snapshot_at",
    "odds_home",
    "odds_draw",
    "odds_away",
    "prob_home",
    "prob_draw",
    "prob_away",
    "margin",
    "is_latest",
]


def with_devig(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``prob_*`` (multiplicative de-vig) and ``margin`` (overround) to 1X2 odds."""
    odds = frame.select("odds_home", "odds_draw", "odds_away").to_numpy().astype(float).reshape(-1, 3)
    probs = multiplicative(odds) if len(odds) else np.empty((0, 3))
    margin = overround(odds) if len(odds) else np.empty(0)
    return frame.with_columns(
        pl.Series("prob_home", probs[:, 0], dtype=pl.Float64),
        pl.Series("prob_draw", probs[:, 1], dtype=pl.Float64),
        pl.Series("prob_away", probs[:, 2], dtype=pl.Float64),
        pl.Series("margin", margin, dtype=pl.Float64),
    )


def odds_history(quotes: pl.DataFrame, links: pl.DataFrame, events: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Pre-match 1X2 history of linked events, and how many in-play quotes were dropped.

    ``quotes``: event_id, snapshot_at, odds_*; ``links``: event_id, match_id, league;
    ``events``: event_id, kickoff_utc (Fonbet's start time of the event).
    """
    joined = quotes.join(
        links.select("event_id", "match_id", "league"), on="event_id", maintain_order="left"
    ).join(events.select("event_id", "kickoff_utc"), on="event_id", maintain_order="left")
    pre_match = joined.filter(pl.col("snapshot_at") < pl.col("kickoff_utc"))
    history = (
        with_devig(pre_match.unique(subset=["match_id", "snapshot_at"], keep="last"))
        .with_columns(
            (pl.col("snapshot_at") == pl.col("snapshot_at").max().over("match_id")).alias("is_latest")
        )
        .select(ODDS_COLUMNS)
        .sort("match_id", "snapshot_at")
    )
    return history, joined.height - pre_match.height
