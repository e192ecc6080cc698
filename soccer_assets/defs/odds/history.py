"""The stored Fonbet snapshots folded into a checkpoint that each run extends.

Each snapshot is loaded and validated once, in fetch order; a full packet restarts the
line and an increment extends it (``lib.fonbet.state.replay``); snapshots that fail
validation or do not chain are reported, never used. What the assets need of the folded
snapshots (the line as it stands, the event book, the 1X2 quote log by month; see
``lib.fonbet.book``) is kept in a versioned checkpoint (``storage.checkpoints``), so a run
reads only the snapshot records past its cursor. Records are listed (keys only) every run:
one that sorts before the cursor but was not folded (written late, or by a clock that was
behind) would change the replay, so it forces a rebuild, as do a new checkpoint format and
``rebuild=True``. A rebuild folds every snapshot through the same code from an empty
checkpoint, which is why the incremental result equals it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from soccer_assets.lib.fonbet.book import (
    empty_book,
    empty_quotes,
    merge_events,
    month_of,
    snapshot_events,
    snapshot_quotes,
)
from soccer_assets.lib.fonbet.events import EVENT_SCHEMA
from soccer_assets.lib.fonbet.load import LoadedLine, load_line
from soccer_assets.lib.fonbet.packet import Packet
from soccer_assets.lib.fonbet.state import LineState, replay
from soccer_assets.storage.blobstore import BlobStore
from soccer_assets.storage.checkpoints import Checkpoint, CheckpointStore
from soccer_assets.storage.snapshots import SnapshotRecord, SnapshotStore

FONBET_SOURCE = "fonbet/line"
CHECKPOINT_NAME = "fonbet_line"
# Bump when the checkpoint's layout or the meaning of its tables changes: the next run rebuilds.
CHECKPOINT_FORMAT = 1
QUOTES_PART = "quotes-"
EVENTS_COLUMNS: dict[str, pl.DataType] = {
    **EVENT_SCHEMA,
    "league": pl.String(),
    "first_seen_at": pl.Datetime("us", "UTC"),
    "last_seen_at": pl.Datetime("us", "UTC"),
    "snapshots": pl.Int32(),
}


def snapshot_time(record: SnapshotRecord) -> dt.datetime:
    return dt.datetime.fromisoformat(record.fetched_at).astimezone(dt.UTC)


def rejected_row(record: SnapshotRecord, reason: str) -> dict[str, Any]:
    return {"sha256": record.sha256[:12], "fetched_at": record.fetched_at, "reason": reason}


def latest_line(snapshots: SnapshotStore) -> tuple[SnapshotRecord | None, LoadedLine | None]:
    record = snapshots.latest(FONBET_SOURCE, "")
    return (record, load_line(snapshots.read(record))) if record else (None, None)


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


@dataclass
class LineHistory:
    """Every snapshot up to ``cursor`` (a record key), folded."""

    cursor: str | None = None
    folded: int = 0  # record keys up to and including the cursor
    used: int = 0
    newest_used: str | None = None
    rejected: list[dict[str, Any]] = field(default_factory=list)
    line: LineState | None = None
    book: pl.DataFrame = field(default_factory=empty_book)
    # month -> the stored part's key (unchanged since it was loaded) or the month's quotes
    months: dict[str, str | pl.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """What one run did: how many records it folded and why it started from scratch, if it did."""

    processed: int
    rebuilt: str | None
    history: LineHistory


class HistoryStore:
    """The checkpoint of the Fonbet history in the blob store."""

    def __init__(self, blobs: BlobStore):
        self.checkpoints = CheckpointStore(blobs, CHECKPOINT_NAME, CHECKPOINT_FORMAT)

    def load(self) -> LineHistory | None:
        checkpoint = self.checkpoints.load()
        if checkpoint is None:
            return None
        meta = checkpoint.meta
        line = None
        if "line" in checkpoint.parts:
            line = LineState.from_json(gzip.decompress(self.checkpoints.read(checkpoint, "line")))
        book = pl.read_parquet(io.BytesIO(self.checkpoints.read(checkpoint, "events")))
        months: dict[str, str | pl.DataFrame] = {
            name.removeprefix(QUOTES_PART): key
            for name, key in checkpoint.parts.items()
            if name.startswith(QUOTES_PART)
        }
        return LineHistory(
            cursor=meta["cursor"],
            folded=meta["folded"],
            used=meta["used"],
            newest_used=meta["newest_used"],
            rejected=meta["rejected"],
            line=line,
            book=book,
            months=months,
        )

    def save(self, history: LineHistory) -> Checkpoint:
        parts: dict[str, tuple[bytes, str] | str] = {"events": (_parquet(history.book), "parquet")}
        if history.line is not None:
            parts["line"] = (gzip.compress(history.line.to_json(), mtime=0), "json.gz")
        for month, value in sorted(history.months.items()):
            parts[QUOTES_PART + month] = value if isinstance(value, str) else (_parquet(value), "parquet")
        meta = {
            "cursor": history.cursor,
            "folded": history.folded,
            "used": history.used,
            "newest_used": history.newest_used,
            "rejected": history.rejected,
        }
        return self.checkpoints.save(meta, parts)

    def month_quotes(self, history: LineHistory, month: str) -> pl.DataFrame:
        value = history.months[month]
        if isinstance(value, pl.DataFrame):
            return value
        return pl.read_parquet(io.BytesIO(self.checkpoints.blobs.get(value)))

    def quotes(self, event_ids: list[int]) -> pl.DataFrame:
        """The quote log of ``event_ids`` (event_id, snapshot_at, odds_*), in fetch order."""
        checkpoint = self.checkpoints.load()
        if checkpoint is None or not event_ids:
            return empty_quotes()
        wanted = pl.Series(event_ids, dtype=pl.Int64).implode()
        frames = [
            pl.read_parquet(io.BytesIO(self.checkpoints.read(checkpoint, name))).filter(
                pl.col("event_id").is_in(wanted)
            )
            for name in sorted(checkpoint.parts)
            if name.startswith(QUOTES_PART)
        ]
        return pl.concat([empty_quotes(), *frames])


def _packets(
    snapshots: SnapshotStore, records: list[SnapshotRecord], loaded: dict[str, LoadedLine]
) -> Iterator[Packet | None]:
    """Packets in record order; only the last distinct one is kept, for duplicates in a row."""
    for record in records:
        if record.sha256 not in loaded:
            loaded.clear()
            loaded[record.sha256] = load_line(snapshots.read(record))
        yield loaded[record.sha256].packet


def advance(
    snapshots: SnapshotStore,
    store: HistoryStore,
    rebuild: bool = False,
    batch: int = 200,
    log: Callable[[str], None] = lambda _: None,
) -> Progress:
    """Fold the snapshot records past the checkpoint (all of them on a rebuild), save, and
    return the history. Works through ``batch`` records at a time to bound memory."""
    keys = snapshots.record_keys(FONBET_SOURCE, "")
    history = None if rebuild else store.load()
    reason = "asked for" if rebuild else None
    if history is None and reason is None:
        found = store.checkpoints.found_format()
        reason = (
            "no checkpoint yet"
            if found is None
            else f"checkpoint format {found} != {store.checkpoints.format}"
        )
    if history is not None and sum(1 for k in keys if k <= (history.cursor or "")) != history.folded:
        reason, history = "a snapshot record older than the checkpoint appeared", None
    if history is None:
        history = LineHistory()
    pending = keys[history.folded :]
    for start in range(0, len(pending), batch):
        _fold(snapshots, store, history, pending[start : start + batch])
        log(f"folded {min(start + batch, len(pending))}/{len(pending)} Fonbet snapshot(s)")
    if pending or reason:
        store.save(history)
    return Progress(processed=len(pending), rebuilt=reason, history=history)


def _fold(snapshots: SnapshotStore, store: HistoryStore, history: LineHistory, keys: list[str]) -> None:
    records = [snapshots.record(k) for k in keys]
    loaded: dict[str, LoadedLine] = {}
    seen: list[pl.DataFrame] = []
    quotes: dict[str, list[pl.DataFrame]] = {}
    for record, step in zip(records, replay(_packets(snapshots, records, loaded), history.line), strict=True):
        if step.state is not None or loaded[record.sha256].packet is None:
            history.line = step.state  # an unreadable packet breaks the chain, a stray increment not
        if step.state is None:
            report = loaded[record.sha256].report
            history.rejected.append(rejected_row(record, step.problem if report.passed else report.summary()))
            continue
        at = snapshot_time(record)
        history.used += 1
        history.newest_used = record.fetched_at
        seen.append(snapshot_events(step.state, at))
        quotes.setdefault(month_of(at), []).append(snapshot_quotes(step.state, at))
    if seen:
        history.book = merge_events(history.book, pl.concat(seen))
    for month, frames in quotes.items():
        before = store.month_quotes(history, month) if month in history.months else empty_quotes()
        history.months[month] = pl.concat([before, *frames])
    history.cursor, history.folded = keys[-1], history.folded + len(keys)


def events_table(book: pl.DataFrame, league_of: Callable[[str], str | None]) -> pl.DataFrame:
    """``fonbet_events``: the event book with the football-data league of each competition."""
    leagues = {name: league_of(name) for name in book["competition"].unique().to_list()}
    return (
        book.with_columns(
            pl.col("competition")
            .replace_strict(leagues, default=None, return_dtype=pl.String)
            .alias("league")
        )
        .select(list(EVENTS_COLUMNS))
        .sort("kickoff_utc", "event_id")
    )
