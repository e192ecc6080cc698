"""Blocking schema check of ``whoscored_stats``."""

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import check_result
from soccer_assets.lib.schemas.report import validate
from soccer_assets.lib.schemas.whoscored import whoscored_stats_schema

SAMPLE_COLUMNS = ["ws_match_id", "side", "team", "shots", "shots_on_target", "passes", "possession"]


def build_whoscored_checks() -> list[dg.AssetChecksDefinition]:
    @dg.asset_check(
        asset="whoscored_stats",
        blocking=True,
        description="Two rows per match, counts in range, parts never above totals, possession 0-100.",
    )
    def whoscored_stats_schema_valid(whoscored_stats: pl.DataFrame) -> dg.AssetCheckResult:
        return check_result(validate(whoscored_stats_schema(), whoscored_stats, SAMPLE_COLUMNS))

    return [whoscored_stats_schema_valid]
