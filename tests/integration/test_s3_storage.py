"""Raw snapshots and Parquet tables on a real S3-compatible server (SeaweedFS)."""

import pytest

from soccer_assets.definitions import build_definitions
from soccer_assets.storage.blobstore import BlobNotFound, S3BlobStore
from tests.assets.conftest import Platform
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


def test_blobstore_semantics_on_s3(s3_env):
    store = S3BlobStore(s3_env.client(), s3_env.new_bucket(), "some/prefix")
    store.put("a/b.bin", b"one")
    assert store.get("a/b.bin") == b"one"
    assert not store.put_if_absent("a/b.bin", b"two") and store.get("a/b.bin") == b"one"
    assert store.put_if_absent("a/c.bin", b"three")
    assert store.list("a") == ["a/b.bin", "a/c.bin"]
    assert store.exists("a/c.bin") and not store.exists("a/zzz")
    store.delete("a/c.bin")
    with pytest.raises(BlobNotFound):
        store.get("a/c.bin")
    assert store.uri("a/b.bin").startswith("s3://")


def test_ingestion_on_s3(s3_env, mirror, instance, manifest):
    bucket = s3_env.new_bucket()
    settings = make_settings(
        mirror.url, f"s3://{bucket}/platform", ("E0", "F1"), ["2324"], s3_endpoint_url=s3_env.endpoint_url
    )
    platform = Platform(settings, build_definitions(settings), instance)
    assert platform.fetch("E0", "2324").success
    assert platform.fetch("F1", "2324").success
    assert platform.canonical().success

    keys = [o["Key"] for o in s3_env.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert "platform/assets/matches.parquet" in keys and "platform/assets/fixtures.parquet" in keys
    raw = [
        k for k in keys if k.startswith("platform/raw/football-data/results/E0/2324/") and k.endswith(".csv")
    ]
    sha = platform.latest_metadata("raw_football_data", "E0|2324")["sha256"]
    assert raw == [f"platform/raw/football-data/results/E0/2324/{sha}.csv"]

    matches = platform.table("matches")
    assert matches.height == manifest[("E0", "2324")] + manifest[("F1", "2324")]
    meta = platform.latest_metadata("matches")
    assert meta["covered"] == "E0/2324, F1/2324"
    assert platform.latest_metadata("raw_football_data", "E0|2324")["storage_key"].startswith(
        f"s3://{bucket}/"
    )
