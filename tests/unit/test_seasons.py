import datetime as dt

import pytest

from soccer_assets.lib.seasons import Season, last_seasons, parse_season_list


def test_codes_round_trip_across_the_century():
    assert Season.from_code("2324") == Season(2023)
    assert Season.from_code("9900") == Season(1999)
    assert Season.from_code("9900").code == "9900"
    assert Season(2023).label == "2023/24"


@pytest.mark.parametrize("bad", ["2325", "23", "abcd", "2423", ""])
def test_rejects_malformed_codes(bad):
    with pytest.raises(ValueError):
        Season.from_code(bad)


def test_a_season_starts_in_july():
    assert Season.containing(dt.date(2024, 6, 30)) == Season(2023)
    assert Season.containing(dt.date(2024, 7, 1)) == Season(2024)


def test_last_twelve_seasons_end_with_the_running_one():
    seasons = last_seasons(12, dt.date(2026, 11, 22))
    assert [s.code for s in (seasons[0], seasons[-1])] == ["1516", "2627"]
    assert len(seasons) == 12


def test_covid_restart_fits_the_window_of_its_season():
    lo, hi = Season(2019).window()
    assert lo <= dt.date(2020, 7, 26) <= hi


def test_parse_lists_and_ranges():
    assert [s.code for s in parse_season_list("2324, 2122")] == ["2122", "2324"]
    assert [s.code for s in parse_season_list("2223-2425")] == ["2223", "2324", "2425"]
    with pytest.raises(ValueError):
        parse_season_list("2425-2223")
    with pytest.raises(ValueError):
        parse_season_list(" , ")
