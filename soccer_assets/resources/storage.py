"""Storage resources: one place that knows whether data lives on disk or in S3."""

from __future__ import annotations

import io
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


class PolarsParquetIOManager(dg.ConfigurableIOManager):
    """Persists polars DataFrames as Parquet under ``assets/<asset key>[/<partition>].parquet``.

    Writes are atomic (see ``blobstore``), so a failed run never leaves a half-written
    table behind and readers keep seeing the previous version.
    """

    storage: StorageResource

    def table_key(self, asset_key: dg.AssetKey, partition: str | None = None) -> str:
        base = "/".join([ASSETS_ROOT, *asset_key.path])
        if partition is None:
            return f"{base}.parquet"
        return f"{base}/{partition.replace('|', '/')}.parquet"

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        if not isinstance(obj, pl.DataFrame):
            raise TypeError(
                f"{context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "this IO manager stores polars DataFrames only"
            )
        partition = context.partition_key if context.has_asset_partitions else None
        key = self.table_key(context.asset_key, partition)
        store = self.storage.blobstore()
        store.put(key, frame_to_parquet(obj))
        context.add_output_metadata(
            {"rows": obj.height, "columns": obj.width, "path": dg.MetadataValue.path(store.uri(key))}
        )

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        store = self.storage.blobstore()
        asset_key = context.asset_key
        if not context.has_asset_partitions:
            return self._read(store, self.table_key(asset_key, None))
        frames = []
        for partition in context.asset_partition_keys:
            try:
                frames.append(self._read(store, self.table_key(asset_key, partition)))
            except FileNotFoundError:
                context.log.warning(f"{asset_key.to_user_string()} partition {partition} has no data")
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()

    def read_table(self, asset_key: dg.AssetKey, partition: str | None = None) -> pl.DataFrame:
        """The stored value of an asset, outside of a run (CLI, benchmarks, tests)."""
        return self._read(self.storage.blobstore(), self.table_key(asset_key, partition))

    @staticmethod
    def _read(store: BlobStore, key: str) -> pl.DataFrame:
        try:
            return parquet_to_frame(store.get(key))
        except BlobNotFound as exc:
            raise FileNotFoundError(f"no stored table at {store.uri(key)}; materialize it first") from exc
