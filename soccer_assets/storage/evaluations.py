"""Holdout evaluations kept per model version.

``model_evaluation`` scores the newest trained version, which may be refused by the gate
or wait as a candidate while another version serves. The publication must show the
figures of the version it serves, so every evaluation is also kept under that version's
name and the publication picks the served one (never another version's under its label).
"""

from __future__ import annotations

import io

import polars as pl

from soccer_assets.storage.blobstore import BlobNotFound, BlobStore

ROOT = "assets/model_evaluation_by_version"


def _key(version: str) -> str:
    return f"{ROOT}/v{version}.parquet"


def save_evaluation(blobs: BlobStore, version: str, table: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    table.write_parquet(buffer)
    blobs.put(_key(version), buffer.getvalue())


def evaluation_of(blobs: BlobStore, version: str, latest: pl.DataFrame) -> pl.DataFrame | None:
    """``version``'s evaluation: ``latest`` if it is that version's, else the kept one (None
    if that version was never evaluated here)."""
    if latest.height and set(latest["model_version"].unique()) == {version}:
        return latest
    try:
        return pl.read_parquet(io.BytesIO(blobs.get(_key(version))))
    except BlobNotFound:
        return None
