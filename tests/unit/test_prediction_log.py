"""The prediction log: a daily batch for months, read back from compacted months plus loose
batches, equal to reading every batch; reads stay bounded as the log grows."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl

from soccer_assets.storage.blobstore import LocalBlobStore
from soccer_assets.storage.prediction_log import PredictionLog

START = dt.datetime(2024, 8, 17, 6, tzinfo=dt.UTC)


class CountingStore(LocalBlobStore):
    def __init__(self, root: Path):
        super().__init__(root)
        self.gets = 0

    def get(self, key: str) -> bytes:
        self.gets += 1
        return super().get(key)


def batch(day: int, at: dt.datetime) -> pl.DataFrame:
    kickoff = (at + dt.timedelta(days=2)).date()
    return pl.DataFrame(
        {
            "match_id": [f"E0_{kickoff}_a{day}_b{day}", f"E0_{kickoff}_c_d"],
            "kickoff_date": [kickoff, kickoff],
            "kickoff_utc": [None, dt.datetime.combine(kickoff, dt.time(15), tzinfo=dt.UTC)],
            "prob_home": [0.5, 0.4 + day / 1000],
            "prob_draw": [0.25, 0.3],
            "prob_away": [0.25, 0.3 - day / 1000],
            "model_version": ["1", "2" if day > 40 else "1"],
            "predicted_at": [at, at],
        },
        schema_overrides={"kickoff_utc": pl.Datetime("us", "UTC"), "predicted_at": pl.Datetime("us", "UTC")},
    )


def write_days(log: PredictionLog, days: range) -> None:
    for day in days:
        at = START + dt.timedelta(days=day)
        log.append(batch(day, at), at, batch_id=f"run{day}")


def test_reads_stay_bounded_as_daily_batches_accumulate(tmp_path):
    blobs = CountingStore(tmp_path)
    log = PredictionLog(blobs)
    write_days(log, range(90))  # 2024-08-17 .. 2024-11-14: four months, three of them closed
    blobs.gets = 0
    assert log.read().height == 180
    # the compaction manifest, three compacted months and the 14 batches of November
    assert blobs.gets == 1 + 3 + 14


def test_compacted_reads_equal_every_batch_and_a_rebuild(tmp_path):
    log = PredictionLog(LocalBlobStore(tmp_path))
    write_days(log, range(75))
    # a late batch, stamped in a month that is compacted already, and one written the old way
    late = START + dt.timedelta(days=20, hours=3)
    log.append(batch(20, late), late, batch_id="late")
    old = START + dt.timedelta(days=3, hours=1)
    buffer = io.BytesIO()
    batch(3, old).write_parquet(buffer)
    log.blobs.put(f"prediction_log/{old.strftime('%Y%m%dT%H%M%S%fZ')}_legacy.parquet", buffer.getvalue())
    full = log.read(full=True)
    assert full.height == 2 * 77
    assert log.read().equals(full)
    assert log.compact(before="2024-10") == ["2024-08", "2024-09"]  # they take the two in
    assert log.read().equals(full)
    log.rebuild()
    assert log.read().equals(full)
    kickoffs = full.select("match_id", "kickoff_date", "kickoff_utc").unique()
    every_batch = PredictionLog(log.blobs)
    every_batch.read = lambda: full  # type: ignore[method-assign]
    latest = log.latest_before_kickoff(kickoffs)
    assert latest.height == kickoffs["match_id"].n_unique() and latest.equals(
        every_batch.latest_before_kickoff(kickoffs)
    )
