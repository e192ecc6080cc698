"""``soccer accept-snapshot``: record that a rejected season file is a real correction."""

from __future__ import annotations

import dagster as dg

from soccer_assets.defs.ingestion.assets import PARSER_VERSION, RESULTS_SOURCE, results_partition
from soccer_assets.defs.ingestion.audit import matches_in_force, partition_rows
from soccer_assets.defs.ingestion.snapshot_choice import judge
from soccer_assets.lib.football_data.load import load_results
from soccer_assets.lib.seasons import Season
from soccer_assets.resources.storage import StorageResource
from soccer_assets.storage.snapshot_overrides import SnapshotOverride, SnapshotOverrides


class OverrideRefused(ValueError):
    """The snapshot cannot or need not be accepted by an override."""


def accept_snapshot(
    storage: StorageResource,
    instance: dg.DagsterInstance,
    *,
    league: str,
    season: Season,
    sha256_prefix: str,
    accepted_by: str,
    reason: str,
) -> SnapshotOverride:
    """Record an override for the stored snapshot whose sha256 starts with ``sha256_prefix``.

    Only a file that passes its schemas and differs from the rows in force (lost or
    changed finished matches) can be accepted: an override vouches for a correction,
    it cannot make a broken file readable.
    """
    part = results_partition(league, season)
    snapshots = storage.snapshots()
    prefix = sha256_prefix.strip().lower()
    if len(prefix) < 8:
        raise OverrideRefused("give at least the first 8 characters of the snapshot's sha256")
    records = {
        r.sha256: r for r in snapshots.newest_first(RESULTS_SOURCE, part) if r.sha256.startswith(prefix)
    }
    if len(records) != 1:
        what = "no stored snapshot" if not records else f"{len(records)} stored snapshots"
        raise OverrideRefused(f"{what} of {league} {season.label} has a sha256 starting with {prefix}")
    record = next(iter(records.values()))
    in_force = partition_rows(matches_in_force(storage, instance, PARSER_VERSION), league, season.code)
    verdict = judge(
        record,
        snapshots.read(record),
        lambda data: load_results(data, league=league, season=season),
        in_force.drop("source_sha256") if in_force is not None else None,
        lambda _sha: None,
    )
    if verdict.report is not None:
        raise OverrideRefused(f"the file itself is refused, an override cannot fix that: {verdict.reason}")
    if verdict.accepted:
        raise OverrideRefused(f"nothing to override: {verdict.reason}")
    return SnapshotOverrides(storage.blobstore()).record(
        source=RESULTS_SOURCE,
        partition=part,
        sha256=record.sha256,
        reason=reason,
        accepted_by=accepted_by,
        differences=verdict.reason,
    )
