"""What the Fonbet history keeps of each snapshot, as tables that can be extended later.

Replaying every stored snapshot on each run costs time and memory in proportion to the
history, so the history is folded into two tables that a checkpoint carries forward:

- the *event book*: one row per football event ever seen, with its newest attributes,
  when it was first and last seen and in how many snapshots;
- the *quote log*: the full-time 1X2 prices of every event that had all three on offer,
  one row per snapshot and event. Links are made later (and change as fixtures arrive),
  so prices are kept for every event, not only the linked ones.

Folding a batch of snapshots into the tables gives the same result as folding them one by
one, so extending a checkpoint equals replaying the whole history.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from soccer_assets.lib.fonbet.events import EVENT_SCHEMA, FACTOR_HOME, football_events, odds_frame
from soccer_assets.lib.fonbet.odds import QUOTE_SCHEMA
from soccer_assets.lib.fonbet.state import LineState

_UTC = pl.Datetime("us", "UTC")
SEEN_COLUMNS: dict[str, pl.DataType] = {
    "first_seen_at": _UTC,
    "last_seen_at": _UTC,
    "snapshots": pl.Int32(),
}
BOOK_SCHEMA: dict[str, pl.DataType] = {**EVENT_SCHEMA, **SEEN_COLUMNS}


def empty_book() -> pl.DataFrame:
    return pl.DataFrame(schema=BOOK_SCHEMA)


def empty_quotes() -> pl.DataFrame:
    return pl.DataFrame(schema=QUOTE_SCHEMA)


def snapshot_events(state: LineState, snapshot_at: dt.datetime) -> pl.DataFrame:
    """The football events of one snapshot, stamped with its time."""
    return football_events(state).with_columns(pl.lit(snapshot_at, dtype=_UTC).alias("snapshot_at"))


def snapshot_quotes(state: LineState, snapshot_at: dt.datetime) -> pl.DataFrame:
    """The 1X2 prices of every event of one snapshot that has all three (a superset of any
    set of linked events), sorted by event id and stamped with the snapshot time."""
    ids = sorted({event_id for event_id, factor in state.quotes if factor == FACTOR_HOME})
    frame = odds_frame(state, ids).with_columns(pl.lit(snapshot_at, dtype=_UTC).alias("snapshot_at"))
    return frame.select(list(QUOTE_SCHEMA)).cast(QUOTE_SCHEMA)  # type: ignore[arg-type]


def merge_events(book: pl.DataFrame, seen: pl.DataFrame) -> pl.DataFrame:
    """The book after ``seen`` (``snapshot_events`` frames of later snapshots, oldest first).

    An event takes its attributes from the newest snapshot that lists it, keeps the time it
    was first seen, and counts the snapshots it was in.
    """
    if seen.is_empty():
        return book
    attributes = [c for c in EVENT_SCHEMA if c != "event_id"]
    batch = seen.group_by("event_id", maintain_order=True).agg(
        *(pl.col(c).last() for c in attributes),
        pl.col("snapshot_at").first().alias("first_seen_at"),
        pl.col("snapshot_at").last().alias("last_seen_at"),
        pl.len().cast(pl.Int32).alias("snapshots"),
    )
    earlier = book.select("event_id", "first_seen_at", "snapshots")
    updated = batch.join(earlier, on="event_id", how="left", suffix="_before").with_columns(
        pl.coalesce("first_seen_at_before", "first_seen_at").alias("first_seen_at"),
        (pl.col("snapshots") + pl.col("snapshots_before").fill_null(0)).cast(pl.Int32).alias("snapshots"),
    )
    untouched = book.join(batch.select("event_id"), on="event_id", how="anti")
    return pl.concat([untouched, updated.select(list(BOOK_SCHEMA))]).cast(BOOK_SCHEMA)  # type: ignore[arg-type]


def month_of(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m")
