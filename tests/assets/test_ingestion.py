"""Ingestion assets materialized through real HTTP against the local mirror of real files."""

import dagster as dg
import polars as pl

from soccer_assets.pipeline import run_ingestion
from tests.assets.conftest import check_outcomes, materialized

LEAGUES = ("E0", "D1", "F1")
SEASONS = ("1617", "2223", "2324", "2526")


def test_whole_ingestion_matches_the_manifest(make_platform, manifest):
    platform = make_platform(LEAGUES, SEASONS)
    summary = run_ingestion(platform.defs, platform.settings, platform.instance, log=lambda _: None)
    assert summary.ok, summary

    expected = {(lg, s): n for (lg, s), n in manifest.items() if lg in LEAGUES and s in SEASONS}
    absent = sorted(f"{lg}/{s}" for lg in LEAGUES for s in SEASONS if (lg, s) not in expected)
    assert absent == ["D1/1617", "F1/1617"]  # gaps of the real mirror
    assert sorted(summary.missing) == absent

    matches = platform.table("matches")
    assert matches.height == sum(expected.values())
    per_file = matches.group_by("league", "season").len()
    for row in per_file.iter_rows(named=True):
        assert row["len"] == expected[(row["league"], row["season"])]
    assert matches["match_id"].n_unique() == matches.height

    meta = platform.latest_metadata("matches")
    assert meta["missing"] == "D1/1617, F1/1617"
    assert meta["covered_count"] == len(expected)
    assert meta["dagster/row_count"] == matches.height

    fixtures = platform.table("fixtures")
    assert sorted(fixtures["league"].unique().to_list()) == list(sorted(LEAGUES))
    assert fixtures.height == 10 + 9 + 9  # E0, D1, F1 rows of the real fixtures.csv
    assert summary.failed_checks == []


def test_checks_pass_and_are_recorded(make_platform):
    platform = make_platform(("E0",), ("2324",))
    fetch = platform.fetch("E0", "2324")
    assert fetch.success
    assert check_outcomes(fetch) == {"raw_football_data_schema": True}
    canonical = platform.canonical()
    assert canonical.success
    assert materialized(canonical) == {"raw_fixtures", "matches", "fixtures"}
    assert check_outcomes(canonical) == {
        "raw_fixtures_schema": True,
        "matches_schema_valid": True,
        "matches_shot_counts_plausible": True,
        "fixtures_schema_valid": True,
    }


def test_reingestion_gives_identical_ids_and_keeps_one_copy_of_the_bytes(make_platform):
    platform = make_platform(("E0",), ("2324",))
    assert platform.fetch("E0", "2324").success and platform.canonical().success
    first = platform.table("matches")
    first_version = platform.instance.get_latest_materialization_event(
        dg.AssetKey("matches")
    ).asset_materialization.tags["dagster/data_version"]
    assert platform.fetch("E0", "2324").success and platform.canonical().success
    second = platform.table("matches")
    assert second.equals(first)
    history = platform.snapshots.history("football-data/results", "E0/2324")
    assert len(history) == 2 and history[0].key == history[1].key
    second_version = platform.instance.get_latest_materialization_event(
        dg.AssetKey("matches")
    ).asset_materialization.tags["dagster/data_version"]
    assert first_version == second_version  # same bytes -> same data version, nothing stale


def test_a_fixture_that_was_played_leaves_fixtures_with_the_same_id(make_platform, mirror, football_data_dir):
    """Same match in fixtures.csv and later in a results file -> one match_id, not upcoming."""
    platform = make_platform(("E0",), ("2526",))
    results = (football_data_dir / "mmz4281/2526/E0.csv").read_bytes()
    fixtures = (football_data_dir / "fixtures.csv").read_bytes()
    header = results.split(b"\r\n")[0].decode().split(",")
    fixture_header = fixtures.split(b"\r\n")[0].decode().split(",")
    e0_fixture = next(line for line in fixtures.split(b"\r\n")[1:] if line.startswith(b"E0,"))
    cells = dict(zip(fixture_header, e0_fixture.decode().split(","), strict=True))
    played = {**cells, "FTHG": "1", "FTAG": "0", "FTR": "H", "HTHG": "0", "HTAG": "0", "HTR": "D"}
    new_row = ",".join(played.get(col, "") for col in header).encode()
    mirror.overrides["/mmz4281/2526/E0.csv"] = results + new_row + b"\r\n"

    assert platform.fetch("E0", "2526").success and platform.canonical().success
    matches = platform.table("matches")
    upcoming = platform.table("fixtures")
    played_id = f"E0_2026-05-{cells['Date'][:2]}_"
    new = matches.filter(pl.col("home_team") == cells["HomeTeam"]).sort("kickoff_date").tail(1)
    assert new["match_id"].item().startswith(played_id)
    assert new["match_id"].item() not in upcoming["match_id"].to_list()
    assert upcoming.height == 9
    assert platform.latest_metadata("fixtures")["already_played_dropped"] == 1
