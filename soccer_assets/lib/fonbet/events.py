"""Football match events and their 1X2 prices, extracted from a line state.

The line mixes every sport, sub-events (halves, corners, penalty shoot-outs: ``level``
2/3 with a ``parentId``), specials (player duels, statistics) and announcements of
upcoming events that have no prices yet. Only the main event of each football match
remains: level 1, two teams, a football competition that is not a specials segment.
The same match listed twice (a statistics copy next to the betting event) keeps the
copy that carries 1X2 prices.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from soccer_assets.lib.fonbet.state import LineState

FOOTBALL_SPORT_ID = 1
FOOTBALL_NAMES = frozenset({"футбол", "football", "soccer"})
# Segments that hold specials rather than matches ("Кто забьет больше голов в матче").
SPECIAL_SEGMENT_MARKERS = ("кто забьет", "показатели игроков", "статистика", "специальные", "who will score")
# Factor ids of the full-time 1X2 market (checked on the real sample: 921 = 1, 922 = X, 923 = 2).
FACTOR_HOME, FACTOR_DRAW, FACTOR_AWAY = 921, 922, 923
ORIGIN_EVENT, ORIGIN_ANNOUNCEMENT = "event", "announcement"

EVENT_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64(),
    "competition": pl.String(),
    "competition_id": pl.Int64(),
    "kickoff_utc": pl.Datetime("us", "UTC"),
    "home": pl.String(),
    "away": pl.String(),
    "place": pl.String(),
    "origin": pl.String(),
    "has_1x2": pl.Boolean(),
}
ODDS_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64(),
    "odds_home": pl.Float64(),
    "odds_draw": pl.Float64(),
    "odds_away": pl.Float64(),
}


def _root_sport(sports: dict[int, dict[str, Any]], sport_id: Any) -> dict[str, Any] | None:
    seen: set[Any] = set()
    sport = sports.get(sport_id)
    while sport is not None and sport.get("parentId") is not None and sport.get("id") not in seen:
        seen.add(sport.get("id"))
        parent = sports.get(sport["parentId"])
        if parent is None:
            return {"id": sport["parentId"], "name": ""}
        sport = parent
    return sport


def is_football(sports: dict[int, dict[str, Any]], segment_id: Any) -> bool:
    root = _root_sport(sports, segment_id)
    if root is None:
        return False
    return root.get("id") == FOOTBALL_SPORT_ID or str(root.get("name", "")).casefold() in FOOTBALL_NAMES


def is_special_segment(name: str) -> bool:
    folded = name.casefold().replace("ё", "е")
    return any(marker in folded for marker in SPECIAL_SEGMENT_MARKERS)


def _kickoff(start_time: Any) -> dt.datetime | None:
    if isinstance(start_time, bool) or not isinstance(start_time, int):
        return None
    return dt.datetime.fromtimestamp(start_time, dt.UTC)


def match_odds(state: LineState, event_id: int) -> tuple[float, float, float] | None:
    """The tradable 1X2 prices of an event, only when all three are on offer."""
    prices = [state.price(event_id, f) for f in (FACTOR_HOME, FACTOR_DRAW, FACTOR_AWAY)]
    if any(p is None for p in prices):
        return None
    home, draw, away = prices
    return home, draw, away  # type: ignore[return-value]


def _event_row(state: LineState, event: dict[str, Any]) -> dict[str, Any] | None:
    segment = state.sports.get(event.get("sportId"), {})
    competition = str(segment.get("name") or "")
    if event.get("parentId") is not None or not is_football(state.sports, event.get("sportId")):
        return None
    return _row(state, event, competition, event.get("sportId"), ORIGIN_EVENT)


def _announcement_row(state: LineState, item: dict[str, Any]) -> dict[str, Any] | None:
    segment_id = item.get("segmentId")
    football = item.get("sportId") == FOOTBALL_SPORT_ID or is_football(state.sports, segment_id)
    if not football:
        return None
    return _row(state, item, str(item.get("segmentName") or ""), segment_id, ORIGIN_ANNOUNCEMENT)


def _row(
    state: LineState, raw: dict[str, Any], competition: str, segment_id: Any, origin: str
) -> dict[str, Any] | None:
    home, away = (str(raw.get(k) or "").strip() for k in ("team1", "team2"))
    kickoff = _kickoff(raw.get("startTime"))
    if not home or not away or kickoff is None or is_special_segment(competition):
        return None
    return {
        "event_id": raw["id"],
        "competition": competition,
        "competition_id": segment_id if isinstance(segment_id, int) else None,
        "kickoff_utc": kickoff,
        "home": home,
        "away": away,
        "place": str(raw.get("place") or ""),
        "origin": origin,
        "has_1x2": origin == ORIGIN_EVENT and match_odds(state, raw["id"]) is not None,
    }


def football_events(state: LineState) -> pl.DataFrame:
    """One row per football match on the line (see the module docstring)."""
    rows = [r for e in state.events.values() if (r := _event_row(state, e))]
    seen = {r["event_id"] for r in rows}
    rows += [
        r
        for a in state.announcements.values()
        if a.get("id") not in seen and (r := _announcement_row(state, a))
    ]
    frame = pl.DataFrame(rows, schema=EVENT_SCHEMA)
    preference = [
        pl.col("has_1x2").not_(),
        pl.col("place").eq("notActive"),
        pl.col("origin").ne(ORIGIN_EVENT),
        pl.col("event_id"),
    ]
    return (
        frame.sort(preference)
        .unique(subset=["competition", "kickoff_utc", "home", "away"], keep="first", maintain_order=True)
        .sort("event_id")
    )


def odds_frame(state: LineState, event_ids: list[int] | None = None) -> pl.DataFrame:
    """1X2 prices of football events (all of them, or ``event_ids``) that have all three."""
    ids = event_ids if event_ids is not None else list(state.events)
    rows = []
    for event_id in ids:
        odds = match_odds(state, event_id)
        if odds is not None:
            rows.append(
                {"event_id": event_id, "odds_home": odds[0], "odds_draw": odds[1], "odds_away": odds[2]}
            )
    return pl.DataFrame(rows, schema=ODDS_SCHEMA)
