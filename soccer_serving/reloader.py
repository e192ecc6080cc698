"""Keeps the served snapshot current: watch the manifest, load a new publication off the loop, swap.

The check is cheap (a stat of ``manifest.json`` on disk, a HEAD on S3); only a changed
token leads to reading the manifest, and only a new publication id to loading datasets.
Loading runs in a worker thread; the swap is one reference assignment, so requests in
flight finish on the snapshot they started with. A failed load (checksum, missing file,
unreadable store) keeps the old snapshot and is reported by the readiness check until a
later load succeeds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass

from soccer_assets.storage.published import PublishedStore
from soccer_serving.metrics import ApiMetrics
from soccer_serving.settings import ApiSettings
from soccer_serving.snapshot import Snapshot, load_snapshot

log = logging.getLogger("soccer_serving.reloader")
RETRY_FAILED_AFTER_S = 30.0  # a publication that failed to load is retried at this pace, not every tick


@dataclass(frozen=True)
class Health:
    status: str  # ok | degraded | unavailable
    reasons: tuple[str, ...]


class Publications:
    """The current snapshot and what the last attempts to refresh it said."""

    def __init__(self, store: PublishedStore, settings: ApiSettings, metrics: ApiMetrics):
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.current: Snapshot | None = None
        self.last_error: str | None = None
        self.store_error: str | None = None
        self.last_checked_at: dt.datetime | None = None
        self.reloads_ok = 0
        self.reloads_failed = 0
        self._token: str | None = None
        self._failed: tuple[str | None, float] | None = None
        self._loader = load_snapshot

    def refresh(self) -> bool:
        """Load the current publication if it is new; True when the snapshot was swapped."""
        self.last_checked_at = dt.datetime.now(dt.UTC)
        try:
            token = self.store.manifest_token()
        except Exception as exc:  # any transport error: keep serving what we have
            self.store_error = f"{type(exc).__name__}: {exc}"
            self.metrics.reloads.labels("unreachable").inc()
            return False
        if token is None:
            if self.current is not None:  # it was there: the store lost it, we keep what we have
                self.store_error = "published/manifest.json has disappeared from the store"
                self.metrics.reloads.labels("unreachable").inc()
            else:
                self.last_error = "nothing has been published yet"
            return False
        self.store_error = None
        if token == self._token:
            return False
        if (
            self._failed
            and self._failed[0] == token
            and time.monotonic() - self._failed[1] < RETRY_FAILED_AFTER_S
        ):
            return False
        try:
            manifest = self.store.manifest()
            if manifest is None:
                return False
            if self.current is not None and manifest.publication_id == self.current.publication_id:
                self._token = token
                return False
            snapshot = self._loader(
                self.store,
                manifest,
                cache_entries=self.settings.cache_max_entries,
                cache_bytes=self.settings.cache_max_bytes,
            )
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._failed = (token, time.monotonic())
            self.reloads_failed += 1
            self.metrics.reloads.labels("failed").inc()
            log.warning("publication not loaded, still serving %s: %s", self.publication_id, self.last_error)
            return False
        self.current = snapshot
        self._token = token
        self._failed = None
        self.last_error = None
        self.reloads_ok += 1
        self.metrics.reloads.labels("ok").inc()
        log.info("serving publication %s (model v%s)", snapshot.publication_id, snapshot.model.version)
        return True

    @property
    def publication_id(self) -> str | None:
        return self.current.publication_id if self.current else None

    async def watch(self) -> None:
        """Poll forever (cancelled at shutdown)."""
        while True:
            await asyncio.sleep(self.settings.reload_s)
            try:
                await asyncio.to_thread(self.refresh)
            except Exception:  # never let the watcher die
                log.exception("publication watcher failed")

    def health(self, now: dt.datetime | None = None) -> Health:
        if self.current is None:
            return Health(
                "unavailable", (self.last_error or self.store_error or "no publication loaded yet",)
            )
        reasons = []
        now = now or dt.datetime.now(dt.UTC)
        age = (now - self.current.published_at).total_seconds()
        if age > self.settings.max_publication_age_s:
            reasons.append(
                f"publication {self.current.publication_id} is {age / 3600:.1f} h old "
                f"(freshness limit {self.settings.max_publication_age_s / 3600:.0f} h)"
            )
        if self.last_error:
            reasons.append(f"last reload failed: {self.last_error}")
        if self.store_error:
            reasons.append(f"store unreachable, serving the cached publication: {self.store_error}")
        return Health("degraded" if reasons else "ok", tuple(reasons))
