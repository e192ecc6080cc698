"""WhoScored parsing on the real samples: match pages, block pages, fixtures, team stats."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from soccer_assets.lib.whoscored.fixtures import FixturesFormatError, fixtures_url, match_url, parse_fixtures
from soccer_assets.lib.whoscored.page import MatchPageError, block_reason, extract_match_centre
from soccer_assets.lib.whoscored.stats import MatchCentreFormatError, stats_frame, team_rows
from tests.sources.server import INCAPSULA_PAGE, match_page


@pytest.fixture(scope="module")
def centre(shared_data) -> dict:
    return json.loads(
        (shared_data / "whoscored" / "matchcentre" / "1485184_matchCentreData.json").read_bytes()
    )


def test_match_centre_is_read_from_the_page_script(centre):
    assert extract_match_centre(match_page(1485184, centre).decode()) == centre
    single_quoted = match_page(1485184, centre).decode().replace('params["args"]', "params['args']")
    assert extract_match_centre(single_quoted) == centre


def test_null_match_centre_means_no_data_yet():
    assert extract_match_centre(match_page(1485184, None).decode()) is None


def test_pages_without_the_data_are_errors(shared_data):
    preview = (shared_data / "whoscored" / "pages" / "match_1485184_preview.html").read_text()
    with pytest.raises(MatchPageError, match="no require.config.params\\['args'\\]"):
        extract_match_centre(preview)
    season = (
        shared_data / "whoscored" / "pages" / "season_ENG-Premier-League_2020-2021_stage18685.html"
    ).read_text()
    with pytest.raises(MatchPageError, match="no matchCentreData"):
        extract_match_centre(season)


def test_block_pages_are_recognised_and_real_pages_are_not(shared_data, centre):
    assert "incapsula" in block_reason(INCAPSULA_PAGE, 200)
    assert block_reason("<html><title>Just a moment...</title></html>", 403) is not None
    assert block_reason("<html><body>Forbidden</body></html>", 403) is not None
    assert block_reason(match_page(1485184, centre).decode(), 200) is None
    for page in (shared_data / "whoscored" / "pages").glob("*.html"):
        assert block_reason(page.read_text(), 200) is None, page.name
    assert block_reason('{"tournaments": []}', 200) is None


def test_fixtures_of_a_real_month(shared_data):
    data = (
        shared_data / "whoscored" / "fixtures" / "ENG-Premier-League_2021_stage18685_month00.json"
    ).read_bytes()
    fixtures = parse_fixtures(data, 18685)
    assert len(fixtures) == 50 and all(f.finished for f in fixtures)
    burnley = next(f for f in fixtures if f.ws_match_id == 1485184)
    assert (burnley.home, burnley.away, burnley.kickoff_utc.isoformat()) == (
        "Burnley",
        "Manchester United",
        "2021-01-12T20:15:00+00:00",
    )
    with pytest.raises(FixturesFormatError):
        parse_fixtures(b'{"tournaments": [{"matches": [{"id": 1}]}]}', 18685)
    with pytest.raises(FixturesFormatError):
        parse_fixtures(INCAPSULA_PAGE.encode(), 18685)


def test_urls_follow_the_site_layout():
    assert fixtures_url("https://www.whoscored.com/", 18685, dt.date(2021, 1, 1)) == (
        "https://www.whoscored.com/tournaments/18685/data/?d=202101"
    )
    assert match_url("https://www.whoscored.com", 1485184) == "https://www.whoscored.com/Matches/1485184/Live"


def test_team_stats_agree_with_football_data(centre, football_data_dir):
    """Burnley 0-1 Man United, 2021-01-12, against the same match in football-data's E0 2020/21."""
    line = next(
        row
        for row in (football_data_dir / "mmz4281/2021/E0.csv").read_text().splitlines()
        if row.startswith("E0,12/01/2021,20:15,Burnley")
    ).split(",")
    hs, as_, hst, ast, hf, af, hc, ac, hy, ay = (int(v) for v in line[12:22])
    home, away = stats_frame(team_rows(centre, 1485184)).to_dicts()
    assert (home["shots"], away["shots"], home["shots_on_target"], away["shots_on_target"]) == (
        hs,
        as_,
        hst,
        ast,
    )
    assert (home["fouls"], away["fouls"], home["corners"], away["corners"]) == (hf, af, hc, ac)
    assert (home["yellow_cards"], away["yellow_cards"]) == (hy, ay)
    assert (home["goals"], away["goals"]) == (0, 1)
    assert home["possession"] + away["possession"] == pytest.approx(100.0)
    assert 5 < home["rating"] < 8


def test_team_stats_need_both_teams(centre):
    with pytest.raises(MatchCentreFormatError):
        team_rows({k: v for k, v in centre.items() if k != "away"}, 1485184)
