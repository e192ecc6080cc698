"""The published store on a real S3-compatible server (SeaweedFS started by the tests)."""

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from soccer_assets.storage.blobstore import S3BlobStore
from soccer_assets.storage.published import MANIFEST_KEY, Artifact, ChecksumMismatch, PublishedStore
from tests.published_scenarios import publish_while_reading, tagged_tables

pytestmark = pytest.mark.slow


@pytest.fixture
def s3_store(s3_env) -> PublishedStore:
    return PublishedStore(S3BlobStore(s3_env.client(), s3_env.new_bucket(), "platform"))


def test_publish_read_and_collect_on_s3(s3_store, s3_env):
    first = s3_store.publish(
        tagged_tables(1), {"drift_report": Artifact(b"<html/>", "html")}, model={"v": "1"}
    )
    second = s3_store.publish({"predictions": pl.DataFrame({"seq": [2]})})
    bucket = s3_store.blobs.bucket
    keys = {o["Key"] for o in s3_env.client().list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"platform/{MANIFEST_KEY}" in keys
    assert f"platform/{first.datasets['prediction_cards'].path}" in keys

    publication = s3_store.read_publication()
    assert publication.manifest == second and publication.manifest.model == {"v": "1"}
    assert_frame_equal(publication.tables["prediction_cards"], tagged_tables(1)["prediction_cards"])
    assert publication.tables["predictions"]["seq"].to_list() == [2]
    assert publication.artifacts["drift_report"] == b"<html/>"

    deleted = s3_store.collect_garbage(keep=1)
    assert sorted(deleted) == [
        f"published/manifests/{first.publication_id}.json",
        first.datasets["predictions"].path,
    ]
    assert s3_store.read_publication().tables["prediction_cards"].height == 50  # carried over, kept

    s3_env.client().put_object(
        Bucket=bucket, Key=f"platform/{second.datasets['predictions'].path}", Body=b"x"
    )
    with pytest.raises(ChecksumMismatch):
        s3_store.read_table("predictions")


def test_concurrent_readers_see_one_whole_publication_on_s3(s3_store):
    logs = publish_while_reading(s3_store, publications=15, after_each=lambda s: s.collect_garbage(keep=1))
    assert all(log.reads > 0 for log in logs)
    assert len(set().union(*(log.seen for log in logs))) >= 2
