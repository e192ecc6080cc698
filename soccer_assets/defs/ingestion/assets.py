"""Ingestion assets: raw football-data snapshots -> canonical ``matches`` and ``fixtures``."""

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import dagster as dg
import polars as pl

from soccer_assets.defs.ingestion.audit import (
    FIXTURES_AUDIT,
    MATCHES_AUDIT,
    PARSER_VERSION_KEY,
    MatchesConfig,
    matches_in_force,
    partition_rows,
)
from soccer_assets.defs.ingestion.partitions import league_season_partitions, split_partition_key
from soccer_assets.defs.ingestion.snapshot_choice import (
    SAMPLE_COLUMNS,
    choose_results_snapshot,
    newest_valid_snapshot,
)
from soccer_assets.defs.metadata import frame_markdown, join_keys, markdown_table, table_schema
from soccer_assets.defs.snapshots import materialize_fetch
from soccer_assets.defs.staging import audited_output
from soccer_assets.lib.football_data.csv_reader import count_data_rows
from soccer_assets.lib.football_data.load import load_fixtures, load_results
from soccer_assets.lib.schemas.canonical import fixtures_schema, matches_schema
from soccer_assets.lib.schemas.report import validate
from soccer_assets.lib.seasons import Season
from soccer_assets.resources.football_data import FootballDataResource
from soccer_assets.resources.storage import StorageResource
from soccer_assets.settings import Settings
from soccer_assets.sources.http import SourceError, SourceNotFound
from soccer_assets.storage.snapshot_overrides import SnapshotOverrides

RESULTS_SOURCE = "football-data/results"
FIXTURES_SOURCE = "football-data/fixtures"
# Bump when the parser or the canonical columns change: it is part of the data version.
PARSER_VERSION = "1"


def results_partition(league: str, season: Season) -> str:
    return f"{league}/{season.code}"


def _data_version(parts: list[tuple[str, str]]) -> dg.DataVersion:
    payload = json.dumps({"parser": PARSER_VERSION, "snapshots": sorted(parts)}).encode()
    return dg.DataVersion(hashlib.sha256(payload).hexdigest()[:24])


def _fetch_or_fail(football_data: FootballDataResource, url: str):
    try:
        return football_data.fetch(url)
    except SourceNotFound:
        raise
    except SourceError as exc:
        raise dg.Failure(description=str(exc), metadata={"url": url, "http_status": exc.status}) from exc


def build_ingestion_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    partitions = league_season_partitions(settings)

    @dg.asset(
        partitions_def=partitions,
        output_required=False,
        group_name="ingestion",
        kinds={"httpx", "csv"},
        description=(
            "Immutable, content-addressed snapshot of one football-data.co.uk season file "
            "(mmz4281/<SSYY>/<DIV>.csv). A file the site does not publish (HTTP 404) leaves "
            "the partition empty and is recorded as an observation."
        ),
    )
    def raw_football_data(
        context: dg.AssetExecutionContext, football_data: FootballDataResource, storage: StorageResource
    ):
        league, season = split_partition_key(context.partition_key)
        url = football_data.results_url(league, season)
        try:
            fetched = _fetch_or_fail(football_data, url)
        except SourceNotFound as exc:
            # an expected answer (a season not out yet, a gap in a mirror): the observation records it
            context.log.info(
                f"{league} {season.label} is not published at {url} (HTTP {exc.status}); partition left empty"
            )
            context.log_event(
                dg.AssetObservation(
                    asset_key=context.asset_key,
                    partition=context.partition_key,
                    metadata={"url": url, "http_status": exc.status, "available": False},
                )
            )
            return
        yield materialize_fetch(
            storage,
            fetched,
            source=RESULTS_SOURCE,
            partition=results_partition(league, season),
            extension="csv",
            rows=count_data_rows(fetched.content),
        )

    @dg.asset(
        group_name="ingestion",
        kinds={"httpx", "csv"},
        description="Immutable snapshot of football-data.co.uk fixtures.csv; every run records a new fetch.",
    )
    def raw_fixtures(
        context: dg.AssetExecutionContext, football_data: FootballDataResource, storage: StorageResource
    ) -> dg.MaterializeResult:
        url = football_data.fixtures_url()
        try:
            fetched = _fetch_or_fail(football_data, url)
        except SourceNotFound as exc:
            raise dg.Failure(description=f"{url} answered HTTP {exc.status}: no fixtures file") from exc
        return materialize_fetch(
            storage,
            fetched,
            source=FIXTURES_SOURCE,
            partition="",
            extension="csv",
            rows=count_data_rows(fetched.content),
        )

    @dg.asset(
        deps=[raw_football_data],
        group_name="ingestion",
        kinds={"polars", "parquet"},
        code_version=PARSER_VERSION,
        check_specs=[
            dg.AssetCheckSpec(
                MATCHES_AUDIT,
                asset="matches",
                blocking=True,
                description=(
                    "Audit before publish: types, ranges, unique match_id, result consistent with goals, "
                    "half-time <= full-time, kickoff inside the season, odds > 1. A failing table is kept "
                    "under staging/ for inspection and never replaces the table in force."
                ),
            )
        ],
        output_required=False,
        description=(
            "Every finished match of the configured leagues and seasons, one row per match_id. Each "
            "league-season comes from the newest snapshot that passes its schemas and keeps every "
            "finished match of the snapshot in force (or has a recorded override). Odds columns: "
            "pre_<book>_<outcome> (before kickoff) and close_<book>_<outcome> (closing line, "
            "evaluation only)."
        ),
    )
    def matches(
        context: dg.AssetExecutionContext, config: MatchesConfig, storage: StorageResource
    ) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
        snapshots = storage.snapshots()
        overrides = SnapshotOverrides(storage.blobstore())
        in_force = (
            None if config.full_rebuild else matches_in_force(storage, context.instance, PARSER_VERSION)
        )
        frames: list[pl.DataFrame] = []
        files: list[dict[str, Any]] = []
        missing: list[str] = []
        rejected: list[dict[str, Any]] = []
        accepted_by_override: list[dict[str, Any]] = []
        used: list[tuple[str, str]] = []
        judged = 0
        for league in settings.leagues:
            for season in settings.seasons:
                part = results_partition(league, season)
                choice = choose_results_snapshot(
                    snapshots,
                    RESULTS_SOURCE,
                    part,
                    lambda data, lg=league, ss=season: load_results(data, league=lg, season=ss),
                    lambda sha, p=part: overrides.get(RESULTS_SOURCE, p, sha),
                    partition_rows(in_force, league, season.code),
                )
                rejected.extend(choice.rejected)
                judged += len(choice.verdicts)
                accepted_by_override.extend(
                    {"partition": part, "sha256": o.sha256[:12], "by": o.accepted_by, "reason": o.reason}
                    for o in choice.overrides
                )
                if choice.record is None or choice.rows is None:
                    missing.append(part)
                    continue
                rows = choice.rows.with_columns(pl.lit(choice.record.sha256).alias("source_sha256"))
                frames.append(rows)
                used.append((part, choice.record.sha256))
                files.append(
                    {
                        "league": league,
                        "season": season.code,
                        "matches": rows.height,
                        "sha256": choice.record.sha256[:12],
                        "fetched_at": choice.record.fetched_at,
                        "newer_rejected": len(choice.rejected),
                    }
                )
        if not frames:
            raise dg.Failure(
                description="No valid football-data snapshot for any configured league-season; "
                "materialize raw_football_data first.",
                metadata={"missing": join_keys(missing), "rejected": dg.MetadataValue.json(rejected)},
            )
        table = pl.concat(frames).sort("kickoff_date", "league", "match_id")
        if rejected:
            context.log.warning(
                f"{len(rejected)} snapshot(s) rejected; their league-seasons keep the rows in force"
            )
        yield from audited_output(
            context,
            storage,
            MATCHES_AUDIT,
            table,
            validate(matches_schema(), table, SAMPLE_COLUMNS),
            {
                "dagster/row_count": table.height,
                "dagster/column_schema": table_schema(table),
                PARSER_VERSION_KEY: PARSER_VERSION,
                "covered": join_keys(p for p, _ in used),
                "missing": join_keys(missing),
                "covered_count": len(used),
                "missing_count": len(missing),
                "judged_snapshots": judged,
                "files": dg.MetadataValue.md(markdown_table(files)),
                "rejected_snapshots": dg.MetadataValue.md(markdown_table(rejected)),
                "accepted_by_override": dg.MetadataValue.md(markdown_table(accepted_by_override)),
                "first_kickoff": str(table["kickoff_date"].min()),
                "last_kickoff": str(table["kickoff_date"].max()),
            },
            _data_version(used),
        )

    @dg.asset(
        deps=[raw_fixtures],
        group_name="ingestion",
        kinds={"polars", "parquet"},
        code_version=PARSER_VERSION,
        check_specs=[
            dg.AssetCheckSpec(
                FIXTURES_AUDIT,
                asset="fixtures",
                blocking=True,
                description=(
                    "Audit before publish: types, unique match_id, home != away, kickoff inside its "
                    "season, odds > 1. A failing table never replaces the table in force."
                ),
            )
        ],
        output_required=False,
        description=(
            "Upcoming matches of the configured leagues from the newest valid fixtures.csv snapshot, "
            "minus any match already present in `matches`; same match_id as the finished match will have."
        ),
    )
    def fixtures(
        context: dg.AssetExecutionContext, storage: StorageResource, matches: pl.DataFrame
    ) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
        choice = newest_valid_snapshot(storage.snapshots(), FIXTURES_SOURCE, "", load_fixtures)
        if choice.record is None or choice.rows is None:
            raise dg.Failure(
                description="No valid fixtures.csv snapshot; materialize raw_fixtures first.",
                metadata={"rejected": dg.MetadataValue.json(choice.rejected)},
            )
        every = choice.rows.with_columns(pl.lit(choice.record.sha256).alias("source_sha256"))
        in_scope = every.filter(pl.col("league").is_in(list(settings.leagues)))
        played = in_scope["match_id"].is_in(matches["match_id"].implode())
        upcoming = in_scope.filter(~played)
        per_league = upcoming.group_by("league").agg(pl.len().alias("fixtures")).sort("league")
        yield from audited_output(
            context,
            storage,
            FIXTURES_AUDIT,
            upcoming,
            validate(fixtures_schema(), upcoming, SAMPLE_COLUMNS),
            {
                "dagster/row_count": upcoming.height,
                "dagster/column_schema": table_schema(upcoming),
                "snapshot_sha256": choice.record.sha256,
                "snapshot_fetched_at": choice.record.fetched_at,
                "per_league": frame_markdown(per_league),
                "other_divisions_dropped": every.height - in_scope.height,
                "already_played_dropped": int(played.sum()),
                "rejected_snapshots": dg.MetadataValue.md(markdown_table(choice.rejected)),
            },
        )

    return [raw_football_data, raw_fixtures, matches, fixtures]
