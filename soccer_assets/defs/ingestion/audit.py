"""Write-audit-publish for the canonical tables.

Dagster's IO manager stores an asset's output before any separate asset check runs, and
a blocking check stops only the later steps of the same run: a bad ``matches`` would
already be the table every later run reads. So the canonical assets audit their table
in the asset itself and yield the output only when the audit passes; a table that fails
is written under ``staging/`` for inspection, the table in force stays what every
reader (this run, a later run of one downstream asset) gets, and the blocking check
fails the step.
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import check_result, latest_materialization
from soccer_assets.lib.schemas.report import ValidationReport
from soccer_assets.resources.storage import StorageResource, frame_to_parquet, read_asset_table

MATCHES_AUDIT = "matches_schema_valid"
FIXTURES_AUDIT = "fixtures_schema_valid"
STAGING_ROOT = "staging"
PARSER_VERSION_KEY = "parser_version"


class MatchesConfig(dg.Config):
    full_rebuild: bool = False
    """Replay every stored snapshot from the first instead of only those after the ones in force."""


def audit_failed(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    check_name: str,
    table: pl.DataFrame,
    report: ValidationReport,
) -> dg.AssetCheckResult:
    """Keep the rejected table for inspection and say where; the table in force is untouched."""
    store = storage.blobstore()
    key = f"{STAGING_ROOT}/{'/'.join(context.asset_key.path)}/{context.run_id}.parquet"
    store.put(key, frame_to_parquet(table))
    context.log.error(
        f"{context.asset_key.to_user_string()} failed its audit and was not published: {report.summary()}"
    )
    result = check_result(report, extra={"staged_table": dg.MetadataValue.path(store.uri(key))})
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=False,
        metadata=result.metadata,
        description=f"not published, the previous table stays in force: {report.summary()}",
    )


def matches_in_force(
    storage: StorageResource, instance: dg.DagsterInstance, parser_version: str
) -> pl.DataFrame | None:
    """The published ``matches``, if this parser wrote it (otherwise everything is replayed)."""
    materialization = latest_materialization(instance, "matches")
    if materialization is None:
        return None
    written_by = materialization.metadata.get(PARSER_VERSION_KEY)
    if written_by is None or written_by.value != parser_version:
        return None
    try:
        return read_asset_table(storage, dg.AssetKey("matches"))
    except FileNotFoundError:
        return None


def partition_rows(table: pl.DataFrame | None, league: str, season_code: str) -> pl.DataFrame | None:
    if table is None:
        return None
    rows = table.filter((pl.col("league") == league) & (pl.col("season") == season_code))
    return rows if rows.height else None
