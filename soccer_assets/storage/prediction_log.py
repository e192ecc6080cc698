"""Append-only log of the predictions made for upcoming matches.

Quality monitoring must score only predictions made *before* kickoff. The ``predictions``
asset is recomputed on every run, so its current value cannot tell when a forecast was
made; each run therefore also writes its upcoming-match forecasts to an immutable file
``prediction_log/<UTC stamp>_<batch id>.parquet`` (never overwritten). Reading the log gives, per
match, every forecast with its ``predicted_at``.
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl

from soccer_assets.storage.blobstore import BlobStore

LOG_ROOT = "prediction_log"


class PredictionLog:
    def __init__(self, blobs: BlobStore, root: str = LOG_ROOT):
        self.blobs = blobs
        self.root = root

    def append(self, frame: pl.DataFrame, predicted_at: dt.datetime, batch_id: str) -> str | None:
        """Store one batch (must carry ``predicted_at``); returns its key, None for an empty batch.

        ``batch_id`` (the Dagster run id) keeps two batches stamped with the same time apart.
        """
        if frame.is_empty():
            return None
        if "predicted_at" not in frame.columns:
            raise ValueError("logged predictions need a predicted_at column")
        stamp = predicted_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        key = f"{self.root}/{stamp}_{batch_id}.parquet"
        buffer = io.BytesIO()
        frame.write_parquet(buffer, compression="zstd")
        if not self.blobs.put_if_absent(key, buffer.getvalue()):
            raise FileExistsError(f"prediction log batch {key} already exists")
        return key

    def read(self) -> pl.DataFrame:
        """Every logged forecast, oldest batch first (empty frame when nothing was logged)."""
        keys = [k for k in self.blobs.list(self.root) if k.endswith(".parquet")]
        frames = [pl.read_parquet(io.BytesIO(self.blobs.get(k))) for k in sorted(keys)]
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()

    def latest_before_kickoff(self, kickoffs: pl.DataFrame) -> pl.DataFrame:
        """Per match of ``kickoffs`` (match_id, kickoff_date, kickoff_utc) the last forecast made before it.

        Without a kickoff time only forecasts from an earlier day count as pre-match.
        """
        log = self.read()
        if log.is_empty():
            return log
        kickoff = pl.coalesce(
            pl.col("kickoff_utc"), pl.col("kickoff_date").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        )
        known = kickoffs.select("match_id", kickoff.alias("_kickoff"))
        return (
            log.join(known, on="match_id", how="inner")
            .filter(pl.col("predicted_at") < pl.col("_kickoff"))
            .sort("match_id", "predicted_at")
            .group_by("match_id", maintain_order=True)
            .last()
            .drop("_kickoff")
        )
