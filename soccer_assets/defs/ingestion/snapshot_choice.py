"""Which stored snapshot of a source partition feeds the canonical tables.

Season results files are replayed in the order they were fetched, starting from the
snapshot in force (the one the current ``matches`` rows came from): each newer file is
accepted only if it passes the raw and canonical schemas and keeps every finished match
of the accepted one unchanged (``snapshot_diff``), or carries a recorded override. So a
damaged download never replaces good rows, a later good file is taken as soon as it
comes, and replaying every snapshot from the first gives the same answer as replaying
only the new ones (the full rebuild the incremental path is tested against).

No Dagster here: the assets and the checks both call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from soccer_assets.lib.football_data.load import LoadedFile
from soccer_assets.lib.football_data.snapshot_diff import SnapshotDiff, compare_snapshots
from soccer_assets.lib.schemas.canonical import matches_schema
from soccer_assets.lib.schemas.report import ValidationReport, validate
from soccer_assets.storage.snapshot_overrides import SnapshotOverride
from soccer_assets.storage.snapshots import SnapshotRecord, SnapshotStore

SAMPLE_COLUMNS = ["match_id", "league", "season", "kickoff_date", "home_team", "away_team"]
Loader = Callable[[bytes], LoadedFile]
OverrideLookup = Callable[[str], SnapshotOverride | None]  # sha256 -> the recorded override


@dataclass(frozen=True)
class Verdict:
    """One snapshot judged against the rows in force."""

    record: SnapshotRecord
    accepted: bool
    reason: str  # one line: why rejected, or how accepted
    rows: pl.DataFrame | None = None
    diff: SnapshotDiff | None = None
    override: SnapshotOverride | None = None
    report: ValidationReport | None = None  # set when a schema refused the file

    def as_rejection(self) -> dict[str, Any]:
        return {
            "partition": self.record.partition or self.record.source,
            "sha256": self.record.sha256[:12],
            "fetched_at": self.record.fetched_at,
            "reason": self.reason,
        }


@dataclass
class SnapshotChoice:
    """The snapshot in force after a replay, its rows, and what was turned down on the way."""

    record: SnapshotRecord | None = None
    rows: pl.DataFrame | None = None
    rejected: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)  # in fetch order
    overrides: list[SnapshotOverride] = field(default_factory=list)

    @property
    def sha256(self) -> str | None:
        if self.record is not None:
            return self.record.sha256
        return None


def judge(
    record: SnapshotRecord, data: bytes, load: Loader, in_force: pl.DataFrame | None, override: OverrideLookup
) -> Verdict:
    loaded = load(data)
    if not loaded.ok or loaded.rows is None:
        return Verdict(record, False, loaded.report.summary(), report=loaded.report)
    canonical = validate(matches_schema(), loaded.rows, SAMPLE_COLUMNS)
    if not canonical.passed:
        return Verdict(record, False, canonical.summary(), report=canonical)
    if in_force is None or in_force.is_empty():
        return Verdict(
            record, True, f"{loaded.rows.height} matches, nothing in force to compare with", loaded.rows
        )
    diff = compare_snapshots(in_force, loaded.rows)
    if diff.ok:
        added = loaded.rows.height - in_force.height
        return Verdict(record, True, f"{added:+d} matches, nothing lost or changed", loaded.rows, diff)
    decision = override(record.sha256)
    if decision is not None:
        reason = f"{diff.summary()}; accepted by {decision.accepted_by}: {decision.reason}"
        return Verdict(record, True, reason, loaded.rows, diff, decision)
    return Verdict(record, False, diff.summary(), None, diff)


def replay(
    records: Iterable[SnapshotRecord],
    read: Callable[[SnapshotRecord], bytes],
    load: Loader,
    override: OverrideLookup,
    start: SnapshotChoice | None = None,
) -> SnapshotChoice:
    """Judge ``records`` (oldest first) in turn against whatever was accepted last."""
    choice = start or SnapshotChoice()
    seen = {choice.sha256} if choice.sha256 else set()
    for record in records:
        if record.sha256 in seen:
            continue  # the same bytes fetched again: same verdict
        seen.add(record.sha256)
        verdict = judge(record, read(record), load, choice.rows, override)
        choice.verdicts.append(verdict)
        if verdict.accepted:
            choice.record, choice.rows = record, verdict.rows
            if verdict.override is not None:
                choice.overrides.append(verdict.override)
        else:
            choice.rejected.append(verdict.as_rejection())
    return choice


def records_since(
    snapshots: SnapshotStore, source: str, partition: str, sha256: str | None
) -> tuple[SnapshotRecord | None, list[SnapshotRecord]]:
    """The newest fetch of ``sha256`` and every fetch after it (oldest first); every fetch
    when ``sha256`` is None or was never fetched. Reads records only back to that fetch."""
    newer: list[SnapshotRecord] = []
    for record in snapshots.newest_first(source, partition):
        if sha256 is not None and record.sha256 == sha256:
            return record, newer[::-1]
        newer.append(record)
    return None, newer[::-1]


def choose_results_snapshot(
    snapshots: SnapshotStore,
    source: str,
    partition: str,
    load: Loader,
    override: OverrideLookup,
    in_force: pl.DataFrame | None = None,
) -> SnapshotChoice:
    """Replay the fetches after the snapshot ``in_force`` came from (all, without it).

    ``in_force`` are the partition's current canonical rows with their ``source_sha256``;
    they are reused as they are, not parsed again, when no newer file is accepted.
    """
    in_force_sha = None
    if in_force is not None and not in_force.is_empty():
        in_force_sha = in_force["source_sha256"][0]
    start_record, newer = records_since(snapshots, source, partition, in_force_sha)
    start = None
    if start_record is not None and in_force is not None:
        start = SnapshotChoice(record=start_record, rows=in_force.drop("source_sha256"))
    return replay(newer, snapshots.read, load, override, start)


def newest_valid_snapshot(
    snapshots: SnapshotStore, source: str, partition: str, load: Loader
) -> SnapshotChoice:
    """Newest snapshot that passes its schema, newer failing ones reported (fixtures.csv: a
    list of future matches, replaced whole every week, has no history to keep)."""
    choice = SnapshotChoice()
    checked: set[str] = set()
    for record in snapshots.newest_first(source, partition):
        if record.sha256 in checked:
            continue
        checked.add(record.sha256)
        loaded = load(snapshots.read(record))
        if loaded.ok:
            choice.record, choice.rows = record, loaded.rows
            return choice
        choice.rejected.append(
            Verdict(record, False, loaded.report.summary(), report=loaded.report).as_rejection()
        )
    return choice
