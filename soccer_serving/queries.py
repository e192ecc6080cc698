"""Query parameters of the list endpoints, checked and normalised into hashable filters.

Two requests that mean the same thing (``league=e0,D1`` and ``league=D1&league=E0``,
a default spelled out or left out) normalise to the same filter, so they share one
cached response and one ETag. Anything malformed raises ``InvalidParameter`` naming the
parameter; the API turns it into a 400 problem response.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from soccer_assets.lib.leagues import LEAGUES

StatusFilter = Literal["upcoming", "finished", "all"]
LeagueCode = Literal[tuple(sorted(LEAGUES))]  # type: ignore[valid-type]  # the schema lists every code
MAX_TEAM_QUERY = 80


class InvalidParameter(ValueError):
    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def leagues_param(values: list[str] | None) -> tuple[str, ...]:
    """Codes (repeatable parameter), deduplicated and sorted; the schema's enum refused the rest."""
    if not values:
        return ()
    unknown = [c for c in values if c not in LEAGUES]
    if unknown:
        raise InvalidParameter(
            "league", f"unknown league code {unknown[0]!r}; known: {', '.join(sorted(LEAGUES))}"
        )
    return tuple(sorted(set(values)))


def text_param(name: str, value: str | None, max_length: int = MAX_TEAM_QUERY) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > max_length:
        raise InvalidParameter(name, f"at most {max_length} characters")
    return value.strip().casefold()


def finite_param(name: str, value: float | None, low: float, high: float) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidParameter(name, f"must be a number between {low:g} and {high:g}")
    return float(value)


def page_param(limit: int, offset: int, max_limit: int) -> tuple[int, int]:
    if not 1 <= limit <= max_limit:
        raise InvalidParameter("limit", f"must be between 1 and {max_limit}")
    if not 0 <= offset <= 10_000_000:
        raise InvalidParameter("offset", "must be between 0 and 10000000")
    return limit, offset


@dataclass(frozen=True)
class MatchFilter:
    """What the match lists (predictions, cards, matches, odds) can be filtered by."""

    leagues: tuple[str, ...] = ()
    region: str | None = None  # case-folded country
    status: StatusFilter = "all"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    team: str | None = None  # case-folded substring of either team's name
    value_only: bool = False
    min_edge_pp: float | None = None
    min_region_roi: float | None = None  # region yield of all picks, as a fraction (-0.05 = -5 %)

    @classmethod
    def build(
        cls,
        *,
        league: list[str] | None = None,
        region: str | None = None,
        status: StatusFilter = "all",
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        team: str | None = None,
        value_only: bool = False,
        min_edge_pp: float | None = None,
        min_region_roi: float | None = None,
    ) -> MatchFilter:
        return cls(  # date_from after date_to is an empty period: no rows, not an error
            leagues=leagues_param(league),
            region=text_param("region", region),
            status=status,
            date_from=date_from,
            date_to=date_to,
            team=text_param("team", team),
            value_only=value_only,
            min_edge_pp=finite_param("min_edge_pp", min_edge_pp, -100.0, 100.0),
            min_region_roi=finite_param("min_region_roi", min_region_roi, -1.0, 100.0),
        )
