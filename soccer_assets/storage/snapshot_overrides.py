"""Recorded decisions to accept a snapshot that rewrites history.

A new season file that loses finished matches or changes a played match is rejected
(``lib.football_data.snapshot_diff``). When the change is real (a postponed match
re-dated, a score corrected by the league), someone says so once with
``soccer accept-snapshot``; the decision is stored beside the snapshots, never
overwritten, and shows in the metadata of every run that uses it::

    overrides/<source>/<partition>/<sha256>.json
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from soccer_assets.storage.blobstore import BlobStore

OVERRIDES_ROOT = "overrides"


@dataclass(frozen=True)
class SnapshotOverride:
    source: str
    partition: str
    sha256: str
    reason: str
    accepted_by: str
    accepted_at: str  # ISO 8601, UTC
    differences: str  # what the comparison said when it was accepted

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, indent=1).encode()


class SnapshotOverrides:
    def __init__(self, blobs: BlobStore, root: str = OVERRIDES_ROOT):
        self.blobs = blobs
        self.root = root

    def _key(self, source: str, partition: str, sha256: str) -> str:
        return "/".join(p for p in (self.root, source, partition, f"{sha256}.json") if p)

    def record(
        self, *, source: str, partition: str, sha256: str, reason: str, accepted_by: str, differences: str
    ) -> SnapshotOverride:
        """Store the decision; a second decision on the same snapshot is refused, not overwritten."""
        if not reason.strip():
            raise ValueError("an override needs a reason (what was corrected, and where that is documented)")
        override = SnapshotOverride(
            source=source,
            partition=partition,
            sha256=sha256,
            reason=reason.strip(),
            accepted_by=accepted_by,
            accepted_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            differences=differences,
        )
        if not self.blobs.put_if_absent(self._key(source, partition, sha256), override.to_json()):
            raise FileExistsError(f"snapshot {sha256[:12]} of {source} {partition} was already accepted")
        return override

    def get(self, source: str, partition: str, sha256: str) -> SnapshotOverride | None:
        key = self._key(source, partition, sha256)
        if not self.blobs.exists(key):
            return None
        return SnapshotOverride(**json.loads(self.blobs.get(key)))
