"""Mapping of football-data.co.uk headers to the canonical column names.

Bookmaker columns change by era (see the data README), so nothing here indexes by
position. Every odds column in the canonical tables is named
``<timing>_<book>_<outcome>``: ``pre_`` is a price published before kickoff, ``close_``
is the closing price. Closing prices are an evaluation benchmark only; the features
code refuses any column starting with ``close_`` (see ``CLOSING_PREFIX``).
"""

from __future__ import annotations

from collections.abc import Iterable

PRE_PREFIX = "pre_"
CLOSING_PREFIX = "close_"
OUTCOMES: dict[str, str] = {"H": "home", "D": "draw", "A": "away"}

# football-data bookmaker prefix -> canonical book name. Closing columns are the prefix
# + "C" + outcome ("PSCH", "AvgCA").
CLOSING_BOOKS: dict[str, str] = {
    "B365": "b365",
    "BW": "bw",
    "IW": "iw",
    "LB": "lb",
    "PS": "ps",
    "WH": "wh",
    "VC": "vc",
    "BFE": "bfe",
    "Max": "max",
    "Avg": "avg",
}
# Pre-match prices use the same prefixes, plus "BbMx"/"BbAv" (BetBrain max/average, up to
# 2018/19): the same market aggregate as "Max"/"Avg" (from 2019/20); a file never has both.
PRE_MATCH_BOOKS: dict[str, str] = CLOSING_BOOKS | {"BbMx": "max", "BbAv": "avg"}
CANONICAL_BOOKS: tuple[str, ...] = tuple(CLOSING_BOOKS.values())

IDENTITY_COLUMNS: dict[str, str] = {
    "Div": "league",
    "Date": "date",
    "Time": "time",
    "HomeTeam": "home_team",
    "AwayTeam": "away_team",
    "Referee": "referee",
}
RESULT_COLUMNS: dict[str, str] = {
    "FTHG": "home_goals",
    "FTAG": "away_goals",
    "FTR": "result",
    "HTHG": "ht_home_goals",
    "HTAG": "ht_away_goals",
    "HTR": "ht_result",
}
STAT_COLUMNS: dict[str, str] = {
    "HS": "home_shots",
    "AS": "away_shots",
    "HST": "home_shots_on_target",
    "AST": "away_shots_on_target",
    "HF": "home_fouls",
    "AF": "away_fouls",
    "HC": "home_corners",
    "AC": "away_corners",
    "HY": "home_yellow_cards",
    "AY": "away_yellow_cards",
    "HR": "home_red_cards",
    "AR": "away_red_cards",
}


def odds_column(timing: str, book: str, outcome: str) -> str:
    """Canonical odds column name, e.g. ``odds_column("close", "ps", "home")``."""
    if timing not in ("pre", "close"):
        raise ValueError(f"timing must be 'pre' or 'close', got {timing!r}")
    return f"{timing}_{book}_{outcome}"


def pre_match_odds_columns() -> list[str]:
    return [odds_column("pre", b, o) for b in CANONICAL_BOOKS for o in OUTCOMES.values()]


def closing_odds_columns() -> list[str]:
    return [odds_column("close", b, o) for b in CANONICAL_BOOKS for o in OUTCOMES.values()]


def odds_header_map(headers: Iterable[str]) -> dict[str, str]:
    """football-data header -> canonical odds column, for the headers that exist."""
    present = set(headers)
    mapping: dict[str, str] = {}
    for prefix, book in PRE_MATCH_BOOKS.items():
        for letter, outcome in OUTCOMES.items():
            if f"{prefix}{letter}" in present:
                mapping[f"{prefix}{letter}"] = odds_column("pre", book, outcome)
    for prefix, book in CLOSING_BOOKS.items():
        for letter, outcome in OUTCOMES.items():
            if f"{prefix}C{letter}" in present:
                mapping[f"{prefix}C{letter}"] = odds_column("close", book, outcome)
    return mapping


def is_closing_column(name: str) -> bool:
    return name.startswith(CLOSING_PREFIX)
