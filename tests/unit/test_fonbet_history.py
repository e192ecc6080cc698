"""The Fonbet history checkpoint: extending it equals folding everything again, and a run reads
only the snapshots past it. Real sample and its real increments, in a real local store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from soccer_assets.defs.odds.history import (
    FONBET_SOURCE,
    HistoryStore,
    LineHistory,
    advance,
    events_table,
)
from soccer_assets.lib.fonbet.events import football_events, odds_frame
from soccer_assets.lib.fonbet.load import load_line
from soccer_assets.lib.fonbet.state import replay
from soccer_assets.lib.linking.aliases import load_competitions
from soccer_assets.storage.blobstore import LocalBlobStore
from soccer_assets.storage.checkpoints import CheckpointStore
from soccer_assets.storage.snapshots import SnapshotStore

UPDATES = (
    "updatesFromVersion-2529996195.json",
    "updatesFromVersion-2529996461.json",
    "updatesFromVersion-2529996765.json",
)
T0 = dt.datetime(2019, 8, 18, 12, tzinfo=dt.UTC)


class CountingStore(LocalBlobStore):
    """A local store that counts reads per kind of key."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.gets: list[str] = []

    def get(self, key: str) -> bytes:
        self.gets.append(key)
        return super().get(key)

    def record_reads(self) -> int:
        return sum("/_snapshots/" in k for k in self.gets)

    def packet_reads(self) -> int:
        return sum(k.startswith("raw/") and "/_snapshots/" not in k for k in self.gets)


@pytest.fixture(scope="module")
def bodies(shared_data: Path) -> dict[str, bytes]:
    folder = shared_data / "fonbet"
    full = (folder / "currentLine.json").read_bytes()
    repriced = json.loads(full)
    repriced["packetVersion"] = 2529990000  # another line: the sample's increments do not follow it
    for quote in repriced["customFactors"]:
        quote["v"] = round(quote["v"] * 1.05, 2)
    return {
        "full": full,
        **{f"update{k}": (folder / name).read_bytes() for k, name in enumerate(UPDATES, 1)},
        "repriced": json.dumps(repriced, ensure_ascii=False).encode(),
        "garbage": full[: len(full) // 3],
    }


# fetch order: increments that chain, a duplicate increment (refused), an unreadable body (breaks
# the chain), an increment after it (refused), a new full line, the first full line again (stored
# once, fetched twice), and an increment on top of it
SEQUENCE = ("full", "update1", "update2", "update2", "garbage", "update3", "repriced", "full", "update1")


def save(snapshots: SnapshotStore, body: bytes, at: dt.datetime) -> None:
    snapshots.save(
        source=FONBET_SOURCE, partition="", url="http://fonbet.test/line", content=body,
        http_status=200, fetched_at=at, extension="json",
    )  # fmt: skip


def tables(store: HistoryStore, history: LineHistory) -> dict[str, Any]:
    """Everything the assets read from a history, in comparable form."""
    events = events_table(history.book, load_competitions("fonbet").league_of)
    return {
        "events": events,
        "quotes": store.quotes(events["event_id"].to_list()),
        "rejected": history.rejected,
        "used": history.used,
        "line": history.line.to_json() if history.line else None,
    }


def assert_same(left: dict[str, Any], right: dict[str, Any]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        if isinstance(left[name], pl.DataFrame):
            assert left[name].equals(right[name]), name
        else:
            assert left[name] == right[name], name


def reference(bodies: dict[str, bytes], sequence: tuple[str, ...]) -> dict[str, Any]:
    """What the assets computed before the checkpoint: replay everything, one event dict."""
    rows: dict[int, dict[str, Any]] = {}
    quotes = []
    packets = [load_line(bodies[name]).packet for name in sequence]
    for k, step in enumerate(replay(packets)):
        if step.state is None:
            continue
        at = T0 + dt.timedelta(hours=4 * k)
        for row in football_events(step.state).iter_rows(named=True):
            seen = rows.get(row["event_id"])
            rows[row["event_id"]] = row | {
                "first_seen_at": seen["first_seen_at"] if seen else at,
                "last_seen_at": at,
                "snapshots": (seen["snapshots"] if seen else 0) + 1,
            }
        quotes.append((at, step.state))
    return {"rows": rows, "quotes": quotes}


def test_extending_the_checkpoint_equals_a_rebuild_and_the_old_replay(tmp_path, bodies):
    blobs = LocalBlobStore(tmp_path / "store")
    snapshots, store = SnapshotStore(blobs), HistoryStore(blobs)
    for k, name in enumerate(SEQUENCE):
        save(snapshots, bodies[name], T0 + dt.timedelta(hours=4 * k))
        progress = advance(snapshots, store)
        assert progress.processed == 1 and progress.rebuilt == (None if k else "no checkpoint yet")
    incremental = tables(store, store.load())
    rebuilt = advance(snapshots, store, rebuild=True)
    assert rebuilt.processed == len(SEQUENCE) and rebuilt.rebuilt == "asked for"
    assert_same(incremental, tables(store, rebuilt.history))

    # the same as replaying every packet in one go, as fonbet_events did before
    assert incremental["used"] == 6 and len(incremental["rejected"]) == 3
    expected = reference(bodies, SEQUENCE)
    events = incremental["events"]
    assert sorted(events["event_id"]) == sorted(expected["rows"])
    for row in events.iter_rows(named=True):
        want = expected["rows"][row["event_id"]]
        assert {k: row[k] for k in want} == want
    ids = events["event_id"].to_list()
    legacy = pl.concat(
        [
            odds_frame(state, ids).with_columns(snapshot_at=pl.lit(at, pl.Datetime("us", "UTC")))
            for at, state in expected["quotes"]
        ]
    ).select(incremental["quotes"].columns)
    assert legacy.sort("snapshot_at", "event_id").equals(
        incremental["quotes"].sort("snapshot_at", "event_id")
    )


def test_a_run_reads_only_the_snapshots_past_the_checkpoint(tmp_path, bodies):
    blobs = CountingStore(tmp_path / "store")
    snapshots, store = SnapshotStore(blobs), HistoryStore(blobs)
    for k, name in enumerate(("full", "update1", "repriced", "full")):
        save(snapshots, bodies[name], T0 + dt.timedelta(hours=4 * k))
    advance(snapshots, store)
    save(snapshots, bodies["update1"], T0 + dt.timedelta(hours=16))
    blobs.gets.clear()
    progress = advance(snapshots, store)
    assert progress.processed == 1 and progress.rebuilt is None
    assert blobs.record_reads() == 1 and blobs.packet_reads() == 1
    blobs.gets.clear()
    assert advance(snapshots, store).processed == 0  # nothing new: no snapshot read at all
    assert blobs.record_reads() == 0 and blobs.packet_reads() == 0


def test_a_record_older_than_the_checkpoint_forces_a_rebuild(tmp_path, bodies):
    blobs = LocalBlobStore(tmp_path / "store")
    snapshots, store = SnapshotStore(blobs), HistoryStore(blobs)
    for k, name in enumerate(("full", "update1", "update2")):
        save(snapshots, bodies[name], T0 + dt.timedelta(hours=4 * k))
    advance(snapshots, store)
    # written late with an earlier fetch time: it sorts before the cursor, so the chain changes
    save(snapshots, bodies["repriced"], T0 + dt.timedelta(hours=2))
    progress = advance(snapshots, store)
    assert progress.rebuilt == "a snapshot record older than the checkpoint appeared"
    assert progress.processed == 4
    assert_same(
        tables(store, progress.history), tables(store, advance(snapshots, store, rebuild=True).history)
    )
    assert len(progress.history.rejected) == 2  # both increments now follow the repriced line


def test_another_checkpoint_format_is_ignored(tmp_path, bodies):
    blobs = LocalBlobStore(tmp_path / "store")
    snapshots, store = SnapshotStore(blobs), HistoryStore(blobs)
    save(snapshots, bodies["full"], T0)
    advance(snapshots, store)
    newer = HistoryStore(blobs)
    newer.checkpoints.format += 1
    progress = advance(snapshots, newer)
    assert (
        progress.rebuilt == f"checkpoint format 1 != {newer.checkpoints.format}" and progress.processed == 1
    )


def test_checkpoint_switches_atomically_and_keeps_the_previous_parts(tmp_path):
    blobs = LocalBlobStore(tmp_path / "store")
    checkpoints = CheckpointStore(blobs, "demo", format=1)
    first = checkpoints.save({"n": 1}, {"a": (b"one", "txt")})
    second = checkpoints.save({"n": 2}, {"a": (b"two", "txt")})
    assert checkpoints.load() == second and blobs.exists(first.parts["a"])  # a reader of `first` still reads
    checkpoints.save({"n": 3}, {"a": second.parts["a"]})  # carried over: not written again
    assert not blobs.exists(first.parts["a"]) and blobs.exists(second.parts["a"])

    class Full(LocalBlobStore):
        def put_if_absent(self, key: str, data: bytes) -> bool:
            raise OSError("disk full")

    with pytest.raises(OSError):
        CheckpointStore(Full(tmp_path / "store"), "demo", format=1).save({"n": 4}, {"a": (b"four", "txt")})
    assert checkpoints.load().meta == {"n": 3}
