"""The optional WhoScored source end to end: Chromium against local pages of the real samples."""

from __future__ import annotations

import json
import shutil

import dagster as dg
import polars as pl
import pytest

from soccer_assets.defs.whoscored.automation import MONTH_JOB, STATS_JOB
from soccer_assets.defs.whoscored.scrape import MATCHCENTRE_SOURCE
from tests.assets.conftest import check_outcomes, materialized
from tests.sources import variants
from tests.sources.server import INCAPSULA_PAGE, match_page

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
JANUARY = "2021-01-01"
FIXTURES_PATH = "/tournaments/18685/data/?d=202101"
BURNLEY_MAN_UTD = 1485184
EVERTON_WEST_HAM = 1485321  # 2021-01-01, no match-centre sample: the page carries null


def _run(platform, job: str, partition: str | None = None) -> dg.ExecuteInProcessResult:
    return platform.defs.resolve_job_def(job).execute_in_process(
        instance=platform.instance, raise_on_error=False, partition_key=partition
    )


@pytest.fixture
def whoscored_site(source_server, whoscored_dir, match_centre):
    """The January 2021 fixtures of the real sample and a live page for each of its matches."""
    body = (whoscored_dir / "fixtures" / "ENG-Premier-League_2021_stage18685_month00.json").read_bytes()
    source_server.route(FIXTURES_PATH, body)
    for match in json.loads(body)["tournaments"][0]["matches"]:
        data = match_centre if match["id"] == BURNLEY_MAN_UTD else None
        source_server.route(f"/Matches/{match['id']}/Live", match_page(match["id"], data), "text/html")
    return source_server


@pytest.fixture
def platform(make_source_platform, source_server):
    built = make_source_platform(
        seasons=("2021",),
        whoscored_url=source_server.url,
        whoscored_stages=(("E0", 18685),),
        browser_path=CHROMIUM,
    )
    assert built.fetch("E0", "2021").success and built.canonical().success
    return built


def test_unconfigured_source_does_nothing_and_says_so(make_source_platform):
    platform = make_source_platform(seasons=("2021",))
    assert not [s for s in platform.defs.schedules or [] if "whoscored" in s.name]
    result = _run(platform, MONTH_JOB, JANUARY)
    assert result.success and materialized(result) == set()
    observation = next(e for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION")
    assert (
        "SOCCER_WHOSCORED_URL" in observation.event_specific_data.asset_observation.metadata["reason"].value
    )
    assert platform.fetch("E0", "2021").success and platform.canonical().success
    assert _run(platform, STATS_JOB).success
    assert platform.table("whoscored_stats").is_empty()
    assert platform.latest_metadata("whoscored_stats")["enabled"] is False


@pytest.mark.slow
def test_month_scrape_caches_finished_matches_and_links_stats(platform, whoscored_site):
    result = _run(platform, MONTH_JOB, JANUARY)
    assert result.success and materialized(result) == {"raw_whoscored"}
    meta = platform.latest_metadata("raw_whoscored", JANUARY)
    assert (meta["fixtures"], meta["finished"], meta["fetched"], meta["without_data"]) == (50, 50, 1, 49)

    stats_run = _run(platform, STATS_JOB)
    assert stats_run.success and check_outcomes(stats_run) == {"whoscored_stats_schema_valid": True}
    stats = platform.table("whoscored_stats")
    assert stats["match_id"].unique().to_list() == ["E0_2021-01-12_burnley_man-united"]
    assert stats["link_layer"].unique().to_list() == ["exact"]
    # the match centre agrees with football-data's own stats of the same match
    match = (
        platform.table("matches")
        .filter(pl.col("match_id") == "E0_2021-01-12_burnley_man-united")
        .row(0, named=True)
    )
    home, away = (stats.filter(pl.col("side") == side).row(0, named=True) for side in ("home", "away"))
    assert (home["shots"], away["shots"]) == (match["home_shots"], match["away_shots"])
    assert (home["shots_on_target"], away["shots_on_target"]) == (
        match["home_shots_on_target"],
        match["away_shots_on_target"],
    )
    assert (home["goals"], away["goals"]) == (match["home_goals"], match["away_goals"])

    # a second run reuses the stored finished match instead of loading its page again
    page = f"/Matches/{BURNLEY_MAN_UTD}/Live"
    before = whoscored_site.count(page)
    assert _run(platform, MONTH_JOB, JANUARY).success
    meta = platform.latest_metadata("raw_whoscored", JANUARY)
    assert (meta["cached"], meta["fetched"]) == (1, 0) and whoscored_site.count(page) == before


def test_block_page_fails_clearly_and_keeps_what_was_stored(platform, whoscored_site, whoscored_dir):
    body = (whoscored_dir / "fixtures" / "ENG-Premier-League_2021_stage18685_month00.json").read_bytes()
    whoscored_site.route(FIXTURES_PATH, variants.fixtures_subset(body, [BURNLEY_MAN_UTD, EVERTON_WEST_HAM]))
    whoscored_site.route(f"/Matches/{EVERTON_WEST_HAM}/Live", INCAPSULA_PAGE.encode(), "text/html")
    result = _run(platform, MONTH_JOB, JANUARY)
    assert not result.success and materialized(result) == set()
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "block page" in failure.event_specific_data.error.message.lower()
    assert "incapsula" in failure.event_specific_data.error.message.lower()
    snapshots = platform.snapshots
    assert len(snapshots.history(MATCHCENTRE_SOURCE, f"18685/{BURNLEY_MAN_UTD}")) == 1
    assert snapshots.history(MATCHCENTRE_SOURCE, f"18685/{EVERTON_WEST_HAM}") == []


def test_blocked_fixtures_request_is_not_an_empty_month(platform, source_server):
    source_server.route(FIXTURES_PATH, INCAPSULA_PAGE.encode(), "text/html")
    result = _run(platform, MONTH_JOB, JANUARY)
    assert not result.success and materialized(result) == set()
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "block page" in failure.event_specific_data.error.message.lower()
