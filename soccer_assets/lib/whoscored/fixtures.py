"""The monthly fixtures JSON of a WhoScored stage (``/tournaments/<stage>/data/?d=YYYYMM``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

FINISHED_STATUS = 6  # WhoScored's status code of a finished match ("FT")
REQUIRED_MATCH_KEYS = ("id", "startTimeUtc", "homeTeamName", "awayTeamName", "status")


class FixturesFormatError(ValueError):
    """The bytes are not a fixtures JSON of the known layout."""


@dataclass(frozen=True)
class Fixture:
    ws_match_id: int
    stage_id: int
    kickoff_utc: dt.datetime
    home: str
    away: str
    status: int
    home_goals: int | None
    away_goals: int | None

    @property
    def finished(self) -> bool:
        return self.status == FINISHED_STATUS


def fixtures_url(base_url: str, stage_id: int, month: dt.date) -> str:
    """The fixtures of one stage and calendar month (the site's ``d`` is YYYYMM, 1-based)."""
    return f"{base_url.rstrip('/')}/tournaments/{stage_id}/data/?d={month:%Y%m}"


def match_url(base_url: str, ws_match_id: int) -> str:
    return f"{base_url.rstrip('/')}/Matches/{ws_match_id}/Live"


def _fixture(raw: dict[str, Any], stage_id: int) -> Fixture:
    missing = [k for k in REQUIRED_MATCH_KEYS if k not in raw]
    if missing:
        raise FixturesFormatError(f"match {raw.get('id')!r} lacks {missing}")
    try:
        kickoff = dt.datetime.fromisoformat(str(raw["startTimeUtc"]).replace("Z", "+00:00")).astimezone(
            dt.UTC
        )
    except ValueError as exc:
        raise FixturesFormatError(f"match {raw['id']}: bad startTimeUtc {raw['startTimeUtc']!r}") from exc
    return Fixture(
        ws_match_id=int(raw["id"]),
        stage_id=int(raw.get("stageId") or stage_id),
        kickoff_utc=kickoff,
        home=str(raw["homeTeamName"]),
        away=str(raw["awayTeamName"]),
        status=int(raw["status"]),
        home_goals=raw.get("homeScore"),
        away_goals=raw.get("awayScore"),
    )


def parse_fixtures(data: bytes, stage_id: int) -> list[Fixture]:
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixturesFormatError(f"not valid JSON: {exc}") from exc
    tournaments = body.get("tournaments") if isinstance(body, dict) else None
    if not isinstance(tournaments, list):
        raise FixturesFormatError("no 'tournaments' list in the fixtures JSON")
    return [
        _fixture(match, stage_id)
        for tournament in tournaments
        for match in tournament.get("matches") or []
        if isinstance(match, dict)
    ]
