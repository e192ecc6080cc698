"""Storing a fetched response as an immutable snapshot, the same way for every raw asset."""

from typing import Any

import dagster as dg

from soccer_assets.resources.storage import StorageResource
from soccer_assets.sources.http import FetchResult


def materialize_fetch(
    storage: StorageResource,
    fetched: FetchResult,
    *,
    source: str,
    partition: str,
    extension: str,
    rows: int | None,
    extra: dict[str, Any] | None = None,
) -> dg.MaterializeResult:
    """Save the bytes (content-addressed) plus a fetch record; the data version is the sha256,
    so re-fetching identical bytes does not make downstream assets stale."""
    snapshots = storage.snapshots()
    record = snapshots.save(
        source=source,
        partition=partition,
        url=fetched.url,
        content=fetched.content,
        http_status=fetched.status,
        fetched_at=fetched.fetched_at,
        extension=extension,
        rows=rows,
        headers=fetched.headers,
    )
    return dg.MaterializeResult(
        metadata={**snapshots.describe(record), **(extra or {}), "attempts": fetched.attempts},
        data_version=dg.DataVersion(record.sha256),
    )
