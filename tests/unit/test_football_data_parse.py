"""The parser on the real football-data.co.uk files and their quirks."""

import csv
import datetime as dt
import io

import polars as pl
import pytest

from soccer_assets.lib.football_data.columns import (
    closing_odds_columns,
    is_closing_column,
    pre_match_odds_columns,
)
from soccer_assets.lib.football_data.csv_reader import CsvFormatError, count_data_rows, read_raw_csv
from soccer_assets.lib.football_data.load import load_fixtures, load_results
from soccer_assets.lib.football_data.parse import matches_columns
from soccer_assets.lib.seasons import Season


def _load(football_data_dir, season, league):
    data = (football_data_dir / "mmz4281" / season / f"{league}.csv").read_bytes()
    loaded = load_results(data, league=league, season=Season.from_code(season))
    assert loaded.ok, loaded.report
    return data, loaded.rows


def _dict_rows(data: bytes):
    return [r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))) if any(r.values())]


@pytest.mark.parametrize(
    ("season", "league"), [("1415", "E0"), ("2122", "E0"), ("2425", "SP1"), ("2526", "E0")]
)
def test_every_row_matches_an_independent_csv_reading(football_data_dir, manifest, season, league):
    data, rows = _load(football_data_dir, season, league)
    expected = _dict_rows(data)
    assert rows.height == len(expected) == manifest[(league, season)]
    by_teams = {(r["HomeTeam"], r["AwayTeam"]): r for r in expected}
    for row in rows.iter_rows(named=True):
        raw = by_teams[(row["home_team"], row["away_team"])]
        assert row["home_goals"] == int(raw["FTHG"]) and row["result"] == raw["FTR"]
        assert row["pre_b365_home"] == float(raw["B365H"])
        assert row["close_ps_home"] == (float(raw["PSCH"]) if raw["PSCH"] else None)


def test_bom_is_stripped(football_data_dir):
    data = (football_data_dir / "mmz4281/2425/E0.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert read_raw_csv(data).columns[0] == "Div"


def test_two_digit_and_four_digit_years(football_data_dir):
    _, old = _load(football_data_dir, "1415", "E0")  # dd/mm/yy
    _, new = _load(football_data_dir, "1516", "E0")  # dd/mm/yyyy
    assert old["kickoff_date"].min() == dt.date(2014, 8, 16)
    assert new["kickoff_date"].min() == dt.date(2015, 8, 8)


def test_kickoff_time_is_uk_local_and_converted_to_utc(football_data_dir):
    _, rows = _load(football_data_dir, "2324", "E0")
    opener = rows.filter(pl.col("match_id") == "E0_2023-08-11_burnley_man-city").row(0, named=True)
    assert opener["kickoff_time_local"] == dt.time(20, 0)
    assert opener["kickoff_utc"] == dt.datetime(2023, 8, 11, 19, 0, tzinfo=dt.UTC)  # BST = UTC+1


def test_files_before_2019_have_no_time(football_data_dir):
    _, rows = _load(football_data_dir, "1819", "E0")
    assert rows["kickoff_time_local"].null_count() == rows.height
    assert rows["kickoff_utc"].null_count() == rows.height


def test_season_comes_from_the_file_not_the_date(football_data_dir):
    _, rows = _load(football_data_dir, "1920", "E0")
    assert rows["kickoff_date"].max() == dt.date(2020, 7, 26)
    assert rows["season"].unique().to_list() == ["1920"]


def test_pinnacle_disappears_in_2026_but_the_market_average_closes(football_data_dir):
    _, rows = _load(football_data_dir, "2526", "E0")
    late = rows.filter(pl.col("kickoff_date") >= dt.date(2026, 1, 17))
    assert late.height > 0
    assert late["close_ps_home"].null_count() == late.height
    assert late["close_avg_home"].null_count() == 0


def test_era_columns_map_to_one_schema(football_data_dir):
    _, old = _load(football_data_dir, "1415", "E0")
    _, new = _load(football_data_dir, "2526", "E0")
    assert old.columns == new.columns == matches_columns()
    assert old["pre_max_home"].null_count() == 0  # from BbMxH
    assert new["pre_max_home"].null_count() == 0  # from MaxH
    assert new["pre_iw_home"].null_count() == new.height  # Interwetten gone by 2025/26


def test_closing_prices_are_named_apart_from_pre_match_prices():
    odds = [c for c in matches_columns() if c.split("_")[0] in ("pre", "close")]
    assert [c for c in odds if is_closing_column(c)] == closing_odds_columns()
    assert [c for c in odds if not is_closing_column(c)] == pre_match_odds_columns()


def test_apostrophes_survive(football_data_dir):
    _, rows = _load(football_data_dir, "2324", "E0")
    assert "Nott'm Forest" in rows["home_team"].to_list()
    assert (
        rows.filter(pl.col("home_team") == "Nott'm Forest")["match_id"].str.contains("_nottm-forest_").all()
    )


def test_reserialized_floats_parse(shared_data):
    data = (shared_data / "football-data/reserialized/mmz4281/1617/SP1.csv").read_bytes()
    loaded = load_results(data, league="SP1", season=Season.from_code("1617"))
    assert loaded.ok and loaded.rows.height == 380
    assert loaded.rows["home_goals"].dtype == pl.Int16


def test_padding_rows_of_commas_are_dropped(football_data_dir):
    path = football_data_dir / "fixtures_snapshots/fixtures_2026-03-27_with_blank_rows.csv"
    data = path.read_bytes()
    assert data.count(b"\n" + b"," * 20) >= 100
    loaded = load_fixtures(data)
    assert loaded.ok and loaded.rows.height == count_data_rows(data) == 236


def test_fixtures_keep_every_division(football_data_dir):
    loaded = load_fixtures((football_data_dir / "fixtures.csv").read_bytes())
    assert loaded.rows.height == 185
    assert loaded.rows.filter(pl.col("league") == "E0").height == 10
    assert loaded.rows["season"].unique().to_list() == ["2526"]


def test_cut_off_download_is_refused(football_data_dir):
    data = (football_data_dir / "mmz4281/2324/E0.csv").read_bytes()
    with pytest.raises(CsvFormatError, match="cut off"):
        read_raw_csv(data[: len(data) // 2])
    with pytest.raises(CsvFormatError, match="fields"):
        read_raw_csv(data[: len(data) // 2] + b"\r\n")
