"""A new season file may add finished matches, never lose or rewrite them (issue 15, 1 and 2).

Every case of the probe that damaged ``matches`` silently or behind a failed check, through
the real path: the file served over HTTP, the per-partition fetch with its blocking check,
then the canonical job; the table in force must stay exactly what it was, the bytes kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import dagster as dg
import polars as pl
import pytest

from soccer_assets.cli import main as soccer
from soccer_assets.defs.ingestion.automation import CANONICAL_JOB
from soccer_assets.lib.ratings import rating_history
from soccer_assets.pipeline import first_failure_reason, quiet_run_config
from tests.assets.conftest import check_outcomes, ingest_with_lines, materialized

E0_2324 = "/mmz4281/2324/E0.csv"
RESULTS = "football-data/results"


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("latin-1"))))


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("latin-1")


def _good(football_data_dir, path: str = E0_2324) -> bytes:
    return (football_data_dir / path.lstrip("/")).read_bytes()


def _edit(data: bytes, column: str, change) -> bytes:
    """Apply ``change(row dict) -> value or None`` to one column of every data row."""
    header, *body = _rows(data)
    at = header.index(column)
    for row in body:
        new = change(dict(zip(header, row, strict=False)))
        if new is not None:
            row[at] = new
    return _csv([header, *body])


def _in_force(platform) -> pl.DataFrame:
    assert platform.fetch("E0", "2324").success and platform.canonical().success
    return platform.table("matches")


def _rejected(platform, mirror, bad: bytes) -> str:
    """Serve ``bad`` after a good first ingestion; assert it changes nothing; return the reason."""
    before = _in_force(platform)
    mirror.overrides[E0_2324] = bad
    fetched = platform.fetch("E0", "2324")
    assert not fetched.success
    assert check_outcomes(fetched) == {"raw_football_data_schema": False}
    history = platform.snapshots.history(RESULTS, "E0/2324")
    assert len(history) == 2 and platform.snapshots.read(history[1]) == bad  # the bytes are kept
    reason = first_failure_reason(fetched)
    assert reason.endswith(f"[snapshot {history[1].sha256[:12]}]")

    rebuilt = platform.canonical()
    assert rebuilt.success  # other league-seasons would build as usual
    assert platform.table("matches").equals(before)
    assert history[1].sha256[:12] in platform.latest_metadata("matches")["rejected_snapshots"]
    return reason


def test_a_file_cut_at_a_row_boundary(make_platform, mirror, football_data_dir):
    header, *body = _rows(_good(football_data_dir))
    reason = _rejected(make_platform(), mirror, _csv([header, *body[:200]]))
    assert reason.startswith(
        "180 finished matches of the previous snapshot are missing (file cut at a row boundary?)"
    )


def test_a_header_only_file(make_platform, mirror, football_data_dir):
    header = _rows(_good(football_data_dir))[0]
    reason = _rejected(make_platform(), mirror, _csv([header]))
    assert reason.startswith("380 finished matches of the previous snapshot are missing")
    assert "empty or header-only" in reason


def test_a_file_without_its_odds_and_stats_columns(make_platform, mirror, football_data_dir):
    rows = _rows(_good(football_data_dir))
    keep = [rows[0].index(c) for c in ("Div", "Date", "Time", "HomeTeam", "AwayTeam", "FTHG", "FTAG", "FTR")]
    reason = _rejected(make_platform(), mirror, _csv([[row[i] for i in keep] for row in rows]))
    assert "columns that had values are empty" in reason and "dropped?" in reason


def _swapped(date: str) -> str | None:
    """dd/mm/yyyy with day and month swapped, where that is still a date of the season."""
    day = dt.datetime.strptime(date, "%d/%m/%Y").date()
    if day.day > 12 or day.day == day.month:
        return None
    other = day.replace(month=day.day, day=day.month)
    return other.strftime("%d/%m/%Y") if dt.date(2023, 7, 1) <= other <= dt.date(2024, 6, 30) else None


def test_day_and_month_swapped_where_both_are_at_most_12(make_platform, mirror, football_data_dir):
    good = _good(football_data_dir)
    swaps = sum(
        _swapped(row["Date"]) is not None for row in csv.DictReader(io.StringIO(good.decode("latin-1")))
    )
    assert swaps > 20
    reason = _rejected(make_platform(), mirror, _edit(good, "Date", lambda row: _swapped(row["Date"])))
    assert reason.startswith(f"{swaps} matches changed their date (day and month swapped?)")


def test_impossible_goals_are_refused_before_they_reach_the_table(make_platform, mirror, football_data_dir):
    good = _good(football_data_dir)
    first = lambda row: row["HomeTeam"] == "Burnley" and row["AwayTeam"] == "Man City"  # noqa: E731
    bad = _edit(good, "FTHG", lambda row: "25" if first(row) else None)
    bad = _edit(bad, "FTR", lambda row: "H" if first(row) else None)
    reason = _rejected(make_platform(), mirror, bad)
    assert "home_goals" in reason or "FTHG" in reason


def test_more_half_time_than_full_time_goals(make_platform, mirror, football_data_dir):
    bad = _edit(
        _good(football_data_dir),
        "HTHG",
        lambda row: "4" if row["HomeTeam"] == "Arsenal" and row["AwayTeam"] == "Nott'm Forest" else None,
    )
    assert "half-time goals cannot exceed full-time goals" in _rejected(make_platform(), mirror, bad)


def test_next_seasons_august_served_as_this_season(make_platform, mirror, football_data_dir):
    header, *body = _rows(_good(football_data_dir, "/mmz4281/2425/E0.csv"))
    august = [row for row in body if row[header.index("Date")].endswith("/08/2024")]
    assert 0 < len(august) < 40
    reason = _rejected(make_platform(), mirror, _csv([header, *august]))
    assert "finished matches of the previous snapshot are missing" in reason


def test_a_later_good_file_is_taken_after_a_rejected_one(make_platform, mirror, football_data_dir):
    platform = make_platform()
    good = _good(football_data_dir)
    header, *body = _rows(good)
    mirror.overrides[E0_2324] = _csv([header, *body[:300]])
    assert platform.fetch("E0", "2324").success and platform.canonical().success  # first ever: in force
    assert platform.table("matches").height == 300
    mirror.overrides[E0_2324] = _csv([header, *body[:100]])  # damaged
    assert not platform.fetch("E0", "2324").success
    del mirror.overrides[E0_2324]  # the complete file
    assert platform.fetch("E0", "2324").success and platform.canonical().success
    assert platform.table("matches").height == 380


def _corrected_score(good: bytes) -> bytes:
    """Arsenal 2-1 Nott'm Forest recorded as 3-1 (a correction the league would publish)."""
    match = lambda row: row["HomeTeam"] == "Arsenal" and row["AwayTeam"] == "Nott'm Forest"  # noqa: E731
    return _edit(good, "FTHG", lambda row: "3" if match(row) else None)


def test_a_real_correction_goes_through_a_recorded_override(
    make_platform, mirror, football_data_dir, tmp_path, monkeypatch, capsys
):
    platform = make_platform()
    before = _in_force(platform)
    mirror.overrides[E0_2324] = _corrected_score(_good(football_data_dir))
    fetched = platform.fetch("E0", "2324")
    assert not fetched.success
    assert first_failure_reason(fetched).startswith("1 matches changed their score or result")
    sha = platform.snapshots.history(RESULTS, "E0/2324")[-1].sha256

    # the command a person runs, on this platform's store and instance
    env = {
        "SOCCER_STORAGE_URL": platform.settings.storage_url,
        "SOCCER_FOOTBALL_DATA_URL": platform.settings.football_data_url,
        "SOCCER_LEAGUES": "E0",
        "SOCCER_SEASONS": "2324",
        "DAGSTER_HOME": platform.instance.root_directory,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "empty.env").write_text("")
    monkeypatch.setenv("SOCCER_SETTINGS_FILE", str(tmp_path / "empty.env"))
    accept = ["accept-snapshot", "E0", "2324", sha[:12], "--by", "analyst", "--reason", "FA corrected it"]
    assert soccer(accept) == 0
    assert "accepted E0 2023/24 snapshot" in capsys.readouterr().out
    assert soccer(accept) == 2  # a decision is recorded once, never overwritten
    assert "already accepted" in capsys.readouterr().err

    assert platform.fetch("E0", "2324").success  # the check now passes, naming the override
    assert platform.canonical().success
    after = platform.table("matches")
    changed = after.filter(pl.col("home_team") == "Arsenal", pl.col("away_team") == "Nott'm Forest")
    assert changed["home_goals"].to_list() == [3]
    assert after.drop("source_sha256", "home_goals").equals(before.drop("source_sha256", "home_goals"))
    overrides = platform.latest_metadata("matches")["accepted_by_override"]
    assert "analyst" in overrides and "FA corrected it" in overrides


def test_an_override_cannot_make_a_broken_file_readable(make_platform, mirror, football_data_dir, capsys):
    platform = make_platform()
    _in_force(platform)
    good = _good(football_data_dir)
    mirror.overrides[E0_2324] = good[: len(good) // 2]
    assert not platform.fetch("E0", "2324").success
    sha = platform.snapshots.history(RESULTS, "E0/2324")[-1].sha256
    from soccer_assets.defs.ingestion.accept import OverrideRefused, accept_snapshot
    from soccer_assets.lib.seasons import Season

    with pytest.raises(OverrideRefused, match="the file itself is refused"):
        accept_snapshot(
            platform.defs.resources["storage"],
            platform.instance,
            league="E0",
            season=Season.from_code("2324"),
            sha256_prefix=sha[:12],
            accepted_by="analyst",
            reason="trust me",
        )


def test_a_full_rebuild_equals_the_incremental_table(make_platform, mirror, football_data_dir):
    platform = make_platform(("E0",), ("2223", "2324"))
    good = _good(football_data_dir)
    header, *body = _rows(good)
    for served in (_csv([header, *body[:250]]), _csv([header, *body[:120]]), good, _corrected_score(good)):
        mirror.overrides[E0_2324] = served
        platform.fetch("E0", "2324")
        assert platform.fetch("E0", "2223").success and platform.canonical().success
    incremental = platform.table("matches")
    assert incremental.filter(pl.col("season") == "2324").height == 380
    rebuilt = platform.defs.resolve_job_def(CANONICAL_JOB).execute_in_process(
        instance=platform.instance,
        raise_on_error=False,
        run_config={"ops": {"matches": {"config": {"full_rebuild": True}}}},
    )
    assert rebuilt.success
    assert platform.table("matches").equals(incremental)


def test_unchanged_league_seasons_are_not_parsed_again(make_platform, mirror, football_data_dir):
    platform = make_platform(("E0",), ("2223", "2324"))
    assert platform.fetch("E0", "2223").success and platform.fetch("E0", "2324").success
    assert platform.canonical().success
    files = platform.latest_metadata("matches")["files"]
    assert files.count("| 0 |") == 2  # no newer snapshot rejected
    assert platform.latest_metadata("matches")["judged_snapshots"] == 2
    assert platform.canonical().success
    assert platform.latest_metadata("matches")["judged_snapshots"] == 0  # the rows in force are reused


def test_a_table_that_fails_its_audit_is_staged_not_published(make_platform, mirror, football_data_dir):
    """Each file is fine alone; together they hold one match twice (the 2019/20 restart ran into
    July 2020, inside both seasons' windows). The audit stops it before anyone reads it."""
    platform = make_platform(("E0",), ("1920", "2021"))
    assert platform.fetch("E0", "1920").success and platform.fetch("E0", "2021").success
    assert platform.canonical().success
    before = platform.table("matches")

    header, *last_season = _rows(_good(football_data_dir, "/mmz4281/1920/E0.csv"))
    relegated = {"Bournemouth", "Watford", "Norwich"}  # so the pair does not meet again in 2020/21
    july = [
        row
        for row in last_season
        if row[header.index("Date")].endswith("/07/2020") and relegated & set(row[3:5])
    ][-1:]
    this_header, *this_season = _rows(_good(football_data_dir, "/mmz4281/2021/E0.csv"))
    moved = [[dict(zip(header, july[0], strict=False)).get(c, "") for c in this_header]]
    mirror.overrides["/mmz4281/2021/E0.csv"] = _csv([this_header, *moved, *this_season])
    assert platform.fetch("E0", "2021").success  # +1 match, nothing lost: the file alone is fine

    result = platform.canonical()
    assert not result.success
    assert check_outcomes(result)["matches_schema_valid"] is False
    assert "matches" not in materialized(result) and "fixtures" not in materialized(result)
    assert platform.table("matches").equals(before)
    evaluation = next(
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name == "matches_schema_valid"
    )
    staged = evaluation.metadata["staged_table"].value
    assert pl.read_parquet(staged).height == before.height + 1

    # a later run of one downstream asset alone reads the table in force
    ratings = platform.defs.resolve_implicit_job_def_def_for_assets([dg.AssetKey("team_ratings")])
    alone = ratings.execute_in_process(
        instance=platform.instance,
        asset_selection=[dg.AssetKey("team_ratings")],
        raise_on_error=False,
        run_config=quiet_run_config(),
    )
    assert alone.success
    ratings_rows = platform.table("team_ratings")
    assert not ratings_rows.select("team", "kickoff_date").is_duplicated().any()  # no match twice
    in_force = rating_history(before).sort("team", "kickoff_date")
    assert ratings_rows.sort("team", "kickoff_date").equals(in_force.select(ratings_rows.columns))


def test_soccer_ingest_says_which_matches_a_cut_file_lost(make_platform, mirror, football_data_dir):
    platform = make_platform(("E0",), ("2324",))
    _in_force(platform)
    header, *body = _rows(_good(football_data_dir))
    mirror.overrides[E0_2324] = _csv([header, *body[:200]])
    summary, lines = ingest_with_lines(platform)
    assert not summary.ok
    rejected = [line for line in lines if "rejected" in line]
    assert rejected[0].startswith(
        "  E0 2023/24 rejected: 180 finished matches of the previous snapshot are missing "
        "(file cut at a row boundary?)"
    )
