"""Bad input: clear failures, blocked downstream assets, earlier snapshots untouched."""

import gzip

import pytest

from tests.assets.conftest import check_outcomes, ingest_with_lines, materialized

E0_2324 = "/mmz4281/2324/E0.csv"


def _good_run(platform):
    assert platform.fetch("E0", "2324").success and platform.canonical().success
    return platform.table("matches")


def test_unpublished_season_leaves_only_that_partition_empty(make_platform, mirror):
    platform = make_platform(("E0",), ("2324", "2627"))
    missing = platform.fetch("E0", "2627")
    assert missing.success and materialized(missing) == set()
    assert mirror.count("/mmz4281/2627/E0.csv") == 1  # a 404 is not retried
    observations = [e for e in missing.all_events if e.event_type_value == "ASSET_OBSERVATION"]
    assert observations[0].event_specific_data.asset_observation.metadata["http_status"].value == 404
    assert platform.fetch("E0", "2324").success and platform.canonical().success
    meta = platform.latest_metadata("matches")
    assert meta["covered"] == "E0/2324" and meta["missing"] == "E0/2627"


def test_server_error_then_success(make_platform, mirror):
    platform = make_platform()
    mirror.faults[E0_2324] = [500, 502]
    result = platform.fetch("E0", "2324")
    assert result.success
    assert platform.latest_metadata("raw_football_data", "E0|2324")["attempts"] == 3


def test_persistent_outage_fails_clearly_and_keeps_the_earlier_snapshot(make_platform, mirror):
    platform = make_platform()
    before = _good_run(platform)
    mirror.faults[E0_2324] = [503] * 10
    result = platform.fetch("E0", "2324")
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "gave up after 3 attempts" in failure.event_specific_data.error.message
    history = platform.snapshots.history("football-data/results", "E0/2324")
    assert len(history) == 1 and platform.snapshots.read(history[0])
    assert platform.canonical().success and platform.table("matches").equals(before)


def test_a_file_over_the_size_limit_is_refused_once_and_named(make_platform, mirror, football_data_dir):
    platform = make_platform(max_download_mb=0.05)  # E0 2023/24 is about 170 kB
    result = platform.fetch("E0", "2324")
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "over the 0.05 MB limit" in failure.event_specific_data.error.message
    assert mirror.count(E0_2324) == 1  # a size refusal is not retried
    assert platform.snapshots.history("football-data/results", "E0/2324") == []
    assert make_platform(max_download_mb=20).fetch("E0", "2324").success


def _bad_file_is_contained(platform, mirror, football_data_dir, bad: bytes, failed_check: str):
    before = _good_run(platform)
    mirror.overrides[E0_2324] = bad
    result = platform.fetch("E0", "2324")
    # the raw snapshot is kept (it is what the source served) but its blocking check fails
    assert not result.success
    assert check_outcomes(result) == {"raw_football_data_schema": False}
    evaluation = next(
        e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    )
    assert failed_check in evaluation.metadata["failures_by_check"].value
    history = platform.snapshots.history("football-data/results", "E0/2324")
    assert len(history) == 2
    assert platform.snapshots.read(history[0]) == (football_data_dir / E0_2324.lstrip("/")).read_bytes()

    # a later rebuild keeps using the last good snapshot and says why
    assert platform.canonical().success
    assert platform.table("matches").equals(before)
    rejected = platform.latest_metadata("matches")["rejected_snapshots"]
    assert history[1].sha256[:12] in rejected
    return evaluation.metadata["failures_by_check"].value


def test_truncated_file(make_platform, mirror, football_data_dir):
    good = (football_data_dir / E0_2324.lstrip("/")).read_bytes()
    _bad_file_is_contained(make_platform(), mirror, football_data_dir, good[: len(good) // 2], "readable_csv")


def test_file_with_a_wrong_column(make_platform, mirror, football_data_dir):
    good = (football_data_dir / E0_2324.lstrip("/")).read_bytes()
    bad = good.replace(b",FTHG,", b",HomeGoals,", 1)
    _bad_file_is_contained(make_platform(), mirror, football_data_dir, bad, "column_in_dataframe")


def test_duplicated_rows(make_platform, mirror, football_data_dir):
    good = (football_data_dir / E0_2324.lstrip("/")).read_bytes()
    lines = good.split(b"\r\n")
    bad = b"\r\n".join([*lines[:-1], *lines[10:13], b""])
    _bad_file_is_contained(make_platform(), mirror, football_data_dir, bad, "multiple_fields_uniqueness")


def test_blocking_check_stops_downstream_in_the_same_run(make_platform, mirror, football_data_dir):
    platform = make_platform()
    assert _good_run(platform).height == 380
    mirror.overrides["/fixtures.csv"] = b"Div,Date,HomeTeam,AwayTeam\r\nE0,99/99/2026,Leeds,Burnley\r\n"
    result = platform.canonical()
    assert not result.success
    assert check_outcomes(result)["raw_fixtures_schema"] is False
    assert materialized(result) == {"raw_fixtures", "matches"}  # fixtures blocked by the failed check
    assert platform.table("fixtures").height == 10  # the previous good table is untouched


def test_first_ever_run_without_any_data_fails_with_a_hint(make_platform):
    platform = make_platform(("I1",), ("2324",))  # Serie A is not in the mirror
    assert platform.fetch("I1", "2324").success
    result = platform.canonical()
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "materialize raw_football_data first" in str(failure.event_specific_data)


def _same_matches_from(platform, mirror, bad: bytes):
    """A file that differs from the good one only in its encoding gives the same table."""
    before = _good_run(platform)
    mirror.overrides[E0_2324] = bad
    fetched = platform.fetch("E0", "2324")
    assert fetched.success and check_outcomes(fetched) == {"raw_football_data_schema": True}
    assert len(platform.snapshots.history("football-data/results", "E0/2324")) == 2  # the bytes kept
    assert platform.canonical().success
    after = platform.table("matches")
    assert after.drop("source_sha256").equals(before.drop("source_sha256"))
    newest = platform.snapshots.history("football-data/results", "E0/2324")[-1].sha256
    assert (after["source_sha256"] == newest).all()  # rows name the snapshot they came from


def test_cr_only_line_endings_parse(make_platform, mirror, football_data_dir):
    good = (football_data_dir / E0_2324.lstrip("/")).read_bytes()
    _same_matches_from(make_platform(), mirror, good.replace(b"\r\n", b"\r"))


def test_a_gzip_body_without_a_content_encoding_header_is_decompressed(
    make_platform, mirror, football_data_dir
):
    good = (football_data_dir / E0_2324.lstrip("/")).read_bytes()
    _same_matches_from(make_platform(), mirror, gzip.compress(good))


@pytest.mark.parametrize("spelling", ["Арсенал", "阿森纳"])
def test_a_team_name_in_another_script_rejects_the_file_naming_the_team(
    make_platform, mirror, football_data_dir, spelling
):
    # not transliterated into the table: the ratings would take it for a new team
    good = (football_data_dir / E0_2324.lstrip("/")).read_bytes()
    bad = good.replace(b",Arsenal,", f",{spelling},".encode())
    reason = _bad_file_is_contained(make_platform(), mirror, football_data_dir, bad, "parsable")
    assert spelling in reason and "not written in Latin letters" in reason


def test_bytes_that_are_not_text_are_kept_and_rejected(make_platform, mirror, football_data_dir):
    garbage = bytes(range(256)) * 40 + b"\x81\x8d\x8f\x90\x9d\r\n"  # not UTF-8, not Windows-1252
    _bad_file_is_contained(make_platform(), mirror, football_data_dir, garbage, "readable_csv")


def test_soccer_ingest_says_why_a_file_was_rejected_in_one_line(make_platform, mirror, football_data_dir):
    platform = make_platform(("E0",), ("2324", "2425"))
    good = (football_data_dir / E0_2324.lstrip("/")).read_bytes()
    mirror.overrides[E0_2324] = good[: len(good) // 2]
    summary, lines = ingest_with_lines(platform)
    assert not summary.ok and summary.failed_runs == ["raw_football_data[E0|2324]"]
    rejected = [line for line in lines if "rejected" in line]
    assert len(rejected) == 1
    assert rejected[0].startswith(
        "  E0 2023/24 rejected: raw_results_E0_2324: file does not end with a line break"
    )
    assert "download was probably cut off" in rejected[0]
