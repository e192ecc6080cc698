"""Raw and canonical pandera schemas: real data passes, each kind of damage is named."""

import datetime as dt

import polars as pl
import pytest

from soccer_assets.lib.football_data.load import load_results
from soccer_assets.lib.schemas.canonical import fixtures_schema, matches_schema
from soccer_assets.lib.schemas.report import validate
from soccer_assets.lib.seasons import Season

E0_2324 = "mmz4281/2324/E0.csv"


@pytest.fixture(scope="module")
def e0_2324(football_data_dir) -> bytes:
    return (football_data_dir / E0_2324).read_bytes()


def _report(data: bytes, league="E0", season="2324"):
    return load_results(data, league=league, season=Season.from_code(season)).report


def _checks(report) -> set[str]:
    return {c["check"] for c in report.by_check}


def test_every_real_season_file_passes_raw_and_canonical_schemas(football_data_dir, manifest):
    frames = []
    for (league, season), rows in manifest.items():
        data = (football_data_dir / "mmz4281" / season / f"{league}.csv").read_bytes()
        loaded = load_results(data, league=league, season=Season.from_code(season))
        assert loaded.ok, loaded.report.summary()
        assert loaded.rows.height == rows
        frames.append(loaded.rows)
    every = pl.concat(frames)
    assert validate(matches_schema(), every).passed
    assert every["match_id"].n_unique() == every.height == sum(manifest.values())


def test_a_renamed_column_is_reported(e0_2324):
    report = _report(e0_2324.replace(b",FTR,", b",FullTimeResult,", 1))
    assert not report.passed
    assert "column_in_dataframe" in _checks(report)
    assert any(c["example"] == "FTR" for c in report.by_check)


def test_duplicated_rows_are_reported_with_samples(e0_2324):
    lines = e0_2324.split(b"\r\n")
    report = _report(b"\r\n".join([*lines[:-1], lines[5], lines[6], b""]))
    assert not report.passed
    assert "multiple_fields_uniqueness" in _checks(report)
    assert report.samples and {"HomeTeam", "AwayTeam"} <= set(report.samples[0])


def test_result_that_contradicts_the_goals(e0_2324):
    lines = e0_2324.split(b"\r\n")
    header = lines[0].split(b",")
    row = lines[1].split(b",")
    ftr = header.index(b"FTR")
    row[ftr] = b"A" if row[ftr] != b"A" else b"H"
    report = _report(b"\r\n".join([lines[0], b",".join(row), *lines[2:]]))
    assert not report.passed and report.failures == 1
    assert report.samples[0]["row"] == 0


def test_file_filed_under_the_wrong_season_or_league(e0_2324):
    wrong_season = _report(e0_2324, season="2122")
    assert wrong_season.failures == 380
    assert any("within season 2021/22" in check for check in _checks(wrong_season))
    wrong_league = _report(e0_2324, league="D1")
    assert not wrong_league.passed and wrong_league.failures == 380


def test_odds_must_exceed_one(e0_2324):
    lines = e0_2324.split(b"\r\n")
    header = lines[0].split(b",")
    row = lines[3].split(b",")
    row[header.index(b"PSCH")] = b"0.95"
    report = _report(b"\r\n".join([*lines[:3], b",".join(row), *lines[4:]]))
    assert not report.passed
    assert any(c["column"] == "PSCH" for c in report.by_check)


def test_canonical_schema_catches_tampering(football_data_dir, e0_2324):
    rows = load_results(e0_2324, league="E0", season=Season.from_code("2324")).rows
    assert validate(matches_schema(), rows).passed
    broken = rows.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(dt.date(2030, 1, 1)))
        .otherwise(pl.col("kickoff_date"))
        .alias("kickoff_date"),
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit(1, pl.Int16))
        .otherwise(pl.col("ht_home_goals") * 0)
        .alias("ht_home_goals"),
    )
    report = validate(matches_schema(), pl.concat([broken, broken.head(1)]))
    checks = " ".join(_checks(report))
    assert "kickoff_date must fall inside" in checks
    assert "unique" in checks or "uniqueness" in checks


def test_fixtures_schema_accepts_real_fixtures(football_data_dir):
    from soccer_assets.lib.football_data.load import load_fixtures

    rows = load_fixtures((football_data_dir / "fixtures.csv").read_bytes()).rows
    assert validate(fixtures_schema(), rows).passed
    dup = pl.concat([rows, rows.head(2)])
    assert validate(fixtures_schema(), dup).failures >= 2
