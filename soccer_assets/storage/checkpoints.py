"""Versioned checkpoints of incremental work, switched atomically in the blob store.

A checkpoint is a small manifest plus named parts (Parquet tables, JSON documents)::

    state/<name>/manifest.json                 {"format", "saved_at", "meta", "parts": {part: key}}
    state/<name>/parts/<part>-<sha12>.<ext>    content-addressed, written once

Parts are written first (an unchanged part keeps its key and is not written again), then
the manifest is replaced in one atomic put, so a reader sees the old checkpoint or the
new one, never a mix; a run that dies half-way leaves the old checkpoint in force. After
the switch, parts that neither the new nor the previous manifest names are deleted (a
reader that loaded the previous manifest a moment ago still finds its parts).

``format`` is the layout version a reader expects: a checkpoint written by another
version is ignored, which makes the next run rebuild from the raw data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from soccer_assets.storage.blobstore import BlobNotFound, BlobStore

STATE_ROOT = "state"


@dataclass(frozen=True)
class Checkpoint:
    format: int
    meta: dict[str, Any]
    parts: dict[str, str]  # part name -> blob key
    saved_at: str = ""


@dataclass
class CheckpointStore:
    blobs: BlobStore
    name: str
    format: int
    root: str = STATE_ROOT
    reads: int = field(default=0, init=False)  # parts read, for tests and metadata

    @property
    def folder(self) -> str:
        return f"{self.root}/{self.name}"

    @property
    def manifest_key(self) -> str:
        return f"{self.folder}/manifest.json"

    def _manifest(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.blobs.get(key))
        except (BlobNotFound, ValueError):
            return None

    def load(self) -> Checkpoint | None:
        """The checkpoint in force, or None when there is none or it has another format."""
        body = self._manifest(self.manifest_key)
        if body is None or body.get("format") != self.format:
            return None
        return Checkpoint(
            format=body["format"], meta=body.get("meta", {}), parts=body["parts"], saved_at=body["saved_at"]
        )

    def found_format(self) -> int | None:
        """The format of whatever manifest is stored (to say why a checkpoint was ignored)."""
        body = self._manifest(self.manifest_key)
        return body.get("format") if body else None

    def read(self, checkpoint: Checkpoint, part: str) -> bytes:
        self.reads += 1
        return self.blobs.get(checkpoint.parts[part])

    def part_key(self, part: str, data: bytes, extension: str) -> str:
        digest = hashlib.sha256(data).hexdigest()[:12]
        return f"{self.folder}/parts/{part}-{digest}.{extension}"

    def save(self, meta: dict[str, Any], parts: dict[str, tuple[bytes, str] | str]) -> Checkpoint:
        """Write new parts, then switch the manifest. A part is ``(bytes, extension)``, or the
        key of a part already stored (carried over unchanged)."""
        keys: dict[str, str] = {}
        for name, value in parts.items():
            if isinstance(value, str):
                keys[name] = value
                continue
            data, extension = value
            keys[name] = self.part_key(name, data, extension)
            self.blobs.put_if_absent(keys[name], data)
        previous = self._manifest(self.manifest_key)
        checkpoint = Checkpoint(
            format=self.format, meta=meta, parts=keys, saved_at=dt.datetime.now(dt.UTC).isoformat()
        )
        body = {"format": self.format, "saved_at": checkpoint.saved_at, "meta": meta, "parts": keys}
        self.blobs.put(self.manifest_key, json.dumps(body, sort_keys=True, default=str).encode())
        kept = set(keys.values()) | set((previous or {}).get("parts", {}).values())
        for key in self.blobs.list(f"{self.folder}/parts"):
            if key not in kept:
                self.blobs.delete(key)
        return checkpoint

    def clear(self) -> None:
        """Forget the checkpoint (the next run rebuilds); parts go with the next save."""
        self.blobs.delete(self.manifest_key)
