"""Append-only log of the predictions made for upcoming matches, partitioned by month and compacted.

Quality monitoring must score only predictions made *before* kickoff. The ``predictions``
asset is recomputed on every run, so its current value cannot tell when a forecast was
made; each run therefore also writes its upcoming-match forecasts to an immutable batch
``prediction_log/<YYYY-MM>/<UTC stamp>_<batch id>.parquet`` (never overwritten, never
deleted; batches written before the month folders, ``prediction_log/<stamp>_<id>.parquet``,
are read the same way).

Reading a daily log whole costs one object per day of history, so a finished month is
compacted into one Parquet file by the first append of a later month; the compacted
files are a checkpoint (``storage.checkpoints``) that names the batches each one holds.
A reader takes every compacted month plus the batches no compacted file holds (the
current month, or a batch written late into a closed month, which the next compaction
takes in). ``read(full=True)`` reads every batch and ``rebuild()`` compacts from scratch:
both give the same rows in the same order (batch name order).
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl

from soccer_assets.storage.blobstore import BlobStore
from soccer_assets.storage.checkpoints import CheckpointStore

LOG_ROOT = "prediction_log"
COMPACTION_NAME = "prediction_log"
COMPACTION_FORMAT = 1
BATCH = "_log_batch"  # the batch a row came from, inside compacted files


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


def _name(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def _month(name: str) -> str:
    """``20260319T120000000000Z_<id>.parquet`` -> ``2026-03``."""
    return f"{name[:4]}-{name[4:6]}"


class PredictionLog:
    def __init__(self, blobs: BlobStore, root: str = LOG_ROOT):
        self.blobs = blobs
        self.root = root
        self.compactions = CheckpointStore(blobs, COMPACTION_NAME, COMPACTION_FORMAT)

    def append(self, frame: pl.DataFrame, predicted_at: dt.datetime, batch_id: str) -> str | None:
        """Store one batch (must carry ``predicted_at``); returns its key, None for an empty batch.

        ``batch_id`` (the Dagster run id) keeps two batches stamped with the same time apart.
        Months before this batch's month that have batches no compacted file holds are compacted.
        """
        if frame.is_empty():
            return None
        if "predicted_at" not in frame.columns:
            raise ValueError("logged predictions need a predicted_at column")
        stamp = predicted_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}_{batch_id}.parquet"
        key = f"{self.root}/{_month(name)}/{name}"
        if not self.blobs.put_if_absent(key, _parquet(frame)):
            raise FileExistsError(f"prediction log batch {key} already exists")
        self.compact(before=_month(name))
        return key

    def batches(self) -> dict[str, str]:
        """Every batch: name -> key (a listing, no read)."""
        keys = [k for k in self.blobs.list(self.root) if k.endswith(".parquet")]
        return {_name(k): k for k in keys}

    def _compacted(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        """month -> compacted part key, month -> the batch names it holds."""
        checkpoint = self.compactions.load()
        if checkpoint is None:
            return {}, {}
        return dict(checkpoint.parts), {m: list(v) for m, v in checkpoint.meta["batches"].items()}

    def compact(self, before: str | None = None, rebuild: bool = False) -> list[str]:
        """Compact every month earlier than ``before`` (``YYYY-MM``; all months when None) that has
        batches its compacted file does not hold; returns the months written."""
        parts, held = ({}, {}) if rebuild else self._compacted()
        by_month: dict[str, list[str]] = {}
        for name in sorted(self.batches()):
            by_month.setdefault(_month(name), []).append(name)
        stale = [
            month
            for month, names in by_month.items()
            if (before is None or month < before) and set(names) - set(held.get(month, []))
        ]
        if not stale and not rebuild:
            return []
        batches = self.batches()
        new_parts: dict[str, tuple[bytes, str] | str] = dict(parts)
        for month in stale:
            frames = [self._batch(batches[n], n) for n in by_month[month]]
            new_parts[month] = (_parquet(pl.concat(frames, how="diagonal_relaxed")), "parquet")
            held[month] = by_month[month]
        self.compactions.save({"batches": held}, new_parts)
        return stale

    def rebuild(self) -> list[str]:
        """Compact every closed month again from its batches (the full rebuild)."""
        current = max((_month(n) for n in self.batches()), default=None)
        return self.compact(before=current, rebuild=True)

    def _batch(self, key: str, name: str) -> pl.DataFrame:
        return pl.read_parquet(io.BytesIO(self.blobs.get(key))).with_columns(pl.lit(name).alias(BATCH))

    def read(self, full: bool = False) -> pl.DataFrame:
        """Every logged forecast, oldest batch first (empty frame when nothing was logged).

        ``full=True`` ignores the compacted months and reads every batch.
        """
        batches = self.batches()
        parts, held = ({}, {}) if full else self._compacted()
        covered = {name for names in held.values() for name in names}
        frames = [pl.read_parquet(io.BytesIO(self.blobs.get(key))) for _, key in sorted(parts.items())]
        frames += [self._batch(key, name) for name, key in sorted(batches.items()) if name not in covered]
        if not frames:
            return pl.DataFrame()
        log = pl.concat(frames, how="diagonal_relaxed")
        return log.sort(BATCH, maintain_order=True).drop(BATCH)

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
            log.join(known, on="match_id", how="inner", maintain_order="left")
            .filter(pl.col("predicted_at") < pl.col("_kickoff"))
            .sort("match_id", "predicted_at", maintain_order=True)
            .group_by("match_id", maintain_order=True)
            .last()
            .drop("_kickoff")
        )
