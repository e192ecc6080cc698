"""Write-audit-publish of the canonical tables (see ``defs/staging``), and the rows in force
that new snapshots are judged against."""

from __future__ import annotations

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import latest_materialization
from soccer_assets.resources.storage import StorageResource, read_asset_table

MATCHES_AUDIT = "matches_schema_valid"
FIXTURES_AUDIT = "fixtures_schema_valid"
PARSER_VERSION_KEY = "parser_version"


class MatchesConfig(dg.Config):
    full_rebuild: bool = False
    """Replay every stored snapshot from the first instead of only those after the ones in force."""


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
