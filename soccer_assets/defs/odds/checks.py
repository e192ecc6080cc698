"""Checks of the raw Fonbet line: format drift (blocking) and an empty line (warning).

The assets that replay the history never use a snapshot that fails validation, so a
drifted or broken response is kept for inspection but never reaches the links and odds.
Links and odds audit themselves before they are written (``fonbet_links_one_to_one``,
``fonbet_odds_schema_valid``: see ``defs/staging``).
"""

import dagster as dg

from soccer_assets.defs.metadata import check_result
from soccer_assets.defs.odds.history import latest_line
from soccer_assets.resources.storage import StorageResource


def build_fonbet_checks() -> list[dg.AssetChecksDefinition]:
    @dg.asset_check(
        asset="raw_fonbet_line",
        blocking=True,
        description="The newest snapshot parses; its sports, events and quotes pass the raw schema.",
    )
    def raw_fonbet_line_schema(storage: StorageResource) -> dg.AssetCheckResult:
        record, loaded = latest_line(storage.snapshots())
        if record is None or loaded is None:
            return dg.AssetCheckResult(passed=False, description="no Fonbet snapshot has been stored yet")
        return check_result(loaded.report, extra={"sha256": record.sha256, "url": record.url})

    @dg.asset_check(
        asset="raw_fonbet_line",
        blocking=False,
        description="A full line packet lists football and quotes: an empty one is valid JSON but says "
        "Fonbet answered with nothing (an outage page, a geo-block, the wrong URL).",
    )
    def raw_fonbet_line_not_empty(storage: StorageResource) -> dg.AssetCheckResult:
        record, loaded = latest_line(storage.snapshots())
        packet = loaded.packet if loaded is not None else None
        if record is None or packet is None:  # the schema check says why
            return dg.AssetCheckResult(passed=True, description="no readable snapshot to look at")
        counts = {"sports": len(packet.sports), "events": len(packet.events), "quotes": len(packet.quotes)}
        empty = packet.is_full and (not packet.events or not packet.quotes)
        return dg.AssetCheckResult(
            passed=not empty,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={**counts, "full_packet": packet.is_full, "sha256": record.sha256},
            description=(
                f"a full line packet with {counts['sports']} sports, {counts['events']} events and "
                f"{counts['quotes']} quotes: Fonbet answered with an empty line"
                if empty
                else None
            ),
        )

    return [
        raw_fonbet_line_schema,
        raw_fonbet_line_not_empty,
    ]
