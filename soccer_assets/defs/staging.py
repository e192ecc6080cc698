"""Write-audit-publish: where a table that failed its audit goes instead of being published.

Dagster's IO manager stores an asset's output before any separate asset check runs, and
a blocking check stops only the later steps of the same run, so a bad table would already
be what every later run reads. Tables that readers must be able to trust (``matches``,
``fixtures``, ``fonbet_links``, ``fonbet_odds``) therefore audit themselves inside the
asset, as blocking check specs, and yield their output only when the audit passes. A
table that fails is written here, named in the failed check's metadata, and the table in
force stays what every reader gets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import check_result
from soccer_assets.lib.schemas.report import ValidationReport
from soccer_assets.resources.storage import StorageResource, frame_to_parquet

STAGING_ROOT = "staging"


def stage_rejected(
    context: dg.AssetExecutionContext, storage: StorageResource, asset: str, table: pl.DataFrame
) -> dg.MetadataValue:
    """Keep a table that failed its audit for inspection; returns where it is."""
    store = storage.blobstore()
    key = f"{STAGING_ROOT}/{asset}/{context.run_id}.parquet"
    store.put(key, frame_to_parquet(table))
    context.log.error(f"{asset} failed its audit and was not published; kept at {store.uri(key)}")
    return dg.MetadataValue.path(store.uri(key))


def audited_output(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    check_name: str,
    table: pl.DataFrame,
    report: ValidationReport,
    metadata: Mapping[str, Any],
    data_version: dg.DataVersion | None = None,
) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
    """The audit's result, then the output only if it passed (else the table is staged)."""
    if not report.passed:
        staged = stage_rejected(context, storage, "/".join(context.asset_key.path), table)
        yield dg.AssetCheckResult(
            check_name=check_name,
            passed=False,
            metadata=check_result(report, extra={"staged_table": staged}).metadata,
            description=f"not published, the previous table stays in force: {report.summary()}",
        )
        return
    yield dg.AssetCheckResult(check_name=check_name, passed=True, metadata={"rows": table.height})
    yield dg.Output(table, metadata=dict(metadata), data_version=data_version)
