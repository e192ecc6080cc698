"""Pandera validation of the ingestion assets as blocking asset checks.

Raw stage: the newest snapshot of a partition must satisfy the raw schema.
Finished stage: ``matches``. Future stage: ``fixtures``. A failing blocking check stops
downstream assets in the same run; the canonical assets additionally never use a
snapshot that fails the raw schema (see ``newest_valid_snapshot``).
"""

import dagster as dg
import polars as pl

from soccer_assets.defs.ingestion.assets import FIXTURES_SOURCE, RESULTS_SOURCE, results_partition
from soccer_assets.defs.ingestion.partitions import split_partition_key
from soccer_assets.defs.metadata import check_result, frame_markdown
from soccer_assets.lib.football_data.load import load_fixtures, load_results
from soccer_assets.lib.schemas.canonical import (
    fixtures_schema,
    matches_schema,
    shots_on_target_anomalies,
)
from soccer_assets.lib.schemas.report import validate
from soccer_assets.resources.storage import StorageResource

SAMPLE_COLUMNS = ["match_id", "league", "season", "kickoff_date", "home_team", "away_team"]


def _no_snapshot(what: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False, description=f"no snapshot of {what} has been stored yet", metadata={"rows": 0}
    )


def build_ingestion_checks(assets: dict[str, dg.AssetsDefinition]) -> list[dg.AssetChecksDefinition]:
    raw_football_data = assets["raw_football_data"]

    @dg.asset_check(
        asset=raw_football_data,
        partitions_def=raw_football_data.partitions_def,
        blocking=True,
        description="The newest snapshot of this league-season passes the raw schema.",
    )
    def raw_football_data_schema(
        context: dg.AssetCheckExecutionContext, storage: StorageResource
    ) -> dg.AssetCheckResult:
        league, season = split_partition_key(context.partition_key)
        snapshots = storage.snapshots()
        record = snapshots.latest(RESULTS_SOURCE, results_partition(league, season))
        if record is None:
            return _no_snapshot(f"{league} {season.label}")
        loaded = load_results(snapshots.read(record), league=league, season=season)
        return check_result(loaded.report, extra={"sha256": record.sha256, "url": record.url})

    @dg.asset_check(
        asset=assets["raw_fixtures"],
        blocking=True,
        description="The newest fixtures.csv snapshot passes the raw schema.",
    )
    def raw_fixtures_schema(storage: StorageResource) -> dg.AssetCheckResult:
        snapshots = storage.snapshots()
        record = snapshots.latest(FIXTURES_SOURCE, "")
        if record is None:
            return _no_snapshot("fixtures.csv")
        loaded = load_fixtures(snapshots.read(record))
        return check_result(loaded.report, extra={"sha256": record.sha256, "url": record.url})

    @dg.asset_check(
        asset=assets["matches"],
        blocking=True,
        description=(
            "Types, ranges, unique match_id, result consistent with goals, half-time <= full-time, "
            "kickoff inside the season, odds > 1."
        ),
    )
    def matches_schema_valid(matches: pl.DataFrame) -> dg.AssetCheckResult:
        return check_result(validate(matches_schema(), matches, SAMPLE_COLUMNS))

    @dg.asset_check(
        asset=assets["matches"],
        description="Shots on target never exceed shots (a data-entry slip at the source, so WARN only).",
    )
    def matches_shot_counts_plausible(matches: pl.DataFrame) -> dg.AssetCheckResult:
        odd = shots_on_target_anomalies(matches)
        return dg.AssetCheckResult(
            passed=odd.is_empty(),
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "anomalies": odd.height,
                "rows": frame_markdown(
                    odd.select(
                        "match_id", "home_shots", "home_shots_on_target", "away_shots", "away_shots_on_target"
                    )
                ),
            },
        )

    @dg.asset_check(
        asset=assets["fixtures"],
        blocking=True,
        description="Types, unique match_id, home != away, kickoff inside its season, odds > 1.",
    )
    def fixtures_schema_valid(fixtures: pl.DataFrame) -> dg.AssetCheckResult:
        return check_result(validate(fixtures_schema(), fixtures, SAMPLE_COLUMNS))

    return [
        raw_football_data_schema,
        raw_fixtures_schema,
        matches_schema_valid,
        matches_shot_counts_plausible,
        fixtures_schema_valid,
    ]
