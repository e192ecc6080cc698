"""Variants of the real samples, built at test time: drifted formats, other layouts, new dates."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
EPL_SEGMENT = {
    "id": 11918,
    "parentId": 1,
    "kind": "segment",
    "sortOrder": "O",
    "name": "Футбол. Англия. Премьер-Лига",
}


def load(line: bytes) -> dict[str, Any]:
    return json.loads(line)


def dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def renamed_event_field(line: bytes, old: str, new: str) -> bytes:
    body = load(line)
    for event in body["events"]:
        if old in event:
            event[new] = event.pop(old)
    return dump(body)


def without(line: bytes, key: str) -> bytes:
    body = load(line)
    del body[key]
    return dump(body)


def grouped(line: bytes) -> bytes:
    """The same packet with ``customFactors`` in the newer per-event layout."""
    body = load(line)
    by_event: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for quote in body["customFactors"]:
        by_event[quote["e"]].append({k: v for k, v in quote.items() if k != "e"})
    body["customFactors"] = [{"e": e, "factors": factors} for e, factors in by_event.items()]
    return dump(body)


@dataclass(frozen=True)
class Fixture:
    """A fixtures.csv row (real names and odds) moved to a future date."""

    home: str
    away: str
    kickoff_uk: dt.datetime  # naive, UK local time as the file writes it

    @property
    def kickoff_utc(self) -> dt.datetime:
        return self.kickoff_uk.replace(tzinfo=UK).astimezone(dt.UTC)


def future_fixtures_csv(real: bytes, league: str, start: dt.date) -> tuple[bytes, list[Fixture]]:
    """The real fixtures.csv rows of ``league`` re-dated to consecutive days from ``start``."""
    rows = list(csv.reader(io.StringIO(real.decode("utf-8-sig"))))
    header, body = rows[0], [r for r in rows[1:] if r and r[0] == league]
    date_col, time_col, home_col, away_col = (
        header.index(c) for c in ("Date", "Time", "HomeTeam", "AwayTeam")
    )
    fixtures = []
    for i, row in enumerate(body):
        day = start + dt.timedelta(days=i // 3)
        row[date_col] = day.strftime("%d/%m/%Y")
        hour, minute = (int(x) for x in row[time_col].split(":"))
        fixtures.append(
            Fixture(row[home_col], row[away_col], dt.datetime.combine(day, dt.time(hour, minute)))
        )
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *body])
    return out.getvalue().encode(), fixtures


def premier_league_line(
    line: bytes,
    renames: dict[int, tuple[str, str, dt.datetime]],
    price_moves: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> bytes:
    """Real priced events of the sample renamed into Premier League matches.

    ``renames``: event id -> (home, away, kickoff UTC). The 1X2 quotes of those events
    are the sample's own, times ``price_moves`` (home, draw, away) to mimic a market move.
    """
    body = load(line)
    body["sports"].append(copy.deepcopy(EPL_SEGMENT))
    for event in body["events"]:
        if event["id"] in renames:
            home, away, kickoff = renames[event["id"]]
            event.update(
                team1=home, team2=away, sportId=EPL_SEGMENT["id"], startTime=int(kickoff.timestamp())
            )
    moves = dict(zip((921, 922, 923), price_moves, strict=True))
    for quote in body["customFactors"]:
        if quote["e"] in renames and quote["f"] in moves:
            quote["v"] = round(max(1.01, quote["v"] * moves[quote["f"]]), 2)
    return dump(body)


def fixtures_subset(body: bytes, match_ids: list[int]) -> bytes:
    """A WhoScored fixtures JSON reduced to ``match_ids``, in that order."""
    data = load(body)
    for tournament in data["tournaments"]:
        by_id = {m["id"]: m for m in tournament["matches"]}
        tournament["matches"] = [by_id[i] for i in match_ids if i in by_id]
    return dump(data)
