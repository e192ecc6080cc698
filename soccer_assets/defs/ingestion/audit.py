"""Write-audit-publish of the canonical tables (see ``defs/staging``), and the rows in force
that new snapshots are judged against."""

from __future__ import annotations

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import check_result, latest_materialization
from soccer_assets.defs.staging import stage_rejected
from soccer_assets.lib.schemas.report import ValidationReport
from soccer_assets.resources.storage import StorageResource, read_asset_table

MATCHES_AUDIT = "matches_schema_valid"
FIXTURES_AUDIT = "fixtures_schema_valid"
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
    """The failed audit, with the rejected table kept for inspection; the table in force stays."""
    staged = stage_rejected(context, storage, "/".join(context.asset_key.path), table)
    result = check_result(report, extra={"staged_table": staged})
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
