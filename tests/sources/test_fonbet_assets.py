"""The Fonbet graph end to end: real HTTP, the real sample, the real football-data mirror."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import polars as pl
import pytest

from soccer_assets.defs.odds.automation import FONBET_JOB, FONBET_SCHEDULE
from soccer_assets.defs.odds.history import FONBET_SOURCE
from tests.assets.conftest import check_outcomes, materialized
from tests.sources import variants
from tests.sources.conftest import FONBET_PATH, UPDATE_FILES

ODDS_ASSETS = {"raw_fonbet_line", "fonbet_events", "fonbet_links", "fonbet_unlinked", "fonbet_odds"}
WOLVES_MAN_UTD = "E0_2019-08-19_wolves_man-united"


def run_fonbet(platform, *assets: str) -> dg.ExecuteInProcessResult:
    """The 4-hourly odds job (or only ``assets`` of it)."""
    return platform.defs.resolve_job_def(FONBET_JOB).execute_in_process(
        instance=platform.instance,
        raise_on_error=False,
        asset_selection=[dg.AssetKey(a) for a in assets] or None,
    )


@pytest.fixture
def ingested(make_source_platform):
    """E0 2019/20 matches and the real fixtures.csv, as the linker's candidates."""
    platform = make_source_platform()
    assert platform.fetch("E0", "1920").success and platform.canonical().success
    return platform


@pytest.mark.slow
def test_real_sample_through_the_graph(ingested, source_server, current_line):
    source_server.route(FONBET_PATH, current_line)
    result = run_fonbet(ingested)
    assert result.success and materialized(result) == ODDS_ASSETS
    assert all(check_outcomes(result).values()) and len(check_outcomes(result)) == 4

    raw = ingested.latest_metadata("raw_fonbet_line")
    assert raw["packet_version"] == 2529996195 and raw["full_packet"] is True
    assert raw["events"] == 188 and raw["quotes"] == 8698 and raw["bytes"] == len(current_line)

    events = ingested.table("fonbet_events")
    assert events.height == 133 and events["event_id"].is_unique().all()
    assert not events["home"].str.contains("Шюррле").any()  # player duels are specials, not matches

    links = ingested.table("fonbet_links")
    assert links.select("event_id", "match_id", "layer").rows() == [(16040873, WOLVES_MAN_UTD, "alias")]
    unlinked = ingested.table("fonbet_unlinked")
    assert unlinked.height == events.height - 1
    assert set(unlinked["reason"]) == {"not_first_team", "competition_unmapped"}
    assert unlinked.columns == [
        "event_id", "home", "away", "competition", "kickoff_utc", "reason", "best_candidate", "score"
    ]  # fmt: skip

    meta = ingested.latest_metadata("fonbet_links")
    assert meta["linked"] == 1 and meta["covered_link_rate"] == 1.0 and 0 < meta["link_rate"] < 0.02
    # the only linked event is an announcement without prices, and the sample is in-play anyway
    assert ingested.table("fonbet_odds").is_empty()


@pytest.mark.slow
def test_prematch_odds_history_with_latest_quote(
    ingested, mirror, source_server, football_data_dir, current_line
):
    fixtures_csv, fixtures = variants.future_fixtures_csv(
        (football_data_dir / "fixtures.csv").read_bytes(), "E0", dt.date.today() + dt.timedelta(days=7)
    )
    mirror.overrides["/fixtures.csv"] = fixtures_csv
    assert ingested.canonical().success
    by_pair = {(f.home, f.away): f for f in fixtures}
    united, everton = by_pair[("Man United", "Liverpool")], by_pair[("Everton", "Man City")]
    # two priced events of the real sample become these two fixtures, in Fonbet's spelling
    renames = {
        16041075: ("Манчестер Юнайтед", "Ливерпуль", united.kickoff_utc),
        16041092: ("Эвертон", "Манчестер Сити", everton.kickoff_utc),
    }
    source_server.route(FONBET_PATH, variants.premier_league_line(current_line, renames))
    assert run_fonbet(ingested).success
    source_server.route(FONBET_PATH, variants.premier_league_line(current_line, renames, (0.9, 1.1, 1.1)))
    result = run_fonbet(ingested)
    assert result.success and all(check_outcomes(result).values())

    odds = ingested.table("fonbet_odds")
    assert odds.columns == [
        "match_id", "event_id", "league", "kickoff_utc", "snapshot_at", "odds_home", "odds_draw", "odds_away",
        "prob_home", "prob_draw", "prob_away", "margin", "is_latest",
    ]  # fmt: skip
    assert odds.height == 4 and odds["match_id"].n_unique() == 2
    first, second = odds.filter(pl.col("event_id") == 16041075).sort("snapshot_at").to_dicts()
    assert (first["odds_home"], first["odds_draw"], first["odds_away"]) == (1.30, 4.70, 12.0)  # the sample's
    assert (second["odds_home"], second["odds_draw"], second["odds_away"]) == (1.17, 5.17, 13.2)
    assert not first["is_latest"] and second["is_latest"]
    assert first["match_id"].startswith("E0_") and first["match_id"].endswith("_man-united_liverpool")
    expected_margin = 1 / 1.30 + 1 / 4.70 + 1 / 12.0 - 1
    assert first["margin"] == pytest.approx(expected_margin)
    assert first["prob_home"] == pytest.approx((1 / 1.30) / (1 + expected_margin))
    assert ingested.latest_metadata("fonbet_odds")["matches"] == 2


@pytest.mark.slow
def test_an_arbitrage_book_fails_the_odds_check(
    ingested, mirror, source_server, football_data_dir, current_line
):
    fixtures_csv, fixtures = variants.future_fixtures_csv(
        (football_data_dir / "fixtures.csv").read_bytes(), "E0", dt.date.today() + dt.timedelta(days=7)
    )
    mirror.overrides["/fixtures.csv"] = fixtures_csv
    assert ingested.canonical().success
    united = next(f for f in fixtures if (f.home, f.away) == ("Man United", "Liverpool"))
    renames = {16041075: ("Манчестер Юнайтед", "Ливерпуль", united.kickoff_utc)}
    source_server.route(FONBET_PATH, variants.premier_league_line(current_line, renames))
    assert run_fonbet(ingested).success
    before = ingested.table("fonbet_odds")
    assert before.height
    # every price 10% longer: the implied probabilities sum below one, which no book offers
    source_server.route(FONBET_PATH, variants.premier_league_line(current_line, renames, (1.1, 1.1, 1.1)))
    result = run_fonbet(ingested)
    assert not result.success and check_outcomes(result)["fonbet_odds_schema_valid"] is False
    evaluation = next(
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name.startswith("fonbet_odds")
    )
    assert "in_range(0.0, 0.2)" in evaluation.metadata["failures_by_check"].value
    # audited before it was written: the odds in force stay, the refused table is kept aside
    assert "fonbet_odds" not in materialized(result)
    assert ingested.table("fonbet_odds").equals(before)
    staged = pl.read_parquet(evaluation.metadata["staged_table"].value)
    assert staged.height > before.height


def test_server_errors_a_timeout_and_a_cut_body_are_retried(
    make_source_platform, source_server, current_line
):
    platform = make_source_platform(http_timeout_s=1.0, http_retries=3)
    source_server.route(FONBET_PATH, current_line)
    source_server.faults[FONBET_PATH] = [503, ("hang", 2.0), "truncate"]
    result = run_fonbet(platform, "raw_fonbet_line")
    assert result.success
    assert platform.latest_metadata("raw_fonbet_line")["attempts"] == 4
    assert source_server.count(FONBET_PATH) == 4


def test_outage_fails_clearly_and_keeps_earlier_snapshots(ingested, source_server, current_line):
    source_server.route(FONBET_PATH, current_line)
    assert run_fonbet(ingested).success
    links_before = ingested.table("fonbet_links")
    source_server.faults[FONBET_PATH] = [502] * 10
    result = run_fonbet(ingested)
    assert not result.success and materialized(result) == set()
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "gave up after 3 attempts, last: HTTP 502" in failure.event_specific_data.error.message
    history = ingested.snapshots.history(FONBET_SOURCE, "")
    assert len(history) == 1 and ingested.snapshots.read(history[0]) == current_line
    assert ingested.table("fonbet_links").equals(links_before)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("make_bad", "failed_check"),
    [
        (lambda line: line[: len(line) // 3], "readable_line_packet"),  # malformed JSON, HTTP 200
        (lambda line: variants.without(line, "customFactors"), "readable_line_packet"),
        (lambda line: variants.renamed_event_field(line, "team1", "home"), "column_in_dataframe"),
        (lambda line: variants.renamed_event_field(line, "startTime", "start"), "column_in_dataframe"),
    ],
    ids=["malformed-json", "missing-customFactors", "renamed-team1", "renamed-startTime"],
)
def test_schema_drift_blocks_downstream_and_keeps_good_data(
    ingested, source_server, current_line, make_bad, failed_check
):
    source_server.route(FONBET_PATH, current_line)
    assert run_fonbet(ingested).success
    events_before = ingested.table("fonbet_events")
    bad = make_bad(current_line)
    source_server.route(FONBET_PATH, bad)
    result = run_fonbet(ingested)
    assert not result.success
    # the emptiness warning has nothing readable to look at; the schema check says why
    assert check_outcomes(result) == {"raw_fonbet_line_schema": False, "raw_fonbet_line_not_empty": True}
    assert materialized(result) == {"raw_fonbet_line"}  # stored as served, nothing built on it
    evaluation = next(
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name == "raw_fonbet_line_schema"
    )
    assert failed_check in evaluation.metadata["failures_by_check"].value
    history = ingested.snapshots.history(FONBET_SOURCE, "")
    assert [ingested.snapshots.read(r) for r in history] == [current_line, bad]
    assert ingested.table("fonbet_events").equals(events_before)

    # the next good fetch rebuilds from the good snapshots and names the rejected one
    source_server.route(FONBET_PATH, current_line)
    assert run_fonbet(ingested).success
    assert history[1].sha256[:12] in ingested.latest_metadata("fonbet_events")["rejected_snapshots"]
    assert (
        ingested.table("fonbet_events")
        .drop("last_seen_at", "snapshots")
        .equals(events_before.drop("last_seen_at", "snapshots"))
    )


@pytest.mark.slow
def test_an_empty_full_line_is_a_warning_with_the_counts(ingested, source_server, current_line):
    source_server.route(FONBET_PATH, current_line)
    assert run_fonbet(ingested).success
    empty = json.loads(current_line)
    empty.update(events=[], customFactors=[], eventBlocks=[], eventMiscs=[])
    source_server.route(FONBET_PATH, json.dumps(empty).encode())
    result = run_fonbet(ingested, "raw_fonbet_line")
    outcomes = check_outcomes(result)
    assert outcomes == {"raw_fonbet_line_schema": True, "raw_fonbet_line_not_empty": False}
    assert result.success  # a warning: the snapshot is kept, nothing is blocked
    warning = next(
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name.endswith("empty")
    )
    assert warning.severity == dg.AssetCheckSeverity.WARN
    assert warning.metadata["events"].value == 0 and warning.metadata["quotes"].value == 0
    assert warning.metadata["sports"].value == 68
    assert "68 sports, 0 events and 0 quotes" in warning.description


def test_increments_apply_on_top_of_the_full_packet(
    make_source_platform, source_server, fonbet_dir, current_line
):
    platform = make_source_platform()
    steps = [current_line, *((fonbet_dir / name).read_bytes() for name in UPDATE_FILES[:2])]
    for body in steps:
        source_server.route(FONBET_PATH, body)
        assert run_fonbet(platform, "raw_fonbet_line", "fonbet_events").success
    meta = platform.latest_metadata("fonbet_events")
    assert meta["snapshots_used"] == 3 and meta["rejected_snapshots"] == "_(none)_"
    assert platform.latest_metadata("raw_fonbet_line")["from_version"] == 2529996461
    # an increment that skips one is refused, not merged into the wrong line
    for body in (current_line, (fonbet_dir / UPDATE_FILES[2]).read_bytes()):
        source_server.route(FONBET_PATH, body)
        assert run_fonbet(platform, "raw_fonbet_line", "fonbet_events").success
    assert (
        "does not follow version 2529996195"
        in platform.latest_metadata("fonbet_events")["rejected_snapshots"]
    )


def test_grouped_layout_gives_the_same_events_and_links(ingested, source_server, current_line):
    source_server.route(FONBET_PATH, current_line)
    assert run_fonbet(ingested).success
    flat_events, flat_links = ingested.table("fonbet_events"), ingested.table("fonbet_links")
    source_server.route(FONBET_PATH, variants.grouped(current_line))
    assert run_fonbet(ingested).success
    assert ingested.latest_metadata("raw_fonbet_line")["custom_factors_shape"] == "grouped"
    assert (
        ingested.table("fonbet_events")
        .drop("last_seen_at", "snapshots")
        .equals(flat_events.drop("last_seen_at", "snapshots"))
    )
    assert ingested.table("fonbet_links").equals(flat_links)
    # the same events against the same candidates: every outcome of the first run is reused
    assert ingested.latest_metadata("fonbet_links")["events_proposed"] == 0


def test_schedule_every_four_hours_on_the_odds_job(make_source_platform):
    defs = make_source_platform().defs
    schedule = defs.resolve_schedule_def(FONBET_SCHEDULE)
    assert schedule.cron_schedule == "0 */4 * * *" and schedule.job_name == FONBET_JOB
    job = defs.resolve_job_def(FONBET_JOB)
    checks = ("_schema", "_valid", "_one_to_one", "_not_empty")
    assert {n for n in job.graph.node_names() if not n.endswith(checks)} == {
        "raw_fonbet_line", "fonbet_events", "link_fonbet_events", "fonbet_odds"
    }  # fmt: skip


def test_each_run_folds_only_new_snapshots_and_a_rebuild_gives_the_same_events(
    make_source_platform, source_server, fonbet_dir, current_line
):
    platform = make_source_platform()
    updates = [(fonbet_dir / name).read_bytes() for name in UPDATE_FILES[:2]]
    for body in (current_line, *updates, current_line):
        source_server.route(FONBET_PATH, body)
        assert run_fonbet(platform, "raw_fonbet_line", "fonbet_events").success
        assert platform.latest_metadata("fonbet_events")["snapshots_processed"] == 1
    incremental = platform.table("fonbet_events")
    rebuild = platform.defs.resolve_job_def(FONBET_JOB).execute_in_process(
        instance=platform.instance,
        asset_selection=[dg.AssetKey("fonbet_events")],
        run_config={"ops": {"fonbet_events": {"config": {"rebuild": True}}}},
    )
    assert rebuild.success
    meta = platform.latest_metadata("fonbet_events")
    assert meta["snapshots_processed"] == 4 and meta["rebuilt"] == "asked for" and meta["snapshots_used"] == 4
    assert platform.table("fonbet_events").equals(incremental)
