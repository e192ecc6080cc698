"""WhoScored assets: monthly raw snapshots (browser-driven) -> per-team match statistics.

The source is optional. Without SOCCER_WHOSCORED_URL and stages both assets succeed
without doing anything and say why; the pipeline never depends on this site.
"""

import json
from collections import Counter
from typing import Any

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import frame_markdown, table_schema
from soccer_assets.defs.whoscored.partitions import month_of
from soccer_assets.defs.whoscored.scrape import (
    FIXTURES_SOURCE,
    MATCHCENTRE_SOURCE,
    fixtures_partition,
    matchcentre_partition,
    scrape_month,
)
from soccer_assets.lib.linking.aliases import load_team_aliases
from soccer_assets.lib.linking.frames import candidates_from, links_frame, unlinked_frame
from soccer_assets.lib.linking.matcher import Linker
from soccer_assets.lib.linking.model import SourceEvent
from soccer_assets.lib.whoscored.fixtures import FixturesFormatError, parse_fixtures
from soccer_assets.lib.whoscored.page import MatchPageError
from soccer_assets.lib.whoscored.stats import STATS_SCHEMA, MatchCentreFormatError, team_rows
from soccer_assets.resources.storage import StorageResource
from soccer_assets.resources.whoscored import OFF_REASON, WhoScoredResource
from soccer_assets.sources.browser import PageBlocked
from soccer_assets.sources.http import SourceError
from soccer_assets.storage.snapshots import SnapshotStore

GROUP = "whoscored"
SCRAPE_COUNTS = ("fixtures", "finished", "fetched", "cached", "without_data")
CODE_VERSION = "1"
ROW_COLUMNS: dict[str, pl.DataType] = {
    "ws_match_id": pl.Int64(),
    "league": pl.String(),
    "stage_id": pl.Int64(),
    "kickoff_utc": pl.Datetime("us", "UTC"),
    **{k: v for k, v in STATS_SCHEMA.items() if k != "ws_match_id"},
}
STATS_COLUMNS: dict[str, pl.DataType] = ROW_COLUMNS | {"match_id": pl.String(), "link_layer": pl.String()}


def _stage_rows(
    snapshots: SnapshotStore, stage_id: int, league: str, months: list[str], counts: Counter[str]
) -> tuple[list[dict[str, Any]], list[SourceEvent]]:
    """Team rows and linkable events of every stored finished match of one stage."""
    rows: list[dict[str, Any]] = []
    events: list[SourceEvent] = []
    for key in months:
        record = snapshots.latest(FIXTURES_SOURCE, fixtures_partition(stage_id, month_of(key)))
        if record is None:
            continue
        for fixture in parse_fixtures(snapshots.read(record), stage_id):
            if not fixture.finished:
                continue
            centre = snapshots.latest(
                MATCHCENTRE_SOURCE, matchcentre_partition(stage_id, fixture.ws_match_id)
            )
            if centre is None:
                counts["finished_without_match_centre"] += 1
                continue
            data = json.loads(snapshots.read(centre))
            extra = {"league": league, "stage_id": stage_id, "kickoff_utc": fixture.kickoff_utc}
            rows += [row | extra for row in team_rows(data, fixture.ws_match_id)]
            events.append(
                SourceEvent(fixture.ws_match_id, fixture.home, fixture.away, fixture.kickoff_utc, league)
            )
    return rows, events


def build_whoscored_assets(months: dg.MonthlyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @dg.asset(
        partitions_def=months,
        output_required=False,
        group_name=GROUP,
        kinds={"playwright", "json"},
        description=(
            "Immutable snapshots of WhoScored's monthly fixtures JSON and of the match-centre data of "
            "every finished match (fetched once: finished matches are cached), through Chromium. "
            "Optional: does nothing unless SOCCER_WHOSCORED_URL and SOCCER_WHOSCORED_STAGES are set."
        ),
    )
    def raw_whoscored(
        context: dg.AssetExecutionContext, whoscored: WhoScoredResource, storage: StorageResource
    ):
        if not whoscored.enabled:
            context.log.info(OFF_REASON)
            context.log_event(
                dg.AssetObservation(
                    asset_key=context.asset_key,
                    partition=context.partition_key,
                    metadata={"enabled": False, "reason": OFF_REASON},
                )
            )
            return
        month = month_of(context.partition_key)
        counts: Counter[str] = Counter()
        try:
            with whoscored.browser() as browser:
                for stage_id in whoscored.stage_leagues():
                    scrape = scrape_month(
                        browser, storage.snapshots(), whoscored.base_url or "", stage_id, month
                    )
                    counts.update(scrape.counts)
        except PageBlocked as exc:
            raise dg.Failure(
                description=f"WhoScored answered with a block page, nothing stored for it: {exc}",
                metadata=dict(counts),
            ) from exc
        except (SourceError, FixturesFormatError, MatchPageError) as exc:
            raise dg.Failure(description=f"WhoScored scrape failed: {exc}", metadata=dict(counts)) from exc
        yield dg.MaterializeResult(
            metadata={**{k: counts[k] for k in SCRAPE_COUNTS}, "month": f"{month:%Y-%m}"}
        )

    @dg.asset(
        deps=[raw_whoscored],
        group_name=GROUP,
        kinds={"polars", "parquet"},
        code_version=CODE_VERSION,
        description=(
            "Per-team match statistics from WhoScored's match centre (shots, passes, possession, cards, "
            "rating...), two rows per match, linked to match_id with the same linker as Fonbet."
        ),
    )
    def whoscored_stats(
        context: dg.AssetExecutionContext,
        whoscored: WhoScoredResource,
        storage: StorageResource,
        matches: pl.DataFrame,
    ) -> dg.Output[pl.DataFrame]:
        if not whoscored.enabled:
            context.log.info(OFF_REASON)
            empty = pl.DataFrame(schema=STATS_COLUMNS)
            return dg.Output(empty, metadata={"enabled": False, "reason": OFF_REASON, "dagster/row_count": 0})
        counts: Counter[str] = Counter()
        rows: list[dict[str, Any]] = []
        events: list[SourceEvent] = []
        keys = months.get_partition_keys()
        try:
            for stage_id, league in whoscored.stage_leagues().items():
                stage_rows, stage_events = _stage_rows(storage.snapshots(), stage_id, league, keys, counts)
                rows += stage_rows
                events += stage_events
        except (FixturesFormatError, MatchCentreFormatError) as exc:
            raise dg.Failure(description=f"a stored WhoScored snapshot does not parse: {exc}") from exc
        result = Linker(candidates_from([matches]), load_team_aliases("whoscored")).link(events)
        links = links_frame(result).select(
            pl.col("event_id").alias("ws_match_id"), "match_id", pl.col("layer").alias("link_layer")
        )
        stats = (
            pl.DataFrame(rows, schema=ROW_COLUMNS)
            .join(links, on="ws_match_id", how="left")
            .select(list(STATS_COLUMNS))
            .sort("kickoff_utc", "ws_match_id", "side")
        )
        return dg.Output(
            stats,
            metadata={
                "enabled": True,
                "dagster/row_count": stats.height,
                "dagster/column_schema": table_schema(stats),
                "matches": len(events),
                "linked": len(result.links),
                "link_rate": round(result.link_rate, 4),
                "unlinked": frame_markdown(unlinked_frame(result)),
                **dict(counts),
                "sample": frame_markdown(stats.head(10)),
            },
        )

    return [raw_whoscored, whoscored_stats]
