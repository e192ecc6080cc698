"""A labelled set for the linker, built from the real samples and football-data names.

Events come from two places:

- every football event of the real Fonbet sample (``currentLine.json``, 2019-08-18/19,
  events and announcements); one of them is a real Premier League match (Wolves v Man
  United), none of the others is in a covered league;
- events written here in Fonbet's style (Russian names as the site spells them,
  Latin names of its English feed, misspellings) for real matches of the
  football-data mirror: E0 and F1 2019/20 and ``fixtures.csv`` (May 2026), plus traps
  that must stay unlinked: Manchester City vs United, Inter vs Inter Miami, reserve,
  youth and women's sides, reversed fixtures, wrong days and kickoffs.

Labels are match ids checked against the candidate set, never produced by the linker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from soccer_assets.lib.fonbet.events import football_events
from soccer_assets.lib.fonbet.packet import parse_packet
from soccer_assets.lib.fonbet.state import LineState
from soccer_assets.lib.football_data.load import load_fixtures, load_results
from soccer_assets.lib.identity import match_id
from soccer_assets.lib.linking.frames import candidates_from
from soccer_assets.lib.linking.model import Candidate
from soccer_assets.lib.seasons import Season

EPL = "Футбол. Англия. Премьер-Лига"
BUNDESLIGA = "Футбол. Германия. Бундеслига"
LIGUE1 = "Футбол. Франция. Лига 1"
SERIE_A = "Футбол. Италия. Серия А"
LALIGA = "Футбол. Испания. Примера"
EPL_EN = "Football. England. Premier League"
MLS = "Футбол. США. MLS"
WOMEN = "Футбол. Жен. Англия. Суперлига"
U21 = "Футбол. До 21 года. Англия. Премьер-Лига 2"
COVERED = ("E0", "D1", "F1", "I1", "SP1")
REAL_LINKS = {16040873: "E0_2019-08-19_wolves_man-united"}  # Вулверхэмптон - Манчестер Юн


@dataclass(frozen=True)
class Labelled:
    event_id: int
    competition: str
    home: str
    away: str
    kickoff_utc: dt.datetime
    expected: str | None  # the match id, or None: must stay unlinked
    note: str = ""


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _id(league: str, day: str, home: str, away: str) -> str:
    return match_id(league, dt.date.fromisoformat(day), home, away)


# (competition, home, away, kickoff UTC, expected (league, UK date, home, away) or None, note)
WRITTEN: list[tuple[str, str, str, str, tuple[str, str, str, str] | None, str]] = [
    # fixtures.csv, May 2026 (UK times in the file are BST = UTC+1)
    (EPL, "Лидс Юнайтед", "Бернли", "2026-05-01 19:00", ("E0", "2026-05-01", "Leeds", "Burnley"), "alias"),
    (
        EPL,
        "Брентфорд",
        "Вест Хэм",
        "2026-05-02 14:00",
        ("E0", "2026-05-02", "Brentford", "West Ham"),
        "alias",
    ),
    (EPL, "Ньюкасл", "Брайтон", "2026-05-02 14:00", ("E0", "2026-05-02", "Newcastle", "Brighton"), "alias"),
    (
        EPL,
        "Вулверхэмптон",
        "Сандерленд",
        "2026-05-02 14:00",
        ("E0", "2026-05-02", "Wolves", "Sunderland"),
        "",
    ),
    (EPL_EN, "Arsenal", "Fulham FC", "2026-05-02 16:30", ("E0", "2026-05-02", "Arsenal", "Fulham"), "latin"),
    (
        EPL,
        "Борнмут",
        "Кристал Пэлас",
        "2026-05-03 13:00",
        ("E0", "2026-05-03", "Bournemouth", "Crystal Palace"),
        "",
    ),
    (
        EPL,
        "Манчестер Юн",
        "Ливерпуль",
        "2026-05-03 14:30",
        ("E0", "2026-05-03", "Man United", "Liverpool"),
        "",
    ),
    (
        EPL_EN,
        "Aston Villa",
        "Tottenham Hotspur",
        "2026-05-03 18:00",
        ("E0", "2026-05-03", "Aston Villa", "Tottenham"),
        "",
    ),
    (
        EPL,
        "Челси",
        "Ноттингем Форест",
        "2026-05-04 14:00",
        ("E0", "2026-05-04", "Chelsea", "Nott'm Forest"),
        "",
    ),
    (EPL, "Эвертон", "Манчестер Сити", "2026-05-04 19:00", ("E0", "2026-05-04", "Everton", "Man City"), ""),
    (
        BUNDESLIGA,
        "Бавария",
        "Хайденхайм",
        "2026-05-02 13:30",
        ("D1", "2026-05-02", "Bayern Munich", "Heidenheim"),
        "",
    ),
    (
        BUNDESLIGA,
        "Айнтрахт Ф",
        "Гамбург",
        "2026-05-02 13:30",
        ("D1", "2026-05-02", "Ein Frankfurt", "Hamburg"),
        "",
    ),
    (
        BUNDESLIGA,
        "Боруссия М",
        "Боруссия Д",
        "2026-05-03 15:30",
        ("D1", "2026-05-03", "M'gladbach", "Dortmund"),
        "",
    ),
    (
        BUNDESLIGA,
        "Байер",
        "РБ Лейпциг",
        "2026-05-02 16:30",
        ("D1", "2026-05-02", "Leverkusen", "RB Leipzig"),
        "",
    ),
    (
        BUNDESLIGA,
        "Union Berlin",
        "1. FC Köln",
        "2026-05-02 13:30",
        ("D1", "2026-05-02", "Union Berlin", "FC Koln"),
        "exact",
    ),
    (SERIE_A, "Интер", "Парма", "2026-05-03 18:45", ("I1", "2026-05-03", "Inter", "Parma"), ""),
    (SERIE_A, "Сассуоло", "Милан", "2026-05-03 13:00", ("I1", "2026-05-03", "Sassuolo", "Milan"), ""),
    (SERIE_A, "Ювентус", "Эллас Верона", "2026-05-03 16:00", ("I1", "2026-05-03", "Juventus", "Verona"), ""),
    (
        LALIGA,
        "Валенсия",
        "Атлетико Мадрид",
        "2026-05-02 14:15",
        ("SP1", "2026-05-02", "Valencia", "Ath Madrid"),
        "",
    ),
    (
        LALIGA,
        "Эспаньол",
        "Реал Мадрид",
        "2026-05-03 19:00",
        ("SP1", "2026-05-03", "Espanol", "Real Madrid"),
        "",
    ),
    (LALIGA, "Осасуна", "Барселона", "2026-05-02 19:00", ("SP1", "2026-05-02", "Osasuna", "Barcelona"), ""),
    (LIGUE1, "ПСЖ", "Лорьян", "2026-05-02 15:00", ("F1", "2026-05-02", "Paris SG", "Lorient"), ""),
    (LIGUE1, "Лион", "Ренн", "2026-05-03 18:45", ("F1", "2026-05-03", "Lyon", "Rennes"), ""),
    (
        LIGUE1,
        "Paris FC",
        "Brest",
        "2026-05-03 15:15",
        ("F1", "2026-05-03", "Paris FC", "Brest"),
        "exact, not PSG",
    ),
    # E0 / F1 2019/20, real matches; spellings the alias table does not hold (fuzzy layer)
    (
        EPL,
        "Борнмус",
        "Шеффилд Юнайтед",
        "2019-08-10 14:00",
        ("E0", "2019-08-10", "Bournemouth", "Sheffield United"),
        "fuzzy",
    ),
    (EPL, "Уотфорт", "Брайтон", "2019-08-10 14:00", ("E0", "2019-08-10", "Watford", "Brighton"), "fuzzy"),
    (
        EPL,
        "Тоттенхем",
        "Астон Вилла",
        "2019-08-10 16:30",
        ("E0", "2019-08-10", "Tottenham", "Aston Villa"),
        "normalised",
    ),
    (EPL, "Бёрнли", "Саутгемптон", "2019-08-10 14:00", ("E0", "2019-08-10", "Burnley", "Southampton"), "ё"),
    (
        EPL_EN,
        "Man Utd",
        "Chelsea FC",
        "2019-08-11 15:30",
        ("E0", "2019-08-11", "Man United", "Chelsea"),
        "exact",
    ),
    (
        EPL_EN,
        "Newcastle Utd",
        "Arsenal FC",
        "2019-08-11 13:00",
        ("E0", "2019-08-11", "Newcastle", "Arsenal"),
        "",
    ),
    (
        EPL,
        "Саутхэмптон",
        "Ливерпуль",
        "2019-08-17 14:00",
        ("E0", "2019-08-17", "Southampton", "Liverpool"),
        "fuzzy",
    ),
    (EPL, "Манчестер С", "Тоттенхэм", "2019-08-17 16:30", ("E0", "2019-08-17", "Man City", "Tottenham"), ""),
    (LIGUE1, "Монпелье", "Рен", "2019-08-10 18:00", ("F1", "2019-08-10", "Montpellier", "Rennes"), "fuzzy"),
    (
        LIGUE1,
        "Olympique Lyon",
        "Angers SCO",
        "2019-08-16 18:45",
        ("F1", "2019-08-16", "Lyon", "Angers"),
        "fuzzy",
    ),
    (LIGUE1, "Ренн", "Пари Сен-Жермен", "2019-08-18 19:00", ("F1", "2019-08-18", "Rennes", "Paris SG"), ""),
    (
        EPL,
        "Брайтон",
        "Уэст Хэм",
        "2019-08-17 14:00",
        ("E0", "2019-08-17", "Brighton", "West Ham"),
        "spelling",
    ),
    (
        EPL_EN,
        "Leicester City",
        "Wolverhampton W.",
        "2019-08-11 13:00",
        ("E0", "2019-08-11", "Leicester", "Wolves"),
        "abbrev",
    ),
    (
        EPL,
        "Шеффилд Ю",
        "Кристал Пэлас",
        "2019-08-18 13:00",
        ("E0", "2019-08-18", "Sheffield United", "Crystal Palace"),
        "abbrev",
    ),
    (
        EPL,
        "Норвич Сити",
        "Ньюкасл Юн.",
        "2019-08-17 14:00",
        ("E0", "2019-08-17", "Norwich", "Newcastle"),
        "abbrev",
    ),
    (
        EPL,
        "Астон Вилла",
        "А.Ф.К. Борнмут",
        "2019-08-17 14:00",
        ("E0", "2019-08-17", "Aston Villa", "Bournemouth"),
        "punctuation",
    ),
    (
        LIGUE1,
        "Сент-Этьен",
        "Стад Брест",
        "2019-08-18 13:00",
        ("F1", "2019-08-18", "St Etienne", "Brest"),
        "hard",
    ),
    (LIGUE1, "Ницца", "Амьен СК", "2019-08-10 18:00", ("F1", "2019-08-10", "Nice", "Amiens"), "affix"),
    # traps: must stay unlinked
    (EPL, "Манчестер Сити", "Челси", "2019-08-11 15:30", None, "City where United play"),
    (EPL_EN, "Manchester City", "Liverpool", "2026-05-03 14:30", None, "City where United play"),
    (MLS, "Интер Майами", "Нью-Йорк Сити", "2026-05-03 18:45", None, "Inter Miami at Inter's kickoff"),
    (SERIE_A, "Inter Miami", "Parma", "2026-05-03 18:45", None, "Inter Miami in a Serie A slate"),
    (EPL, "Манчестер Юнайтед (р)", "Ливерпуль (р)", "2026-05-03 14:30", None, "reserves"),
    (U21, "Манчестер Юнайтед U21", "Ливерпуль U21", "2026-05-03 14:30", None, "youth"),
    (WOMEN, "Манчестер Юнайтед (ж)", "Ливерпуль (ж)", "2026-05-03 14:30", None, "women"),
    (EPL_EN, "Manchester United Women", "Liverpool Women", "2026-05-03 14:30", None, "women"),
    (BUNDESLIGA, "Бавария-2", "Хайденхайм", "2026-05-02 13:30", None, "second team"),
    (SERIE_A, "Интер U19", "Парма U19", "2026-05-03 18:45", None, "Primavera"),
    (EPL, "Ливерпуль", "Манчестер Юнайтед", "2026-05-03 14:30", None, "reversed fixture"),
    (EPL, "Челси", "Лестер", "2019-08-19 15:30", None, "played the day before"),
    (EPL, "Арсенал", "Бернли", "2019-08-17 17:30", None, "kickoff 6 hours off"),
    (LALIGA, "Атлетико", "Барселона", "2026-05-02 14:15", None, "Atletico plays Valencia then"),
    ("Футбол. Эквадор. Примера", "Барселона СК", "Эмелек", "2026-05-02 19:00", None, "Ecuador's Barcelona"),
]


def written_events(first_id: int = 90_000_000) -> list[Labelled]:
    labelled = []
    for i, (competition, home, away, kickoff, expected, note) in enumerate(WRITTEN):
        labelled.append(
            Labelled(
                event_id=first_id + i,
                competition=competition,
                home=home,
                away=away,
                kickoff_utc=_utc(kickoff),
                expected=_id(*expected) if expected else None,
                note=note,
            )
        )
    return labelled


def real_events(fonbet_dir: Path) -> list[Labelled]:
    state = LineState.from_packet(parse_packet((fonbet_dir / "currentLine.json").read_bytes()))
    return [
        Labelled(
            event_id=row["event_id"],
            competition=row["competition"],
            home=row["home"],
            away=row["away"],
            kickoff_utc=row["kickoff_utc"],
            expected=REAL_LINKS.get(row["event_id"]),
            note="real sample",
        )
        for row in football_events(state).iter_rows(named=True)
    ]


def candidate_matches(football_data_dir: Path) -> list[Candidate]:
    """Real E0 and F1 2019/20 matches and the covered leagues of fixtures.csv."""
    season = Season(2019)
    frames = [
        load_results(
            (football_data_dir / f"mmz4281/1920/{lg}.csv").read_bytes(), league=lg, season=season
        ).rows
        for lg in ("E0", "F1")
    ]
    fixtures = load_fixtures((football_data_dir / "fixtures.csv").read_bytes()).rows
    assert fixtures is not None and all(f is not None for f in frames)
    frames.append(fixtures.filter(pl.col("league").is_in(COVERED)))
    return candidates_from(frames)  # type: ignore[arg-type]
