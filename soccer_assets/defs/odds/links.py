"""Linking Fonbet events to matches: ``fonbet_links`` and the ``fonbet_unlinked`` review table."""

import io
from typing import Any

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import frame_markdown
from soccer_assets.defs.staging import stage_rejected
from soccer_assets.lib.linking.aliases import load_team_aliases
from soccer_assets.lib.linking.frames import candidates_from
from soccer_assets.lib.linking.incremental import LinkFrames, link_frames, rules_fingerprint
from soccer_assets.lib.linking.matcher import Linker
from soccer_assets.resources.storage import StorageResource, frame_to_parquet
from soccer_assets.settings import Settings
from soccer_assets.storage.checkpoints import CheckpointStore

GROUP = "odds"
# Bump when parsing, linking or the output columns change: part of the code version.
CODE_VERSION = "1"
# outcomes of the last run per event, reused while an event's inputs are unchanged
LINKS_CHECKPOINT = "fonbet_links"
LINKS_CHECKPOINT_FORMAT = 1
UNLINKED_COLUMNS = [
    "event_id",
    "home",
    "away",
    "competition",
    "kickoff_utc",
    "reason",
    "best_candidate",
    "score",
]


def link_rates(result: LinkFrames, events: pl.DataFrame, links: pl.DataFrame) -> dict[str, Any]:
    """Link rate over all events, and over those whose competition maps to a covered league.

    Most of Fonbet's football is outside the covered leagues, so the second rate is the
    one that says whether the linker works.
    """
    covered_ids = events.filter(pl.col("league").is_not_null())["event_id"]
    covered_linked = int(links["event_id"].is_in(covered_ids.implode()).sum())
    return {
        "link_rate": round(result.link_rate, 4),
        "covered_link_rate": round(covered_linked / len(covered_ids), 4) if len(covered_ids) else None,
        "events": result.total,
        "events_in_covered_competitions": len(covered_ids),
        "linked": result.links.height,
        "unlinked": result.unlinked.height,
    }


class FonbetLinksConfig(dg.Config):
    """Run config of the link step."""

    rebuild: bool = False  # propose every event again instead of reusing unchanged outcomes


LINKS_AUDIT = "fonbet_links_one_to_one"


def link_conflicts(links: pl.DataFrame) -> pl.DataFrame:
    """Links whose match or event appears more than once (the linker promises one-to-one)."""
    twice = pl.col("match_id").is_duplicated() | pl.col("event_id").is_duplicated()
    return links.filter(twice).sort("match_id", "event_id")


def build_link_assets(settings: Settings) -> dg.AssetsDefinition:
    covered = list(settings.leagues)

    @dg.multi_asset(
        outs={
            "fonbet_links": dg.AssetOut(
                is_required=False,
                group_name=GROUP,
                kinds={"polars", "parquet"},
                code_version=CODE_VERSION,
                description=(
                    "Fonbet event -> match_id, one-to-one, with the layer that made the link "
                    "(alias, exact, fuzzy) and its score (0-100)."
                ),
            ),
            "fonbet_unlinked": dg.AssetOut(
                is_required=False,
                group_name=GROUP,
                kinds={"polars", "parquet"},
                code_version=CODE_VERSION,
                description=(
                    "Review table: Fonbet events the linker would not place, with the reason, the closest "
                    "candidate and its score. A row in soccer_assets/data/aliases/fonbet_*.csv fixes one."
                ),
            ),
        },
        ins={"fonbet_events": dg.AssetIn(), "matches": dg.AssetIn(), "fixtures": dg.AssetIn()},
        check_specs=[
            dg.AssetCheckSpec(
                LINKS_AUDIT,
                asset="fonbet_links",
                blocking=True,
                description=(
                    "Audit before publish: links are one-to-one (no match with two events or the "
                    "reverse); reports the link rate. Failing links are kept under staging/ and never "
                    "replace the links in force."
                ),
            )
        ],
    )
    def link_fonbet_events(
        context: dg.AssetExecutionContext,
        config: FonbetLinksConfig,
        storage: StorageResource,
        fonbet_events: pl.DataFrame,
        matches: pl.DataFrame,
        fixtures: pl.DataFrame,
    ):
        # events of competitions mapped to a league that is not configured are out of scope
        events = fonbet_events.filter(pl.col("league").is_null() | pl.col("league").is_in(covered))
        aliases = load_team_aliases("fonbet")
        linker = Linker(candidates_from([matches, fixtures]), aliases)
        cache = CheckpointStore(storage.blobstore(), LINKS_CHECKPOINT, LINKS_CHECKPOINT_FORMAT)
        rules = rules_fingerprint(aliases, linker.config, CODE_VERSION, sorted(covered))
        checkpoint = None if config.rebuild else cache.load()
        previous = None
        if checkpoint is not None and checkpoint.meta.get("rules") == rules:
            previous = pl.read_parquet(io.BytesIO(cache.read(checkpoint, "outcomes")))
        result = link_frames(linker, events, previous)
        outcomes, proposed = result.outcomes, result.proposed
        described = fonbet_events.select("event_id", "home", "away", "competition", "kickoff_utc")
        links = result.links.join(described, on="event_id", how="left")
        unlinked = result.unlinked.join(described, on="event_id", how="left").select(UNLINKED_COLUMNS)
        rates = link_rates(result, events, links)
        context.log.info(f"Fonbet links: {rates}; {proposed} event(s) proposed afresh")
        conflicts = link_conflicts(links)
        audit = {
            **rates,
            "matches_with_two_events": conflicts["match_id"].n_unique(),
            "events_with_two_matches": conflicts["event_id"].n_unique(),
        }
        if not conflicts.is_empty():
            staged = stage_rejected(context, storage, "fonbet_links", links)
            yield dg.AssetCheckResult(
                check_name=LINKS_AUDIT,
                passed=False,
                metadata={**audit, "conflicts": frame_markdown(conflicts), "staged_table": staged},
                description="not published, the links in force stay: a match or an event appears twice",
            )
            return  # nor is the checkpoint moved on: the next run proposes these events again
        cache.save({"rules": rules}, {"outcomes": (frame_to_parquet(outcomes), "parquet")})
        yield dg.AssetCheckResult(check_name=LINKS_AUDIT, passed=True, metadata=audit)
        yield dg.Output(
            links,
            output_name="fonbet_links",
            metadata={
                **rates,
                "events_proposed": proposed,
                "relinked_all": previous is None,
                "dagster/row_count": links.height,
                "by_layer": dg.MetadataValue.json(result.by_layer()),
                "links": frame_markdown(links.sort("kickoff_utc", descending=True)),
            },
        )
        yield dg.Output(
            unlinked,
            output_name="fonbet_unlinked",
            metadata={
                "dagster/row_count": unlinked.height,
                "by_reason": dg.MetadataValue.json(result.by_reason()),
                "closest_misses": frame_markdown(
                    unlinked.filter(pl.col("score").is_not_null()).sort("score", descending=True)
                ),
            },
        )

    return link_fonbet_events
