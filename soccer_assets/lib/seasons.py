"""Football seasons as football-data.co.uk names them ("2324" is 2023/24).

A European league season starts in July/August and ends in May, so a season is
identified by the calendar year it starts in. The COVID season 2019/20 ran into
August 2020, hence the generous window used for sanity checks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

_CODE = re.compile(r"^(\d{2})(\d{2})$")
SEASON_START_MONTH = 7
# a season's matches kick off between 1 July and this (month, day) of the next year
SEASON_WINDOW_END = (8, 31)
# Years below this two-digit pivot are 20xx, the rest 19xx ("9900" is 1999/2000).
_CENTURY_PIVOT = 90


@dataclass(frozen=True, order=True)
class Season:
    start_year: int

    @classmethod
    def from_code(cls, code: str) -> Season:
        m = _CODE.match(code.strip())
        if not m:
            raise ValueError(f"season code must look like '2324', got {code!r}")
        first, second = int(m.group(1)), int(m.group(2))
        if (first + 1) % 100 != second:
            raise ValueError(f"season code {code!r} is not two consecutive years")
        century = 1900 if first >= _CENTURY_PIVOT else 2000
        return cls(century + first)

    @classmethod
    def containing(cls, day: dt.date) -> Season:
        """The season a date belongs to (July starts a new one)."""
        year = day.year if day.month >= SEASON_START_MONTH else day.year - 1
        return cls(year)

    @property
    def code(self) -> str:
        return f"{self.start_year % 100:02d}{(self.start_year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def window(self) -> tuple[dt.date, dt.date]:
        """Inclusive date range in which a match of this season may kick off.

        From 1 July of the start year to 31 August of the next year: wide enough for
        the 2019/20 restart (finished in July/August 2020), narrow enough to catch a
        file filed under the wrong season.
        """
        return dt.date(self.start_year, SEASON_START_MONTH, 1), dt.date(
            self.start_year + 1, *SEASON_WINDOW_END
        )

    def previous(self, n: int = 1) -> Season:
        return Season(self.start_year - n)

    def __str__(self) -> str:
        return self.code


def last_seasons(n: int, today: dt.date) -> list[Season]:
    """The ``n`` most recent seasons up to and including the one running on ``today``."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current = Season.containing(today)
    return [current.previous(i) for i in reversed(range(n))]


def parse_season_list(text: str) -> list[Season]:
    """Parse ``"2324,2425"`` or a range ``"1415-2526"`` (both ends included), sorted."""
    seasons: set[Season] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if "-" in part:
            lo, hi = (Season.from_code(x) for x in part.split("-", 1))
            if hi < lo:
                raise ValueError(f"season range {part!r} runs backwards")
            seasons.update(Season(y) for y in range(lo.start_year, hi.start_year + 1))
        else:
            seasons.add(Season.from_code(part))
    if not seasons:
        raise ValueError("no seasons given")
    return sorted(seasons)


# The same rules as polars expressions, for whole columns at once.


def start_year_expr(code_column: str = "season") -> pl.Expr:
    """Season code column ("2324") -> the year it starts in."""
    first = pl.col(code_column).str.slice(0, 2).cast(pl.Int32)
    return pl.when(first >= _CENTURY_PIVOT).then(1900 + first).otherwise(2000 + first)


def code_expr(date_column: str) -> pl.Expr:
    """Date column -> code of the season it falls in (July starts a season)."""
    date = pl.col(date_column)
    start = date.dt.year() - (date.dt.month() < SEASON_START_MONTH).cast(pl.Int32)
    return (start % 100).cast(pl.String).str.zfill(2) + ((start + 1) % 100).cast(pl.String).str.zfill(2)


def in_window_expr(date_column: str, code_column: str = "season") -> pl.Expr:
    """True where the date lies inside its season's window (``Season.window``)."""
    start = start_year_expr(code_column)
    lo = pl.date(start, SEASON_START_MONTH, 1)
    hi = pl.date(start + 1, *SEASON_WINDOW_END)
    return pl.col(date_column).is_between(lo, hi)
