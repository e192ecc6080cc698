"""Checks of the ingestion assets.

Raw stage: the newest snapshot of a league-season must pass the raw and canonical
schemas and keep every finished match of the snapshot in force (``snapshot_choice``);
``matches`` makes the same judgement, so a snapshot this check fails never feeds the
canonical tables. The canonical tables audit themselves before they are written
(``audit``); the shot-count plausibility check here only warns.
"""

import dagster as dg
import polars as pl

from soccer_assets.defs.ingestion.assets import (
    FIXTURES_SOURCE,
    PARSER_VERSION,
    RESULTS_SOURCE,
    results_partition,
)
from soccer_assets.defs.ingestion.audit import matches_in_force, partition_rows
from soccer_assets.defs.ingestion.partitions import split_partition_key
from soccer_assets.defs.ingestion.snapshot_choice import choose_results_snapshot
from soccer_assets.defs.metadata import check_result, frame_markdown
from soccer_assets.lib.football_data.load import load_fixtures, load_results
from soccer_assets.lib.schemas.canonical import shots_on_target_anomalies
from soccer_assets.resources.storage import StorageResource
from soccer_assets.storage.snapshot_overrides import SnapshotOverrides


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
        description=(
            "The newest snapshot of this league-season passes the raw and canonical schemas and keeps "
            "every finished match, filled column, date and result of the snapshot in force "
            "(or carries a recorded override: `soccer accept-snapshot`)."
        ),
    )
    def raw_football_data_schema(
        context: dg.AssetCheckExecutionContext, storage: StorageResource
    ) -> dg.AssetCheckResult:
        league, season = split_partition_key(context.partition_key)
        part = results_partition(league, season)
        snapshots = storage.snapshots()
        newest = snapshots.latest(RESULTS_SOURCE, part)
        if newest is None:
            return _no_snapshot(f"{league} {season.label}")
        overrides = SnapshotOverrides(storage.blobstore())
        in_force = partition_rows(
            matches_in_force(storage, context.instance, PARSER_VERSION), league, season.code
        )
        choice = choose_results_snapshot(
            snapshots,
            RESULTS_SOURCE,
            part,
            lambda data: load_results(data, league=league, season=season),
            lambda sha: overrides.get(RESULTS_SOURCE, part, sha),
            in_force,
        )
        verdict = next((v for v in choice.verdicts if v.record.sha256 == newest.sha256), None)
        metadata = {"sha256": newest.sha256, "url": newest.url, "in_force_sha256": choice.sha256 or ""}
        if verdict is None:  # the newest fetch is the snapshot already in force
            return dg.AssetCheckResult(passed=True, metadata={**metadata, "verdict": "already in force"})
        if verdict.report is not None:  # refused by a schema: its report says why
            return check_result(verdict.report, extra=metadata, suffix=f" [snapshot {newest.sha256[:12]}]")
        metadata["verdict"] = verdict.reason
        if verdict.diff is not None:
            metadata["differences"] = dg.MetadataValue.json(verdict.diff.samples())
        if verdict.override is not None:
            metadata["override"] = dg.MetadataValue.json(
                {
                    "by": verdict.override.accepted_by,
                    "at": verdict.override.accepted_at,
                    "reason": verdict.override.reason,
                }
            )
        return dg.AssetCheckResult(
            passed=verdict.accepted,
            metadata=metadata,
            description=None if verdict.accepted else f"{verdict.reason} [snapshot {newest.sha256[:12]}]",
        )

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

    return [
        raw_football_data_schema,
        raw_fixtures_schema,
        matches_shot_counts_plausible,
    ]
