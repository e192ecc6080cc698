"""The snapshot holder and the response cache on their own (no server, a real published store)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from soccer_assets.storage.blobstore import LocalBlobStore
from soccer_assets.storage.published import PublishedStore
from soccer_serving.metrics import ApiMetrics
from soccer_serving.queries import MatchFilter
from soccer_serving.reloader import Publications
from soccer_serving.settings import ApiSettings
from soccer_serving.snapshot import CachedResponse, ResponseCache

pytestmark = pytest.mark.slow  # the store is made by the real pipeline


@pytest.fixture
def store(pipeline_store, tmp_path) -> PublishedStore:
    return PublishedStore(LocalBlobStore(pipeline_store.copy_to(tmp_path / "store")))


def holder(store: PublishedStore, **settings) -> Publications:
    return Publications(store, ApiSettings(storage_url=str(store.blobs.url), **settings), ApiMetrics())


def test_a_new_publication_is_swapped_in_and_an_unchanged_one_is_not_reread(store):
    publications = holder(store)
    assert publications.refresh() and publications.current is not None
    first = publications.current
    calls, loader = [], publications._loader  # noqa: SLF001 - count the loads
    publications._loader = lambda *a, **k: calls.append(1)  # noqa: SLF001
    assert not publications.refresh() and calls == []  # same token: not even the manifest is read
    cards = store.read_table("cards")
    store.publish({"cards": cards.head(10)})
    publications._loader = loader  # noqa: SLF001
    assert publications.refresh()
    assert publications.current is not first and len(publications.current.cards) == 10
    assert len(first.cards) == cards.height  # the old snapshot is untouched for requests still using it


def test_health_reports_age_failures_and_absence(store, tmp_path):
    empty = holder(PublishedStore(LocalBlobStore(tmp_path / "empty")))
    assert not empty.refresh()
    assert (
        empty.health().status == "unavailable" and "nothing has been published" in empty.health().reasons[0]
    )

    publications = holder(store, max_publication_age_s=3600)
    publications.refresh()
    assert publications.health().status == "ok"
    later = publications.current.published_at + dt.timedelta(hours=2)
    health = publications.health(now=later)
    assert health.status == "degraded" and "2.0 h old" in health.reasons[0]

    store.publish({"cards": store.read_table("cards").drop("region")})  # breaks the contract
    assert not publications.refresh()
    assert publications.reloads_failed == 1 and "region" in publications.last_error
    assert "last reload failed" in publications.health().reasons[0]


def test_filters_select_what_the_table_says(store):
    publications = holder(store)
    publications.refresh()
    index, cards = publications.current.cards, store.read_table("cards")
    chosen = index.select(MatchFilter.build(league=["D1"], status="finished", team="bayern"))
    expected = cards.filter(
        (pl.col("league") == "D1")
        & (pl.col("status") == "finished")
        & (
            pl.col("home_team").str.to_lowercase().str.contains("bayern")
            | pl.col("away_team").str.to_lowercase().str.contains("bayern")
        )
    )
    assert sorted(index.items[i].match_id for i in chosen) == sorted(expected["match_id"]) and len(chosen) > 0


def entry(size: int) -> CachedResponse:
    return CachedResponse(b"x" * size, b'"e"', b"application/json", "/r")


def test_response_cache_is_bounded_by_entries_and_bytes():
    cache = ResponseCache(max_entries=3, max_bytes=100)
    for key in "abc":
        cache.put(key, entry(10), raw=("/p", key.encode()))
    cache.get("a")  # a is now the most recently used
    cache.put("d", entry(10))
    assert cache.get("b") is None and cache.get("a") is not None and len(cache) == 3
    assert cache.get_raw("/p", b"b") is None and cache.get_raw("/p", b"a") is not None
    cache.put("big", entry(95))
    assert len(cache) == 1 and cache.get("big") is not None
    cache.put("huge", entry(1000))  # larger than the whole cache: not kept
    assert cache.get("huge") is None
