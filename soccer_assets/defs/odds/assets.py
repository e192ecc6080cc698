"""Fonbet assets: raw line snapshots -> football events -> links to matches -> 1X2 odds."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import frame_markdown, markdown_table, table_schema
from soccer_assets.defs.odds.history import FONBET_SOURCE, HistoryStore, advance, events_table
from soccer_assets.defs.odds.links import CODE_VERSION, GROUP, build_link_assets
from soccer_assets.defs.snapshots import materialize_fetch
from soccer_assets.defs.staging import audited_output
from soccer_assets.lib.fonbet.load import load_line
from soccer_assets.lib.fonbet.odds import odds_history
from soccer_assets.lib.linking.aliases import load_competitions
from soccer_assets.lib.schemas.fonbet import fonbet_odds_schema
from soccer_assets.lib.schemas.report import validate
from soccer_assets.resources.fonbet import FonbetResource
from soccer_assets.resources.storage import StorageResource
from soccer_assets.settings import Settings
from soccer_assets.sources.http import SourceError

ODDS_AUDIT = "fonbet_odds_schema_valid"
ODDS_SAMPLE_COLUMNS = ["match_id", "event_id", "snapshot_at", "odds_home", "odds_draw", "odds_away", "margin"]


def _raw_metadata(content: bytes) -> dict[str, Any]:
    loaded = load_line(content)
    if loaded.packet is None:
        return {"valid": False, "problem": loaded.report.summary()}
    packet = loaded.packet
    return {
        "valid": True,
        "packet_version": packet.version,
        "from_version": packet.from_version,
        "full_packet": packet.is_full,
        "custom_factors_shape": packet.shape,
        "events": len(packet.events),
        "quotes": len(packet.quotes),
    }


class FonbetHistoryConfig(dg.Config):
    """Run config of ``fonbet_events``."""

    rebuild: bool = False  # fold every stored snapshot again instead of extending the checkpoint


def build_fonbet_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    covered = set(settings.leagues)

    @dg.asset(
        group_name=GROUP,
        kinds={"httpx", "json"},
        description=(
            "Immutable, content-addressed snapshot of Fonbet's public line JSON (SOCCER_FONBET_URL); "
            "every run records a new fetch, identical bytes are stored once."
        ),
    )
    def raw_fonbet_line(fonbet: FonbetResource, storage: StorageResource) -> dg.MaterializeResult:
        try:
            fetched = fonbet.fetch()
        except SourceError as exc:
            raise dg.Failure(
                description=str(exc), metadata={"url": fonbet.url, "http_status": exc.status}
            ) from exc
        summary = _raw_metadata(fetched.content)
        return materialize_fetch(
            storage,
            fetched,
            source=FONBET_SOURCE,
            partition="",
            extension="json",
            rows=summary.get("events"),
            extra=summary,
        )

    @dg.asset(
        deps=[raw_fonbet_line],
        group_name=GROUP,
        kinds={"polars", "parquet"},
        code_version=CODE_VERSION,
        description=(
            "Football matches offered by Fonbet, one row per event over every valid snapshot: competition "
            "(and its football-data league if mapped), kickoff (UTC), home and away as Fonbet spells them. "
            "Sub-events, specials and duplicate listings are resolved to the main match event. Each run "
            "folds only the snapshots newer than its checkpoint (run config rebuild: true folds all)."
        ),
    )
    def fonbet_events(
        context: dg.AssetExecutionContext, config: FonbetHistoryConfig, storage: StorageResource
    ) -> dg.Output[pl.DataFrame]:
        store = HistoryStore(storage.blobstore())
        progress = advance(storage.snapshots(), store, rebuild=config.rebuild, log=context.log.info)
        history = progress.history
        if progress.rebuilt:
            context.log.info(f"Fonbet history folded from the first snapshot: {progress.rebuilt}")
        if not history.used:
            raise dg.Failure(
                description="No valid Fonbet line snapshot; materialize raw_fonbet_line first.",
                metadata={"rejected_snapshots": dg.MetadataValue.md(markdown_table(history.rejected))},
            )
        events = events_table(history.book, load_competitions("fonbet").league_of)
        if history.rejected:
            context.log.warning(f"{len(history.rejected)} Fonbet snapshot(s) were rejected and not used")
        per_competition = events.group_by("competition", "league").agg(pl.len().alias("events"))
        return dg.Output(
            events,
            metadata={
                "dagster/row_count": events.height,
                "dagster/column_schema": table_schema(events),
                "snapshots_used": history.used,
                "snapshots_processed": progress.processed,
                "rebuilt": progress.rebuilt or "no: extended the checkpoint",
                "newest_snapshot": history.newest_used,
                "events_in_covered_leagues": events.filter(pl.col("league").is_in(list(covered))).height,
                "per_competition": frame_markdown(per_competition.sort("events", descending=True), limit=30),
                "rejected_snapshots": dg.MetadataValue.md(markdown_table(history.rejected)),
            },
        )

    @dg.asset(
        deps=[raw_fonbet_line],
        group_name=GROUP,
        kinds={"polars", "parquet"},
        code_version=CODE_VERSION,
        check_specs=[
            dg.AssetCheckSpec(
                ODDS_AUDIT,
                asset="fonbet_odds",
                blocking=True,
                description=(
                    "Audit before publish: odds > 1, de-vigged probabilities sum to one, margin in a sane "
                    "range, quotes taken before kickoff, one latest quote per match. A failing table is "
                    "kept under staging/ and never replaces the table in force."
                ),
            )
        ],
        output_required=False,
        description=(
            "Pre-match 1X2 odds history of linked matches (factors 921/922/923), one row per match and "
            "snapshot, multiplicative de-vig and margin; is_latest marks the last snapshot before kickoff."
        ),
    )
    def fonbet_odds(
        context: dg.AssetExecutionContext,
        storage: StorageResource,
        fonbet_links: pl.DataFrame,
        fonbet_events: pl.DataFrame,
    ) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
        quotes = HistoryStore(storage.blobstore()).quotes(fonbet_links["event_id"].to_list())
        history, in_play = odds_history(quotes, fonbet_links, fonbet_events)
        if in_play:
            context.log.info(f"dropped {in_play} in-play quote(s) taken at or after kickoff")
        latest = history.filter(pl.col("is_latest"))
        yield from audited_output(
            context,
            storage,
            ODDS_AUDIT,
            history,
            validate(fonbet_odds_schema(), history, ODDS_SAMPLE_COLUMNS),
            {
                "dagster/row_count": history.height,
                "dagster/column_schema": table_schema(history),
                "matches": latest.height,
                "in_play_quotes_dropped": in_play,
                "median_margin": float(latest["margin"].median()) if latest.height else None,
                "latest": frame_markdown(latest.sort("kickoff_utc", descending=True)),
            },
        )

    return [raw_fonbet_line, fonbet_events, build_link_assets(settings), fonbet_odds]
