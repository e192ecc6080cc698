"""Local blob store and the content-addressed snapshot store."""

import datetime as dt
import os
import stat
import time

import pytest

from soccer_assets.storage.blobstore import BlobNotFound, LocalBlobStore
from soccer_assets.storage.snapshots import SnapshotCorrupted, SnapshotStore, sha256_hex

T0 = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)


def test_put_replaces_atomically_and_leaves_no_temp_files(tmp_path):
    store = LocalBlobStore(tmp_path)
    store.put("a/b.bin", b"one")
    store.put("a/b.bin", b"two")
    assert store.get("a/b.bin") == b"two"
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.bin"]


def test_put_if_absent_never_overwrites(tmp_path):
    store = LocalBlobStore(tmp_path)
    assert store.put_if_absent("k", b"first")
    assert not store.put_if_absent("k", b"second")
    assert store.get("k") == b"first"


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b"])
def test_keys_cannot_escape_the_store(tmp_path, key):
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path).put(key, b"x")


def test_missing_blob(tmp_path):
    with pytest.raises(BlobNotFound):
        LocalBlobStore(tmp_path).get("nope")


def _save(store, content, when, part="E0/2324"):
    return store.save(
        source="football-data/results",
        partition=part,
        url="http://x/E0.csv",
        content=content,
        http_status=200,
        fetched_at=when,
        extension="csv",
    )


def test_same_bytes_stored_once_but_every_fetch_recorded(tmp_path):
    store = SnapshotStore(LocalBlobStore(tmp_path))
    a = _save(store, b"v1", T0)
    b = _save(store, b"v1", T0 + dt.timedelta(hours=1))
    c = _save(store, b"v2", T0 + dt.timedelta(hours=2))
    assert a.key == b.key != c.key
    assert a.sha256 in a.key and a.sha256 == sha256_hex(b"v1")
    assert [r.sha256 for r in store.history("football-data/results", "E0/2324")] == [
        a.sha256,
        a.sha256,
        c.sha256,
    ]
    assert store.latest("football-data/results", "E0/2324") == c
    assert store.read(a) == b"v1"  # earlier snapshot intact after newer ones


def test_tampered_snapshot_is_detected(tmp_path):
    blobs = LocalBlobStore(tmp_path)
    store = SnapshotStore(blobs)
    record = _save(store, b"genuine", T0)
    (tmp_path / record.key).write_bytes(b"tampered")
    with pytest.raises(SnapshotCorrupted):
        store.read(record)


def test_fetch_summary_counts_records_of_every_partition(tmp_path):
    import datetime as dt

    from soccer_assets.storage.blobstore import LocalBlobStore
    from soccer_assets.storage.snapshots import SnapshotStore

    store = SnapshotStore(LocalBlobStore(tmp_path))
    assert store.fetch_summary("football-data/results").last_fetched_at is None
    moments = [dt.datetime(2026, 5, 1, h, 30, 15, 123456, tzinfo=dt.UTC) for h in (5, 7, 6)]
    for partition, moment in zip(("E0/2526", "D1/2526", "E0/2526"), moments, strict=True):
        store.save(
            source="football-data/results", partition=partition, url="u", content=b"Div\r\n",
            http_status=200, fetched_at=moment, extension="csv",
        )  # fmt: skip
    summary = store.fetch_summary("football-data/results")
    assert (summary.fetches, summary.last_fetched_at) == (3, moments[1])
    assert store.fetch_summary("fonbet/line").fetches == 0


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    store = LocalBlobStore(tmp_path)
    store.put("a/b.bin", b"old")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        store.put("a/b.bin", b"new")
    with pytest.raises(OSError, match="No space left"):
        store.put_if_absent("a/c.bin", b"new")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.bin"]
    assert store.get("a/b.bin") == b"old"


def test_files_get_the_umask_permissions_not_those_of_a_temporary_file(tmp_path):
    old = os.umask(0o022)
    try:
        LocalBlobStore(tmp_path).put("x.bin", b"1")
        os.umask(0o027)
        LocalBlobStore(tmp_path).put_if_absent("y.bin", b"2")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.bin").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "y.bin").stat().st_mode) == 0o640
    LocalBlobStore(tmp_path, file_mode=0o600).put("z.bin", b"3")
    assert stat.S_IMODE((tmp_path / "z.bin").stat().st_mode) == 0o600


def test_sweep_removes_stale_temporary_files_only(tmp_path):
    store = LocalBlobStore(tmp_path)
    store.put("assets/matches.parquet", b"data")
    stale = tmp_path / "assets" / ".matches.parquet.abc123.tmp"
    fresh = tmp_path / "assets" / ".matches.parquet.def456.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    hours_ago = time.time() - 7200
    os.utime(stale, (hours_ago, hours_ago))
    assert store.sweep_temp_files(older_than_s=3600) == [str(stale)]
    assert not stale.exists() and fresh.exists() and store.get("assets/matches.parquet") == b"data"
