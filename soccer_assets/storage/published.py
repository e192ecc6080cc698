"""The published store: the only data the HTTP API reads (contract in docs/published_store.md).

Layout on a blob store (local folder or S3)::

    published/<dataset>/<publication_id>.<ext>   data files, written once, never overwritten
    published/manifests/<publication_id>.json    every manifest that went live (history, GC roots)
    published/manifest.json                      the current manifest, replaced by one atomic put

A publication writes its new data files under fresh keys first and the manifest last. A
reader reads ``manifest.json`` once and then only the immutable keys it lists, so it sees
the whole old publication or the whole new one, never a mix. Datasets a publication does
not mention keep their previous entry (publishing drift alone does not drop the cards).

Publications are serialised by the caller (one writer at a time): two concurrent writers
would both succeed, but the later manifest would not list the earlier one's datasets.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from typing import Any, TypeVar

import polars as pl

from soccer_assets.storage.blobstore import BlobNotFound, BlobStore
from soccer_assets.storage.snapshots import sha256_hex

SCHEMA_VERSION = 1
ROOT = "published"
MANIFEST_KEY = f"{ROOT}/manifest.json"
HISTORY_PREFIX = f"{ROOT}/manifests"
TABLE_FORMAT = "parquet"
MEDIA_TYPES: dict[str, str] = {
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "bin": "application/octet-stream",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_RESERVED = {"manifests", "manifest"}
_T = TypeVar("_T")
_STAMP = "%Y%m%dT%H%M%S%fZ"  # fixed width, so publication ids sort in time order


class PublishedStoreError(RuntimeError):
    """The published store is inconsistent or cannot be read by this code."""


class ChecksumMismatch(PublishedStoreError):
    """A data file's bytes differ from the checksum its manifest recorded."""


class UnknownDataset(KeyError):
    """The manifest has no dataset of that name."""


@dataclass(frozen=True)
class Artifact:
    """A non-tabular dataset (an HTML report, a JSON document) with its format."""

    data: bytes
    format: str  # a key of MEDIA_TYPES other than "parquet"


@dataclass(frozen=True)
class DatasetEntry:
    path: str  # blob key relative to the store root
    format: str
    media_type: str
    sha256: str
    bytes: int
    created_at: str  # when the publication that wrote this file happened (ISO 8601, UTC)
    publication_id: str  # the publication that wrote this file (older for carried-over entries)
    rows: int | None = None  # tables only
    columns: list[dict[str, str]] | None = None  # tables only: [{"name", "dtype"}]
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def is_table(self) -> bool:
        return self.format == TABLE_FORMAT


@dataclass(frozen=True)
class Manifest:
    schema_version: int
    publication_id: str
    published_at: str
    previous_publication_id: str | None
    model: dict[str, Any]
    datasets: dict[str, DatasetEntry]

    def entry(self, name: str) -> DatasetEntry:
        try:
            return self.datasets[name]
        except KeyError:
            raise UnknownDataset(f"{name!r} is not published; have {sorted(self.datasets)}") from None

    def paths(self) -> set[str]:
        return {entry.path for entry in self.datasets.values()}

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1, sort_keys=True, default=_json_default).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data)
        if raw.get("schema_version") != SCHEMA_VERSION:
            raise PublishedStoreError(
                f"manifest schema_version {raw.get('schema_version')!r}; this code reads {SCHEMA_VERSION}"
            )
        datasets = {name: _known_fields(DatasetEntry, e) for name, e in raw.pop("datasets").items()}
        return _known_fields(cls, raw, datasets=datasets)


@dataclass(frozen=True)
class Publication:
    """Tables and artifacts read from one manifest, so they belong together."""

    manifest: Manifest
    tables: dict[str, pl.DataFrame]
    artifacts: dict[str, bytes]


def _known_fields(cls: type[_T], raw: Mapping[str, Any], **extra: Any) -> _T:
    """Build ``cls`` ignoring unknown keys: additive changes need no schema_version bump."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in raw.items() if k in names}, **extra)


def _json_default(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"provenance values must be JSON-serialisable, got {type(value).__name__}")


def _utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class _Payload:
    """Serialised bytes of one dataset, before it gets its key."""

    data: bytes
    format: str
    frame: pl.DataFrame | None = None

    @cached_property
    def sha256(self) -> str:
        return sha256_hex(self.data)

    def entry(
        self, path: str, publication_id: str, moment: dt.datetime, provenance: Mapping[str, Any]
    ) -> DatasetEntry:
        return DatasetEntry(
            path=path,
            format=self.format,
            media_type=MEDIA_TYPES[self.format],
            sha256=self.sha256,
            bytes=len(self.data),
            created_at=_utc_iso(moment),
            publication_id=publication_id,
            rows=None if self.frame is None else self.frame.height,
            columns=None if self.frame is None else _schema(self.frame),
            provenance=dict(provenance),
        )


def _schema(frame: pl.DataFrame) -> list[dict[str, str]]:
    return [{"name": column, "dtype": str(dtype)} for column, dtype in frame.schema.items()]


def _payloads(tables: Mapping[str, pl.DataFrame], artifacts: Mapping[str, Artifact]) -> dict[str, _Payload]:
    payloads = {name: _Payload(_parquet_bytes(frame), TABLE_FORMAT, frame) for name, frame in tables.items()}
    for name, artifact in artifacts.items():
        if artifact.format not in MEDIA_TYPES or artifact.format == TABLE_FORMAT:
            raise ValueError(f"artifact {name!r}: unsupported format {artifact.format!r}")
        payloads[name] = _Payload(artifact.data, artifact.format)
    return payloads


def _check_names(tables: Iterable[str], artifacts: Iterable[str], remove: Iterable[str]) -> None:
    groups = [set(tables), set(artifacts), set(remove)]
    names = set().union(*groups)
    if not names:
        raise ValueError("nothing to publish")
    if sum(len(g) for g in groups) != len(names):
        raise ValueError("a dataset name appears more than once among tables, artifacts and remove")
    bad = sorted(n for n in names if not _NAME.match(n) or n in _RESERVED)
    if bad:
        raise ValueError(f"invalid dataset names {bad}: use lower_snake_case, not {sorted(_RESERVED)}")


def _publication_time(now: dt.datetime, previous: Manifest | None) -> dt.datetime:
    """``now``, nudged past the previous publication so ids keep increasing under clock skew."""
    if now.tzinfo is None:
        raise ValueError("publication time must be timezone-aware")
    now = now.astimezone(dt.UTC)
    if previous is not None:
        floor = dt.datetime.fromisoformat(previous.published_at) + dt.timedelta(microseconds=1)
        now = max(now, floor)
    return now


def _publication_id(moment: dt.datetime, previous: Manifest | None, checksums: Mapping[str, str]) -> str:
    seed = json.dumps([previous.publication_id if previous else None, sorted(checksums.items())])
    return f"{moment.strftime(_STAMP)}-{sha256_hex(seed.encode())[:8]}"


def _id_of_key(key: str) -> str | None:
    """The publication id in a data or history key, None for keys this module did not write."""
    stem = key.rsplit("/", 1)[-1].split(".", 1)[0]
    return stem if re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{8}", stem) else None


class PublishedStore:
    """Publish and read versioned datasets under ``published/`` of a blob store."""

    def __init__(self, blobs: BlobStore):
        self.blobs = blobs

    # -- reading -------------------------------------------------------------------------

    def manifest_token(self) -> str | None:
        """Changes whenever the manifest is replaced; cheap (a stat or a HEAD). None before any."""
        try:
            return self.blobs.change_token(MANIFEST_KEY)
        except BlobNotFound:
            return None

    def manifest(self) -> Manifest | None:
        """The current manifest, or None before the first publication."""
        try:
            return Manifest.from_json(self.blobs.get(MANIFEST_KEY))
        except BlobNotFound:
            return None

    def _current(self) -> Manifest:
        manifest = self.manifest()
        if manifest is None:
            raise PublishedStoreError(f"nothing published yet under {self.blobs.uri(ROOT)}")
        return manifest

    def _read_verified(self, entry: DatasetEntry) -> bytes:
        data = self.blobs.get(entry.path)
        if len(data) != entry.bytes or sha256_hex(data) != entry.sha256:
            raise ChecksumMismatch(f"{entry.path}: content does not match the manifest checksum")
        return data

    def read_table(self, name: str, manifest: Manifest | None = None) -> pl.DataFrame:
        """A published table, checksum verified; pass ``manifest`` to read several consistently."""
        entry = (manifest or self._current()).entry(name)
        if not entry.is_table:
            raise ValueError(f"{name!r} is a {entry.format} artifact; use read_artifact")
        return pl.read_parquet(io.BytesIO(self._read_verified(entry)))

    def read_artifact(self, name: str, manifest: Manifest | None = None) -> bytes:
        entry = (manifest or self._current()).entry(name)
        if entry.is_table:
            raise ValueError(f"{name!r} is a table; use read_table")
        return self._read_verified(entry)

    def read_publication(self, names: Iterable[str] | None = None, attempts: int = 3) -> Publication:
        """Every named dataset (default: all) from one manifest.

        A file can vanish under a reader only when garbage collection ran after the reader
        took its manifest; the reader then starts over with the newer manifest.
        """
        for _ in range(attempts):
            manifest = self._current()
            wanted = list(manifest.datasets) if names is None else list(names)
            try:
                return self._read_all(manifest, wanted)
            except BlobNotFound as exc:
                latest = self.manifest()
                if latest is not None and latest.publication_id == manifest.publication_id:
                    raise PublishedStoreError(f"the current manifest lists a missing file: {exc}") from exc
        raise PublishedStoreError(f"the publication kept changing under the reader ({attempts} attempts)")

    def _read_all(self, manifest: Manifest, names: list[str]) -> Publication:
        tables: dict[str, pl.DataFrame] = {}
        artifacts: dict[str, bytes] = {}
        for name in names:
            if manifest.entry(name).is_table:
                tables[name] = self.read_table(name, manifest)
            else:
                artifacts[name] = self.read_artifact(name, manifest)
        return Publication(manifest=manifest, tables=tables, artifacts=artifacts)

    def history(self) -> list[str]:
        """Publication ids of every manifest still stored, oldest first."""
        ids = (_id_of_key(key) for key in self.blobs.list(HISTORY_PREFIX))
        return sorted(i for i in ids if i)

    # -- writing -------------------------------------------------------------------------

    def publish(
        self,
        tables: Mapping[str, pl.DataFrame] | None = None,
        artifacts: Mapping[str, Artifact] | None = None,
        *,
        provenance: Mapping[str, Any] | None = None,
        model: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        now: dt.datetime | None = None,
    ) -> Manifest:
        """Publish new versions of some datasets; the others keep their current entry.

        ``provenance`` (model name/version/alias, data versions, ...) is recorded on every
        dataset written by this call; ``model`` replaces the manifest's top-level model
        info (kept from the previous manifest when omitted). ``remove`` drops datasets.
        """
        tables, artifacts, remove = dict(tables or {}), dict(artifacts or {}), list(remove)
        _check_names(tables, artifacts, remove)
        previous = self.manifest()
        moment = _publication_time(now or dt.datetime.now(dt.UTC), previous)
        payloads = _payloads(tables, artifacts)
        publication_id = _publication_id(moment, previous, {n: p.sha256 for n, p in payloads.items()})

        datasets = dict(previous.datasets) if previous else {}
        for name in remove:
            if name not in datasets:
                raise UnknownDataset(f"cannot remove {name!r}: not published")
            del datasets[name]
        for name, payload in payloads.items():
            path = f"{ROOT}/{name}/{publication_id}.{payload.format}"
            datasets[name] = payload.entry(path, publication_id, moment, provenance or {})
        manifest = Manifest(
            schema_version=SCHEMA_VERSION,
            publication_id=publication_id,
            published_at=_utc_iso(moment),
            previous_publication_id=previous.publication_id if previous else None,
            model=dict(model) if model is not None else (previous.model if previous else {}),
            datasets=datasets,
        )
        document = manifest.to_json()  # before any write: bad provenance leaves nothing behind

        for name, payload in payloads.items():
            self._write_once(datasets[name].path, payload.data)
        self.blobs.put(MANIFEST_KEY, document)  # the switch: one atomic put
        # history lists only manifests that went live; GC counts ``keep`` in it
        self._write_once(f"{HISTORY_PREFIX}/{publication_id}.json", document)
        return Manifest.from_json(document)  # exactly what readers will see

    def _write_once(self, key: str, data: bytes) -> None:
        if not self.blobs.put_if_absent(key, data) and sha256_hex(self.blobs.get(key)) != sha256_hex(data):
            raise PublishedStoreError(f"{key} already exists with other content")

    # -- garbage collection --------------------------------------------------------------

    def collect_garbage(self, keep: int = 3) -> list[str]:
        """Delete files only older publications use; return the deleted keys.

        Kept: every file the newest ``keep`` manifests (and the current one) reference, and
        every file at least as new as the oldest kept publication, which protects a
        publication still being written. Keys this module did not write are never touched.
        """
        if keep < 1:
            raise ValueError("keep must be at least 1")
        current = self.manifest()
        if current is None:
            return []
        kept_ids = set(self.history()[-keep:]) | {current.publication_id}
        referenced = current.paths()
        for publication_id in kept_ids - {current.publication_id}:
            try:
                referenced |= Manifest.from_json(
                    self.blobs.get(f"{HISTORY_PREFIX}/{publication_id}.json")
                ).paths()
            except BlobNotFound:
                continue
        oldest_kept = min(kept_ids)
        deleted = []
        for key in self.blobs.list(ROOT):
            publication_id = _id_of_key(key)
            if key == MANIFEST_KEY or publication_id is None or key in referenced:
                continue
            if publication_id < oldest_kept:
                self.blobs.delete(key)
                deleted.append(key)
        return deleted
