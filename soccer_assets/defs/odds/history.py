"""Replaying the stored Fonbet snapshots, oldest first, into line states.

Each stored snapshot is loaded and validated once per distinct sha256; a full packet
restarts the line and an increment extends it (``lib.fonbet.state.replay``). Snapshots
that fail validation or do not chain are reported, never used. States are yielded one
at a time so that a long history is never held in memory at once; ``EventBook``
folds them into one row per event as they come.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from soccer_assets.lib.fonbet.events import EVENT_SCHEMA, football_events, odds_frame
from soccer_assets.lib.fonbet.load import LoadedLine, load_line
from soccer_assets.lib.fonbet.odds import QUOTE_SCHEMA
from soccer_assets.lib.fonbet.packet import Packet
from soccer_assets.lib.fonbet.state import LineState, replay
from soccer_assets.storage.snapshots import SnapshotRecord, SnapshotStore

FONBET_SOURCE = "fonbet/line"
EVENTS_COLUMNS: dict[str, pl.DataType] = {
    **EVENT_SCHEMA,
    "league": pl.String(),
    "first_seen_at": pl.Datetime("us", "UTC"),
    "last_seen_at": pl.Datetime("us", "UTC"),
    "snapshots": pl.Int32(),
}


@dataclass(frozen=True)
class LineSnapshot:
    record: SnapshotRecord
    state: LineState

    @property
    def snapshot_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.record.fetched_at).astimezone(dt.UTC)


@dataclass(frozen=True)
class RejectedSnapshot:
    record: SnapshotRecord
    reason: str

    def as_row(self) -> dict[str, Any]:
        return {
            "sha256": self.record.sha256[:12],
            "fetched_at": self.record.fetched_at,
            "reason": self.reason,
        }


def latest_line(snapshots: SnapshotStore) -> tuple[SnapshotRecord | None, LoadedLine | None]:
    record = snapshots.latest(FONBET_SOURCE, "")
    return (record, load_line(snapshots.read(record))) if record else (None, None)


def iter_history(snapshots: SnapshotStore) -> Iterator[LineSnapshot | RejectedSnapshot]:
    records = snapshots.history(FONBET_SOURCE, "")
    loaded: dict[str, LoadedLine] = {}

    def packets() -> Iterator[Packet | None]:
        for record in records:
            if record.sha256 not in loaded:
                loaded[record.sha256] = load_line(snapshots.read(record))
            yield loaded[record.sha256].packet

    for record, step in zip(records, replay(packets()), strict=True):
        if step.state is not None:
            yield LineSnapshot(record, step.state)
        else:
            report = loaded[record.sha256].report
            yield RejectedSnapshot(record, step.problem if report.passed else report.summary())


class EventBook:
    """Football events seen across snapshots: newest attributes, first/last seen, count."""

    def __init__(self, league_of: Callable[[str], str | None]):
        self._league_of = cache(league_of)
        self._rows: dict[int, dict[str, Any]] = {}

    def add(self, snapshot: LineSnapshot) -> None:
        for row in football_events(snapshot.state).iter_rows(named=True):
            seen = self._rows.get(row["event_id"])
            self._rows[row["event_id"]] = row | {
                "league": self._league_of(row["competition"]),
                "first_seen_at": seen["first_seen_at"] if seen else snapshot.snapshot_at,
                "last_seen_at": snapshot.snapshot_at,
                "snapshots": (seen["snapshots"] if seen else 0) + 1,
            }

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(list(self._rows.values()), schema=EVENTS_COLUMNS).sort("kickoff_utc", "event_id")


def quote_history(snapshots: SnapshotStore, event_ids: list[int]) -> pl.DataFrame:
    """1X2 quotes of ``event_ids`` in every valid snapshot, stamped with the snapshot time."""
    frames = [
        odds_frame(item.state, event_ids).with_columns(pl.lit(item.snapshot_at).alias("snapshot_at"))
        for item in iter_history(snapshots)
        if isinstance(item, LineSnapshot)
    ]
    if not frames:
        return pl.DataFrame(schema=QUOTE_SCHEMA)
    return pl.concat([f.select(list(QUOTE_SCHEMA)) for f in frames]).cast(QUOTE_SCHEMA)  # type: ignore[arg-type]
