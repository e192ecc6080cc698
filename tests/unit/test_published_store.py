"""The published store contract on local disk: layout, manifest, atomic switch, checksums, GC."""

from __future__ import annotations

import datetime as dt
import json
import re

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from soccer_assets.storage.blobstore import LocalBlobStore
from soccer_assets.storage.published import (
    MANIFEST_KEY,
    Artifact,
    ChecksumMismatch,
    Manifest,
    PublishedStore,
    PublishedStoreError,
    UnknownDataset,
)
from soccer_assets.storage.snapshots import sha256_hex
from tests.published_scenarios import TABLES, publish_while_reading, tagged_tables

T0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
CARDS = pl.DataFrame({"match_id": ["E0_2026-05-02_a_b", "E0_2026-05-02_c_d"], "prob_home": [0.5, 0.25]})
MODEL = {"name": "soccer-1x2", "version": "7", "alias": "champion"}


@pytest.fixture
def blobs(tmp_path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path)


@pytest.fixture
def store(blobs) -> PublishedStore:
    return PublishedStore(blobs)


def test_nothing_published_yet(store):
    assert store.manifest() is None
    with pytest.raises(PublishedStoreError, match="nothing published"):
        store.read_table("prediction_cards")
    assert store.collect_garbage() == []


def test_publish_writes_immutable_files_and_a_complete_manifest(store, blobs):
    html = b"<html>drift</html>"
    manifest = store.publish(
        {"prediction_cards": CARDS},
        {"drift_report": Artifact(html, "html")},
        provenance={"model_version": "7", "data_versions": {"matches": "abc"}},
        model=MODEL,
        now=T0,
    )
    assert re.fullmatch(r"20260501T120000000000Z-[0-9a-f]{8}", manifest.publication_id)
    assert manifest.schema_version == 1 and manifest.previous_publication_id is None
    assert manifest.published_at == "2026-05-01T12:00:00Z" and manifest.model == MODEL

    cards = manifest.datasets["prediction_cards"]
    assert cards.path == f"published/prediction_cards/{manifest.publication_id}.parquet"
    assert cards.sha256 == sha256_hex(blobs.get(cards.path)) and cards.bytes == len(blobs.get(cards.path))
    assert (cards.rows, cards.format, cards.created_at) == (2, "parquet", "2026-05-01T12:00:00Z")
    assert cards.columns == [
        {"name": "match_id", "dtype": "String"},
        {"name": "prob_home", "dtype": "Float64"},
    ]
    assert cards.provenance == {"model_version": "7", "data_versions": {"matches": "abc"}}

    drift = manifest.datasets["drift_report"]
    assert (drift.format, drift.media_type, drift.rows, drift.columns) == (
        "html",
        "text/html; charset=utf-8",
        None,
        None,
    )
    assert drift.path == f"published/drift_report/{manifest.publication_id}.html"

    assert Manifest.from_json(blobs.get(MANIFEST_KEY)) == manifest == store.manifest()
    assert blobs.get(f"published/manifests/{manifest.publication_id}.json") == blobs.get(MANIFEST_KEY)
    assert_frame_equal(store.read_table("prediction_cards"), CARDS)
    assert store.read_artifact("drift_report") == html


def test_datasets_not_named_keep_their_entry_and_the_model(store):
    first = store.publish({"prediction_cards": CARDS}, model=MODEL, now=T0)
    second = store.publish({"drift": pl.DataFrame({"share": [0.1]})}, now=T0 + dt.timedelta(hours=1))
    assert second.previous_publication_id == first.publication_id
    assert second.datasets["prediction_cards"] == first.datasets["prediction_cards"]
    assert second.datasets["prediction_cards"].publication_id == first.publication_id
    assert second.datasets["drift"].created_at == "2026-05-01T13:00:00Z"
    assert second.model == MODEL
    assert_frame_equal(store.read_table("prediction_cards"), CARDS)

    third = store.publish(remove=["drift"], model={"name": "other"}, now=T0 + dt.timedelta(hours=2))
    assert set(third.datasets) == {"prediction_cards"} and third.model == {"name": "other"}
    with pytest.raises(UnknownDataset):
        store.read_table("drift")
    with pytest.raises(UnknownDataset):
        store.publish(remove=["drift"])


def test_publishing_never_overwrites_a_data_file(store, blobs):
    first = store.publish({"prediction_cards": CARDS}, now=T0)
    old = {key: blobs.get(key) for key in blobs.list("published") if key != MANIFEST_KEY}
    store.publish({"prediction_cards": CARDS.head(1)}, now=T0 + dt.timedelta(minutes=1))
    assert {key: blobs.get(key) for key in old} == old
    assert_frame_equal(store.read_table("prediction_cards", first), CARDS)
    assert store.read_table("prediction_cards").height == 1


def test_publication_ids_increase_even_when_the_clock_goes_back(store):
    first = store.publish({"a": CARDS}, now=T0)
    second = store.publish({"a": CARDS}, now=T0 - dt.timedelta(hours=1))
    assert second.publication_id > first.publication_id
    assert second.published_at == "2026-05-01T12:00:00.000001Z"
    assert store.history() == [first.publication_id, second.publication_id]


def test_a_changed_file_is_refused(store, blobs, tmp_path):
    manifest = store.publish({"prediction_cards": CARDS}, {"report": Artifact(b'{"a": 1}', "json")}, now=T0)
    path = tmp_path / manifest.datasets["report"].path
    path.write_bytes(b'{"a": 2}')  # same length, different bytes
    with pytest.raises(ChecksumMismatch):
        store.read_artifact("report")
    cards = tmp_path / manifest.datasets["prediction_cards"].path
    cards.write_bytes(cards.read_bytes() + b"\0")
    with pytest.raises(ChecksumMismatch):
        store.read_table("prediction_cards")
    with pytest.raises(ChecksumMismatch):
        store.read_publication()


class _ManifestPutFails(LocalBlobStore):
    def put(self, key: str, data: bytes) -> None:
        if key == MANIFEST_KEY:
            raise OSError("disk full")
        super().put(key, data)


def test_a_failed_publication_leaves_the_previous_one_visible_and_its_files_are_collected(tmp_path):
    good = PublishedStore(LocalBlobStore(tmp_path)).publish({"prediction_cards": CARDS}, now=T0)
    failing = PublishedStore(_ManifestPutFails(tmp_path))
    with pytest.raises(OSError, match="disk full"):
        failing.publish({"prediction_cards": CARDS.head(1)}, now=T0 + dt.timedelta(minutes=1))

    store = PublishedStore(LocalBlobStore(tmp_path))
    assert store.manifest() == good and store.history() == [good.publication_id]
    assert_frame_equal(store.read_table("prediction_cards"), CARDS)
    orphans = [k for k in store.blobs.list("published") if k != MANIFEST_KEY and good.publication_id not in k]
    assert len(orphans) == 1  # the data file of the publication that never went live
    # newer than every kept publication: possibly still being written, so GC leaves it ...
    assert store.collect_garbage(keep=1) == []
    # ... until a later publication makes it older than everything kept
    later = store.publish({"prediction_cards": CARDS}, now=T0 + dt.timedelta(minutes=2))
    assert sorted(store.collect_garbage(keep=1)) == sorted(
        [*orphans, good.datasets["prediction_cards"].path, f"published/manifests/{good.publication_id}.json"]
    )
    assert store.history() == [later.publication_id]


def test_gc_keeps_the_newest_publications_and_everything_the_current_one_uses(store, blobs):
    model_info = store.publish({"model_info": pl.DataFrame({"v": [1]})}, now=T0)
    manifests = [
        store.publish(
            {"prediction_cards": CARDS.with_columns(seq=pl.lit(i))}, now=T0 + dt.timedelta(hours=i + 1)
        )
        for i in range(4)
    ]
    blobs.put("published/README.txt", b"not written by the store")

    deleted = store.collect_garbage(keep=2)

    assert store.history() == [m.publication_id for m in manifests[-2:]]
    for manifest in manifests[-2:]:
        for path in manifest.paths():
            assert blobs.exists(path)
    assert blobs.exists(model_info.datasets["model_info"].path)  # carried over: still current
    assert blobs.exists("published/README.txt")
    assert sorted(deleted) == sorted(
        [m.datasets["prediction_cards"].path for m in manifests[:2]]
        + [f"published/manifests/{m.publication_id}.json" for m in [model_info, *manifests[:2]]]
    )
    publication = store.read_publication()
    assert (
        publication.tables["prediction_cards"]["seq"].to_list() == [3, 3]
        and "model_info" in publication.tables
    )
    with pytest.raises(ValueError):
        store.collect_garbage(keep=0)


class _PublishesDuringFirstRead(LocalBlobStore):
    """Simulates a writer and GC that run right after a reader took its manifest."""

    def __init__(self, root, on_first_data_read):
        super().__init__(root)
        self.on_first_data_read = on_first_data_read

    def get(self, key: str) -> bytes:
        if key != MANIFEST_KEY and self.on_first_data_read is not None:
            action, self.on_first_data_read = self.on_first_data_read, None
            action()
        return super().get(key)


def test_a_reader_whose_files_were_collected_starts_over_with_the_new_manifest(tmp_path):
    writer = PublishedStore(LocalBlobStore(tmp_path))
    writer.publish(tagged_tables(1), now=T0)

    def publish_twice_and_collect():
        writer.publish(tagged_tables(2), now=T0 + dt.timedelta(minutes=1))
        writer.publish(tagged_tables(3), now=T0 + dt.timedelta(minutes=2))
        writer.collect_garbage(keep=1)

    reader = PublishedStore(_PublishesDuringFirstRead(tmp_path, publish_twice_and_collect))
    publication = reader.read_publication()
    assert {publication.tables[name]["seq"].unique().item() for name in TABLES} == {3}


def test_concurrent_readers_see_one_whole_publication(store):
    logs = publish_while_reading(store, publications=40, after_each=lambda s: s.collect_garbage(keep=1))
    assert all(log.reads > 0 for log in logs)
    assert len(set().union(*(log.seen for log in logs))) >= 2  # the readers did overlap the writer
    assert store.read_publication().manifest.datasets["predictions"].provenance == {"seq": 40}


@pytest.mark.parametrize("name", ["Cards", "manifests", "a/b", "", "1st"])
def test_dataset_names_are_checked(store, name):
    with pytest.raises(ValueError, match="invalid dataset names"):
        store.publish({name: CARDS})


def test_bad_publish_calls_are_refused(store):
    with pytest.raises(ValueError, match="nothing to publish"):
        store.publish()
    with pytest.raises(ValueError, match="more than once"):
        store.publish({"a": CARDS}, {"a": Artifact(b"x", "json")})
    with pytest.raises(ValueError, match="unsupported format"):
        store.publish(artifacts={"a": Artifact(b"x", "exe")})
    with pytest.raises(TypeError, match="JSON-serialisable"):
        store.publish({"a": CARDS}, provenance={"when": object()})
    assert store.blobs.list("published") == []  # refused before anything was written
    with pytest.raises(ValueError, match="timezone-aware"):
        store.publish({"a": CARDS}, now=dt.datetime(2026, 1, 1))
    store.publish(artifacts={"r": Artifact(b"x", "txt")})
    with pytest.raises(ValueError, match="use read_artifact"):
        store.read_table("r")
    assert store.read_artifact("r") == b"x"
    store.publish({"t": CARDS})
    with pytest.raises(ValueError, match="use read_table"):
        store.read_artifact("t")


def test_manifest_json_is_forward_compatible_but_checks_the_schema_version(store, blobs):
    manifest = store.publish({"a": CARDS}, provenance={"when": T0}, now=T0)
    raw = json.loads(blobs.get(MANIFEST_KEY))
    assert raw["datasets"]["a"]["provenance"] == {"when": "2026-05-01T12:00:00+00:00"}
    raw["added_later"] = "ignored"
    raw["datasets"]["a"]["also_added_later"] = 1
    assert Manifest.from_json(json.dumps(raw).encode()).datasets["a"] == manifest.datasets["a"]
    raw["schema_version"] = 2
    with pytest.raises(PublishedStoreError, match="schema_version"):
        Manifest.from_json(json.dumps(raw).encode())
