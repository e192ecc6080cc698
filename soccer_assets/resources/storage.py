"""Storage resources: one place that knows whether data lives on disk or in S3."""

from __future__ import annotations

import io
import json
from typing import Any

import dagster as dg
import polars as pl
from dagster_aws.s3 import S3Resource

from soccer_assets.storage.blobstore import BlobNotFound, BlobStore, is_s3_url, open_blobstore
from soccer_assets.storage.snapshots import SnapshotStore

ASSETS_ROOT = "assets"


class StorageResource(dg.ConfigurableResource):
    """The platform's store: a local folder or ``s3://bucket/prefix``.

    S3 access goes through dagster-aws's ``S3Resource`` (endpoint, region; credentials
    from the standard AWS environment variables), so any S3-compatible server works.
    """

    url: str
    s3: S3Resource

    @property
    def is_remote(self) -> bool:
        return is_s3_url(self.url)

    def blobstore(self) -> BlobStore:
        return open_blobstore(self.url, self.s3.get_client if self.is_remote else None)

    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.blobstore())


def frame_to_parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True)
    return buffer.getvalue()


def parquet_to_frame(data: bytes) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(data))


def table_key(asset_key: dg.AssetKey, partition: str | None = None) -> str:
    """Where the Parquet IO manager keeps an asset (partition keys like ``E0|2324`` become folders)."""
    base = "/".join([ASSETS_ROOT, *asset_key.path])
    if partition is None:
        return f"{base}.parquet"
    return f"{base}/{partition.replace('|', '/')}.parquet"


def read_asset_table(
    storage: StorageResource, asset_key: dg.AssetKey, partition: str | None = None
) -> pl.DataFrame:
    """The stored value of a table asset outside of its IO manager (CLI, optional inputs, tests)."""
    store = storage.blobstore()
    key = table_key(asset_key, partition)
    try:
        return parquet_to_frame(store.get(key))
    except BlobNotFound as exc:
        raise FileNotFoundError(f"no stored table at {store.uri(key)}; materialize it first") from exc


class PolarsParquetIOManager(dg.ConfigurableIOManager):
    """Persists polars DataFrames as Parquet under ``assets/<asset key>[/<partition>].parquet``.

    Writes are atomic (see ``blobstore``), so a failed run never leaves a half-written
    table behind and readers keep seeing the previous version.
    """

    storage: StorageResource

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        if not isinstance(obj, pl.DataFrame):
            raise TypeError(
                f"{context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "this IO manager stores polars DataFrames only"
            )
        partition = context.partition_key if context.has_asset_partitions else None
        key = table_key(context.asset_key, partition)
        store = self.storage.blobstore()
        store.put(key, frame_to_parquet(obj))
        context.add_output_metadata(
            {"rows": obj.height, "columns": obj.width, "path": dg.MetadataValue.path(store.uri(key))}
        )

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        asset_key = context.asset_key
        if not context.has_asset_partitions:
            return read_asset_table(self.storage, asset_key)
        frames = []
        for partition in context.asset_partition_keys:
            try:
                frames.append(read_asset_table(self.storage, asset_key, partition))
            except FileNotFoundError:
                context.log.warning(f"{asset_key.to_user_string()} partition {partition} has no data")
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


class JsonIOManager(dg.ConfigurableIOManager):
    """Small JSON documents (tuning results, model cards) under ``assets/<asset key>.json``."""

    storage: StorageResource

    def _key(self, asset_key: dg.AssetKey) -> str:
        return "/".join([ASSETS_ROOT, *asset_key.path]) + ".json"

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if not isinstance(obj, dict):
            raise TypeError(
                f"{context.asset_key.to_user_string()} must return a dict for the JSON IO manager"
            )
        self.storage.blobstore().put(
            self._key(context.asset_key), json.dumps(obj, indent=1, default=str).encode()
        )

    def load_input(self, context: dg.InputContext) -> dict[str, Any]:
        try:
            return json.loads(self.storage.blobstore().get(self._key(context.asset_key)))
        except BlobNotFound as exc:
            raise FileNotFoundError(
                f"{context.asset_key.to_user_string()} has not been materialized"
            ) from exc

    def read(self, asset_key: dg.AssetKey) -> dict[str, Any]:
        return json.loads(self.storage.blobstore().get(self._key(asset_key)))
