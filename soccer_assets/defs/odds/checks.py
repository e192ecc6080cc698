"""Blocking checks of the Fonbet domain: raw format drift, conflicting links, odds sanity.

A failed blocking check stops the downstream assets of the same run, and the assets
that replay the history never use a snapshot that fails validation, so a drifted or
broken response is kept for inspection but never reaches the links and odds.
"""

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import check_result, frame_markdown
from soccer_assets.defs.odds.history import latest_line
from soccer_assets.lib.schemas.fonbet import fonbet_odds_schema
from soccer_assets.lib.schemas.report import validate
from soccer_assets.resources.storage import StorageResource

ODDS_SAMPLE_COLUMNS = ["match_id", "event_id", "snapshot_at", "odds_home", "odds_draw", "odds_away", "margin"]


def _duplicates(links: pl.DataFrame, key: str) -> pl.DataFrame:
    return links.filter(pl.col(key).is_duplicated()).sort(key)


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

    @dg.asset_check(
        asset="fonbet_links",
        blocking=True,
        description="Links are one-to-one (no match with two events or the reverse); reports the link rate.",
    )
    def fonbet_links_one_to_one(
        context: dg.AssetCheckExecutionContext, fonbet_links: pl.DataFrame
    ) -> dg.AssetCheckResult:
        by_match, by_event = _duplicates(fonbet_links, "match_id"), _duplicates(fonbet_links, "event_id")
        materialization = context.instance.get_latest_materialization_event(dg.AssetKey("fonbet_links"))
        rates = {}
        if materialization is not None and materialization.asset_materialization is not None:
            meta = materialization.asset_materialization.metadata
            rates = {
                k: meta[k] for k in ("link_rate", "covered_link_rate", "linked", "unlinked") if k in meta
            }
        passed = by_match.is_empty() and by_event.is_empty()
        return dg.AssetCheckResult(
            passed=passed,
            metadata={
                **rates,
                "matches_with_two_events": by_match["match_id"].n_unique(),
                "events_with_two_matches": by_event["event_id"].n_unique(),
                "conflicts": frame_markdown(pl.concat([by_match, by_event]).unique()),
            },
            description=None if passed else "conflicting links: a match or an event appears twice",
        )

    @dg.asset_check(
        asset="fonbet_odds",
        blocking=True,
        description=(
            "Odds > 1, de-vigged probabilities sum to one, margin in a sane range, quotes taken before "
            "kickoff, one latest quote per match."
        ),
    )
    def fonbet_odds_schema_valid(fonbet_odds: pl.DataFrame) -> dg.AssetCheckResult:
        return check_result(validate(fonbet_odds_schema(), fonbet_odds, ODDS_SAMPLE_COLUMNS))

    return [
        raw_fonbet_line_schema,
        raw_fonbet_line_not_empty,
        fonbet_links_one_to_one,
        fonbet_odds_schema_valid,
    ]
