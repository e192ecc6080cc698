"""The linker's parts: normalisation, alias tables, and the matcher's rules one by one."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from soccer_assets.lib.identity import match_id
from soccer_assets.lib.linking.aliases import (
    AliasTableError,
    load_competitions,
    load_team_aliases,
    parse_team_aliases,
)
from soccer_assets.lib.linking.matcher import Linker, link_events
from soccer_assets.lib.linking.model import Candidate, Layer, Reason, SourceEvent
from soccer_assets.lib.linking.normalize import Squad, normalize_name, squad_of, transliterate

KICKOFF = dt.datetime(2019, 8, 11, 15, 30, tzinfo=dt.UTC)
NO_ALIASES = parse_team_aliases("test", "league,alias,team\n")


def cand(
    home: str, away: str, when: dt.datetime = KICKOFF, league: str = "E0", timed: bool = True
) -> Candidate:
    day = when.date()
    return Candidate(match_id(league, day, home, away), league, home, away, day, when if timed else None)


def event(event_id: int, home: str, away: str, when: dt.datetime = KICKOFF, league: str | None = "E0"):
    return SourceEvent(event_id, home, away, when, league, "test competition")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Манчестер Юн", "manchester united"),
        ("Man United", "manchester united"),
        ("Nott'm Forest", "nottingham forest"),
        ("Paris Saint-Germain", "paris saint germain"),
        ("Paris SG", "paris saint germain"),
        ("1. FC Köln", "koln"),
        ("A.F.C. Bournemouth", "bournemouth"),
        ("Бёрнли", "bernli"),
        ("Brighton & Hove Albion", "brighton and hove albion"),
    ],
)
def test_normalised_keys(name, key):
    assert normalize_name(name) == key


def test_transliteration_is_english_friendly():
    assert transliterate("Хоффенхайм") == "hoffenhaym"
    assert transliterate("Шальке") == "shalke"


@pytest.mark.parametrize(
    ("name", "squad"),
    [
        ("Гент (р)", Squad.RESERVE),
        ("Бавария-2", Squad.RESERVE),
        ("Йонг Аякс", Squad.RESERVE),
        ("Челси U23", Squad.YOUTH),
        ("Inter U19", Squad.YOUTH),
        ("Хаукар (ж)", Squad.WOMEN),
        ("Manchester United Women", Squad.WOMEN),
        ("Сарпсборг 08", Squad.FIRST),  # a year in the name is not a second team
        ("Schalke 04", Squad.FIRST),
        ("Willem II", Squad.FIRST),
        ("Блубелл Юн", Squad.FIRST),  # "Юн" abbreviates United here, not juniors
    ],
)
def test_squad_markers(name, squad):
    assert squad_of(name) is squad


def test_alias_table_rejects_one_name_for_two_teams():
    text = "league,alias,team\nE0,Манчестер,Man United\nE0,манчестер,Man City\n"
    with pytest.raises(AliasTableError, match="maps to both"):
        parse_team_aliases("test", text)


def test_alias_rows_are_scoped_by_league():
    table = parse_team_aliases(
        "test", "league,alias,team\nE0,Рома,Roma\nI1,Рома,Roma\nD1,Унион,Union Berlin\n"
    )
    assert table.lookup("Унион", "D1") == "Union Berlin"
    assert table.lookup("Унион", "E0") is None
    assert table.lookup("рома", None) == "Roma"  # same team in every row: unambiguous


def test_packaged_tables_point_at_football_data_names(football_data_dir):
    """Every alias target is a team name the mirror uses (I1 has no season file there)."""
    known: dict[str, set[str]] = {}
    for path in [*football_data_dir.glob("mmz4281/*/*.csv"), football_data_dir / "fixtures.csv"]:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("Div"):
                    known.setdefault(row["Div"], set()).update((row["HomeTeam"], row["AwayTeam"]))
    with_history = {p.stem for p in football_data_dir.glob("mmz4281/*/*.csv")}
    for source in ("fonbet", "whoscored"):
        table = load_team_aliases(source)
        assert len(table) > 20
        unknown = {
            (league, team)
            for by_league in table.entries.values()
            for league, team in by_league.items()
            if league in with_history and team not in known[league]
        }
        assert unknown == set(), f"{source}: {unknown}"
    assert load_competitions("fonbet").league_of("футбол. англия. премьер-лига") == "E0"


def test_alias_wins_over_an_identical_spelling():
    aliases = parse_team_aliases("test", "league,alias,team\nE0,Arsenal,Tottenham\n")
    candidates = [cand("Arsenal", "Chelsea"), cand("Tottenham", "Chelsea", KICKOFF + dt.timedelta(hours=1))]
    result = link_events([event(1, "Arsenal", "Chelsea")], candidates, aliases)
    # the pair is as weak as its weaker side: home by alias, "Chelsea" by exact name
    assert [(x.match_id, x.layer) for x in result.links] == [(candidates[1].match_id, Layer.EXACT)]


def test_city_is_never_linked_to_united():
    result = link_events(
        [event(1, "Manchester City", "Chelsea")], [cand("Man United", "Chelsea")], NO_ALIASES
    )
    assert result.links == [] and result.unlinked[0].reason is Reason.BELOW_THRESHOLD
    assert result.unlinked[0].best_candidate == cand("Man United", "Chelsea").match_id  # shown for review


def test_inter_miami_is_not_inter():
    inter = cand("Inter", "Parma", league="I1")
    result = link_events([event(1, "Inter Miami", "Parma", league="I1")], [inter], NO_ALIASES)
    assert result.links == []


def test_fuzzy_needs_a_margin_over_the_next_team_of_the_league():
    candidates = [cand("Man United", "Chelsea"), cand("Man City", "Arsenal", KICKOFF + dt.timedelta(days=3))]
    result = link_events([event(1, "Manchester", "Chelsea")], candidates, NO_ALIASES)
    assert result.links == []


def test_two_events_claiming_one_match_are_both_sent_to_review():
    result = link_events(
        [event(1, "Man United", "Chelsea"), event(2, "Manchester United", "Chelsea FC")],
        [cand("Man United", "Chelsea")],
        NO_ALIASES,
    )
    assert result.links == []
    assert {(u.event_id, u.reason) for u in result.unlinked} == {(1, Reason.CONFLICT), (2, Reason.CONFLICT)}


def test_a_stronger_layer_wins_a_claim():
    aliases = parse_team_aliases("test", "league,alias,team\nE0,Манчестер Юн,Man United\nE0,Челси,Chelsea\n")
    result = link_events(
        [event(1, "Манчестер Юн", "Челси"), event(2, "Manchester Utd", "Chelsea")],
        [cand("Man United", "Chelsea")],
        aliases,
    )
    assert [(x.event_id, x.layer) for x in result.links] == [(1, Layer.ALIAS)]
    assert result.unlinked[0].event_id == 2 and result.unlinked[0].reason is Reason.CONFLICT


def test_kickoff_window_and_date_only_candidates():
    timed = cand("Arsenal", "Burnley")
    late = event(1, "Arsenal", "Burnley", KICKOFF + dt.timedelta(hours=4))
    assert link_events([late], [timed], NO_ALIASES).unlinked[0].reason is Reason.NO_MATCH_IN_WINDOW
    untimed = cand("Arsenal", "Burnley", timed=False)  # seasons before 2019/20 have no kickoff times
    assert len(link_events([late], [untimed], NO_ALIASES).links) == 1
    next_day = event(2, "Arsenal", "Burnley", KICKOFF + dt.timedelta(days=1))
    assert link_events([next_day], [untimed], NO_ALIASES).links == []


def test_unmapped_competitions_get_exact_layers_only():
    candidates = [cand("Tottenham", "Aston Villa")]
    exact = event(1, "Tottenham", "Aston Villa", league=None)
    misspelt = event(2, "Tottenhem", "Aston Villa", league=None)
    result = link_events([exact, misspelt], candidates, NO_ALIASES)
    assert [(x.event_id, x.layer) for x in result.links] == [(1, Layer.EXACT)]
    assert result.unlinked[0].reason is Reason.COMPETITION_UNMAPPED


def test_reserve_youth_and_women_sides_are_refused_first():
    events = [event(1, "Chelsea U23", "Liverpool U23"), event(2, "Челси (ж)", "Ливерпуль (ж)")]
    result = link_events(events, [cand("Chelsea", "Liverpool")], NO_ALIASES)
    assert {u.reason for u in result.unlinked} == {Reason.NOT_FIRST_TEAM}


def test_ids_must_identify_events():
    with pytest.raises(ValueError, match="share the id"):
        Linker([cand("Arsenal", "Burnley")], NO_ALIASES).link([event(1, "A", "B"), event(1, "C", "D")])
