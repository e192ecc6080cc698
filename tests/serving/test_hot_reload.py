"""New publications reach a running API without a failed request, on local disk and on S3."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from soccer_assets.storage.blobstore import LocalBlobStore, S3BlobStore
from soccer_assets.storage.published import MANIFEST_KEY, PublishedStore
from tests.services import seaweed_s3
from tests.serving.conftest import api_process

pytestmark = pytest.mark.slow
RELOAD_S = 0.5


@dataclass
class Observed:
    responses: list[tuple[int, str | None, str | None, int | None]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def _hammer(api, stop: threading.Event, seen: Observed) -> None:
    with api.client() as client:
        while not stop.is_set():
            try:
                r = client.get("/predict/cards/", params={"limit": 5000})
                body = r.json() if r.status_code == 200 else {}
                seen.responses.append(
                    (
                        r.status_code,
                        r.headers.get("x-publication-id"),
                        body.get("publication_id"),
                        body.get("total"),
                    )
                )
            except BaseException as exc:
                seen.errors.append(exc)
                return


def _served_id(api) -> str:
    with api.client() as client:
        return client.get("/healthcheck/ready").json()["publication_id"]


def _wait_for(api, publication_id: str, limit_s: float) -> None:
    started = time.monotonic()
    while _served_id(api) != publication_id:
        assert time.monotonic() - started < limit_s, f"{publication_id} not served within {limit_s} s"
        time.sleep(0.05)


def _reload_under_load(api, writer: PublishedStore) -> None:
    base = writer.read_table("cards")
    expected = {writer.manifest().publication_id: base.height}
    stop, seen = threading.Event(), Observed()
    threads = [threading.Thread(target=_hammer, args=(api, stop, seen)) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for dropped in (1, 2, 3, 4):
            manifest = writer.publish(
                {"cards": base.head(base.height - dropped)}, provenance={"test": dropped}
            )
            expected[manifest.publication_id] = base.height - dropped
            # a deadline, not a speed target: a few reload periods, with room for a loaded machine
            _wait_for(api, manifest.publication_id, RELOAD_S + 15.0)
            time.sleep(0.3)  # some requests on the new publication
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not seen.errors, seen.errors[:1]
    assert len(seen.responses) > 50
    statuses = {status for status, *_ in seen.responses}
    assert statuses == {200}
    for _, header, body_id, total in seen.responses:
        assert header == body_id and total == expected[body_id]  # body and header: one publication
    assert len({body_id for _, _, body_id, _ in seen.responses}) >= 4


def _broken_publication_keeps_the_old_one(api, writer: PublishedStore) -> None:
    good = writer.manifest()
    document = json.loads(good.to_json())
    document["publication_id"] = good.publication_id[:-8] + "deadbeef"
    document["datasets"]["cards"]["sha256"] = "0" * 64  # the file no longer matches its manifest
    writer.blobs.put(MANIFEST_KEY, json.dumps(document).encode())
    time.sleep(RELOAD_S * 4)
    with api.client() as client:
        ready = client.get("/healthcheck/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert "ChecksumMismatch" in " ".join(ready.json()["reasons"])
        cards = client.get("/predict/cards", params={"limit": 1})
        assert cards.status_code == 200 and cards.headers["x-publication-id"] == good.publication_id
    fixed = writer.publish({"cards": writer.read_table("cards", good)})
    _wait_for(api, fixed.publication_id, RELOAD_S + 15.0 + 30)  # failed loads are retried at a slower pace
    with api.client() as client:
        assert client.get("/healthcheck/ready").json()["status"] == "ok"


def test_hot_reload_on_local_disk(pipeline_store, tmp_path):
    store = pipeline_store.copy_to(tmp_path / "store")
    writer = PublishedStore(LocalBlobStore(store))
    with api_process(str(store), tmp_path, SOCCER_API_RELOAD_S=str(RELOAD_S)) as api:
        _reload_under_load(api, writer)
        _broken_publication_keeps_the_old_one(api, writer)
        (store / "published" / "manifest.json").rename(store / "published" / "manifest.moved")
        time.sleep(RELOAD_S * 3)
        with api.client() as client:
            ready = client.get("/healthcheck/ready").json()
            assert ready["status"] == "degraded" and "disappeared" in " ".join(ready["reasons"])
            assert client.get("/predict/cards").status_code == 200  # still serving the cached publication


@contextmanager
def _bucket_copy(pipeline_store, tmp_path) -> Iterator[tuple[str, dict[str, str], S3BlobStore, object]]:
    (tmp_path / "s3").mkdir()
    with seaweed_s3(tmp_path / "s3") as server:
        bucket = server.new_bucket()
        blobs = S3BlobStore(server.client(), bucket, "soccer")
        local = LocalBlobStore(pipeline_store.root)
        for key in local.list("published"):
            blobs.put(key, local.get(key))
        env = {**server.env(), "SOCCER_S3_ENDPOINT_URL": server.endpoint_url, "SOCCER_S3_REGION": "us-east-1"}
        yield f"s3://{bucket}/soccer", env, blobs, server


def test_served_from_s3_with_hot_reload_and_an_outage(pipeline_store, tmp_path):
    published = pipeline_store.published.read_publication(["cards"])
    with _bucket_copy(pipeline_store, tmp_path) as (url, env, blobs, server):
        writer = PublishedStore(blobs)
        with api_process(url, tmp_path, SOCCER_API_RELOAD_S=str(RELOAD_S), **env) as api:
            with api.client() as client:
                body = client.get("/predict/cards", params={"limit": 5000}).json()
                assert body["publication_id"] == published.manifest.publication_id
                assert body["total"] == published.tables["cards"].height
                assert client.get(
                    "/monitoring/drift/report"
                ).content == pipeline_store.published.read_artifact("drift_report_html")
            _reload_under_load(api, writer)
            _broken_publication_keeps_the_old_one(api, writer)
        # the store goes away while an API serves it: cached publication, degraded readiness
        with api_process(url, tmp_path, SOCCER_API_RELOAD_S=str(RELOAD_S), **env) as api:
            server.stop()
            time.sleep(RELOAD_S * 6)
            with api.client() as client:
                ready = client.get("/healthcheck/ready").json()
                assert ready["status"] == "degraded" and "store unreachable" in " ".join(ready["reasons"])
                assert client.get("/predict/cards", params={"limit": 1}).status_code == 200
