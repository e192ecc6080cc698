"""Immutable, content-addressed snapshots of raw source responses.

Layout under the blob store (``<source>`` like ``football-data/results``, ``<part>``
like ``E0/2324``; both may be empty)::

    raw/<source>/<part>/<sha256>.<ext>                     the bytes, written once
    raw/<source>/<part>/_snapshots/<fetched_at>_<sha12>.json  one record per fetch

The bytes are stored under their own sha256, so fetching an unchanged file twice
stores it once but records two fetches. Nothing here ever overwrites or deletes, so a
re-run cannot lose what an earlier run collected. Reads verify the checksum.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from soccer_assets.storage.blobstore import BlobStore

RAW_ROOT = "raw"


class SnapshotCorrupted(RuntimeError):
    """Stored bytes no longer match the checksum in their key."""


@dataclass(frozen=True)
class SnapshotRecord:
    source: str
    partition: str
    url: str
    sha256: str
    key: str
    bytes: int
    http_status: int
    fetched_at: str  # ISO 8601, UTC
    rows: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> SnapshotRecord:
        return cls(**json.loads(data))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


_STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"


def _stamp(fetched_at: dt.datetime) -> str:
    # sortable and safe in object keys
    return fetched_at.astimezone(dt.UTC).strftime(_STAMP_FORMAT)


@dataclass(frozen=True)
class FetchSummary:
    """How often and how recently a source was fetched (read from record keys alone)."""

    source: str
    fetches: int
    last_fetched_at: dt.datetime | None


class SnapshotStore:
    def __init__(self, blobs: BlobStore, root: str = RAW_ROOT):
        self.blobs = blobs
        self.root = root

    def _folder(self, source: str, partition: str) -> str:
        return _join(self.root, source, partition)

    def save(
        self,
        *,
        source: str,
        partition: str,
        url: str,
        content: bytes,
        http_status: int,
        fetched_at: dt.datetime,
        extension: str,
        rows: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> SnapshotRecord:
        """Store the bytes (once) and a record of this fetch (always)."""
        digest = sha256_hex(content)
        folder = self._folder(source, partition)
        key = _join(folder, f"{digest}.{extension}")
        self.blobs.put_if_absent(key, content)
        record = SnapshotRecord(
            source=source,
            partition=partition,
            url=url,
            sha256=digest,
            key=key,
            bytes=len(content),
            http_status=http_status,
            fetched_at=fetched_at.astimezone(dt.UTC).isoformat(),
            rows=rows,
            headers=dict(headers or {}),
        )
        record_key = _join(folder, "_snapshots", f"{_stamp(fetched_at)}_{digest[:12]}.json")
        if not self.blobs.put_if_absent(record_key, record.to_json()):
            raise FileExistsError(f"snapshot record {record_key} already exists")
        return record

    def record_keys(self, source: str, partition: str) -> list[str]:
        """Keys of the fetch records of one source partition, oldest first (a listing, no read)."""
        prefix = _join(self._folder(source, partition), "_snapshots")
        return sorted(k for k in self.blobs.list(prefix) if k.endswith(".json"))

    def record(self, key: str) -> SnapshotRecord:
        return SnapshotRecord.from_json(self.blobs.get(key))

    def history(self, source: str, partition: str) -> list[SnapshotRecord]:
        """All fetch records of one source partition, oldest first (reads every record: for a
        whole history prefer ``record_keys`` and read only the records past a cut-off)."""
        return [self.record(k) for k in self.record_keys(source, partition)]

    def newest_first(self, source: str, partition: str) -> Iterator[SnapshotRecord]:
        """Fetch records newest first, each read only when the caller gets to it
        (a daily-fetched partition accumulates hundreds; usually the newest is enough)."""
        for key in reversed(self.record_keys(source, partition)):
            yield SnapshotRecord.from_json(self.blobs.get(key))

    def latest(self, source: str, partition: str) -> SnapshotRecord | None:
        return next(self.newest_first(source, partition), None)

    def fetch_summary(self, source: str) -> FetchSummary:
        """Every fetch record of ``source`` (all partitions), counted without reading one:
        the fetch time is the stamp at the start of each record's key."""
        stamps = [
            key.rsplit("/", 1)[-1].split("_", 1)[0]
            for key in self.blobs.list(_join(self.root, source))
            if "/_snapshots/" in key and key.endswith(".json")
        ]
        last = max(stamps, default=None)
        moment = dt.datetime.strptime(last, _STAMP_FORMAT).replace(tzinfo=dt.UTC) if last else None
        return FetchSummary(source=source, fetches=len(stamps), last_fetched_at=moment)

    def read(self, record: SnapshotRecord) -> bytes:
        data = self.blobs.get(record.key)
        if sha256_hex(data) != record.sha256:
            raise SnapshotCorrupted(f"{record.key}: content does not match sha256 {record.sha256}")
        return data

    def describe(self, record: SnapshotRecord) -> dict[str, Any]:
        """Metadata for a Dagster materialization of this snapshot."""
        return {
            "url": record.url,
            "http_status": record.http_status,
            "bytes": record.bytes,
            "sha256": record.sha256,
            "rows": record.rows,
            "fetched_at": record.fetched_at,
            "storage_key": self.blobs.uri(record.key),
        }
