"""The simulated world of ``bench/growth.py``: a year of sources as they would have looked each day.

Everything is derived from real data: the football-data.co.uk files of the mirror (a
season file is served as it stood on the simulated day: earlier seasons whole, the
running one cut to the matches played before that day, later ones 404; fixtures.csv
lists the real matches of the next seven days) and the real 2019 Fonbet packet, which
becomes one snapshot every 4 hours: ids and kickoffs moved to the simulated day,
prices perturbed, and as many priced events as there are real matches the next day
renamed to those matches (football-data spelling, a mapped competition, the real
kickoff), so that linking and the odds history have real work to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.server
import io
import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
SNAPSHOTS_PER_DAY = 6  # one Fonbet snapshot every 4 hours
FIXTURE_DAYS = 7
ID_STRIDE = 100_000_000  # each simulated day gets its own block of event ids
BASE_PACKET_VERSION = 3_000_000_000
COMPETITIONS = {  # mapped in soccer_assets/data/aliases/fonbet_competitions.csv
    "E0": "Football. England. Premier League",
    "D1": "Football. Germany. Bundesliga",
    "F1": "Football. France. Ligue 1",
    "SP1": "Football. Spain. La Liga",
    "I1": "Football. Italy. Serie A",
}
SEGMENT_BASE = 990_000
HOME, DRAW, AWAY = 921, 922, 923


def _season_start(day: dt.date) -> int:
    return day.year if day.month >= 7 else day.year - 1


def season_code(start_year: int) -> str:
    return f"{start_year % 100:02d}{(start_year + 1) % 100:02d}"


def _parse_date(text: str) -> dt.date | None:
    for pattern in ("%d/%m/%Y", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class RealMatch:
    league: str
    date: dt.date
    time: str  # "HH:MM" UK, or "" in files without times
    home: str
    away: str
    row: dict[str, str]

    @property
    def kickoff_utc(self) -> dt.datetime:
        hour, minute = (int(x) for x in (self.time or "15:00").split(":"))
        local = dt.datetime.combine(self.date, dt.time(hour, minute), tzinfo=UK)
        return local.astimezone(dt.UTC)


@dataclass
class SeasonFile:
    """One real season file split into its header and dated lines (bytes kept as served)."""

    header: bytes
    lines: list[tuple[dt.date, bytes]]
    newline: bytes

    @classmethod
    def parse(cls, data: bytes) -> SeasonFile:
        newline = b"\r\n" if b"\r\n" in data else b"\n"
        header, *rest = data.split(newline)
        columns = next(csv.reader([header.decode("utf-8-sig")]))
        date_at = columns.index("Date")
        lines = []
        for line in rest:
            if not line.strip(b", "):
                continue
            cells = next(csv.reader([line.decode("utf-8", "replace")]))
            day = _parse_date(cells[date_at]) if len(cells) > date_at else None
            if day is not None:
                lines.append((day, line))
        return cls(header=header, lines=lines, newline=newline)

    def before(self, day: dt.date) -> bytes:
        kept = [line for d, line in self.lines if d < day]
        return self.newline.join([self.header, *kept, b""])

    def count_before(self, day: dt.date) -> int:
        return sum(1 for d, _ in self.lines if d < day)


@dataclass
class World:
    """Real files (``mmz4281/<SSYY>/<DIV>.csv`` -> bytes), the fixtures header and the Fonbet sample."""

    files: dict[str, bytes]
    fixtures_header: list[str]
    fonbet_sample: bytes
    start: dt.date
    leagues: tuple[str, ...]
    seed: int = 0
    _fonbet_days: dict[int, list[RealMatch]] = field(default_factory=dict)

    @cached_property
    def seasons(self) -> dict[str, SeasonFile]:
        return {path: SeasonFile.parse(data) for path, data in self.files.items()}

    @cached_property
    def matches_by_date(self) -> dict[dt.date, list[RealMatch]]:
        by_date: dict[dt.date, list[RealMatch]] = {}
        for path, data in self.files.items():
            league = path.rsplit("/", 1)[-1].removesuffix(".csv")
            for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))):
                day = _parse_date(row.get("Date") or "")
                if day is None or not row.get("HomeTeam"):
                    continue
                match = RealMatch(league, day, row.get("Time") or "", row["HomeTeam"], row["AwayTeam"], row)
                by_date.setdefault(day, []).append(match)
        return by_date

    # -- football-data.co.uk as it stood on a day ------------------------------------------

    def day(self, k: int) -> dt.date:
        """Day k of operation (1-based)."""
        return self.start + dt.timedelta(days=k - 1)

    def season_file(self, path: str, today: dt.date) -> bytes | None:
        """``mmz4281/<SSYY>/<DIV>.csv`` as published on ``today`` (None: not published yet)."""
        season = self.seasons.get(path)
        if season is None:
            return None
        start_year = 2000 + int(path.split("/")[1][:2])
        running = _season_start(today)
        if start_year < running:
            return self.files[path]
        if start_year > running or season.count_before(today) == 0:
            return None
        return season.before(today)

    def current_season_paths(self, today: dt.date) -> dict[str, str]:
        """league -> path of the running season's file, for leagues whose file is out."""
        code = season_code(_season_start(today))
        paths = {league: f"mmz4281/{code}/{league}.csv" for league in self.leagues}
        return {lg: p for lg, p in paths.items() if self.season_file(p, today) is not None}

    def upcoming(self, today: dt.date, days: int = FIXTURE_DAYS) -> list[RealMatch]:
        found = []
        for k in range(days):
            found += [
                m
                for m in self.matches_by_date.get(today + dt.timedelta(days=k), [])
                if m.league in self.leagues
            ]
        return found

    def fixtures_csv(self, today: dt.date) -> bytes:
        """fixtures.csv of ``today``: the real matches of the next days, in the fixtures layout."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.fixtures_header)
        for match in self.upcoming(today):
            row = dict(match.row, Date=match.date.strftime("%d/%m/%Y"), Time=match.time or "15:00")
            writer.writerow([row.get(c, "") for c in self.fixtures_header])
        return out.getvalue().encode()

    # -- the Fonbet line every 4 hours -----------------------------------------------------

    def snapshot_time(self, n: int) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(0), tzinfo=dt.UTC) + dt.timedelta(hours=4 * n)

    @cached_property
    def _sample(self) -> dict:
        return json.loads(self.fonbet_sample)

    @cached_property
    def _priced_events(self) -> list[int]:
        """Main football events of the sample with a full 1X2 price, the ones renamed to real matches."""
        quotes: dict[int, set[int]] = {}
        for quote in self._sample["customFactors"]:
            quotes.setdefault(quote["e"], set()).add(quote["f"])
        segments = {s["id"]: s for s in self._sample["sports"]}
        return [
            e["id"]
            for e in self._sample["events"]
            if e.get("parentId") is None
            and segments.get(e.get("sportId"), {}).get("parentId") == 1
            and {HOME, DRAW, AWAY} <= quotes.get(e["id"], set())
        ]

    def fonbet_snapshot(self, n: int) -> tuple[dt.datetime, bytes]:
        """Snapshot ``n`` (taken ``4 h * n`` after the start) as Fonbet would have served it."""
        at = self.snapshot_time(n)
        day_index = (at.date() - self.start).days
        body = json.loads(self.fonbet_sample)
        offset = (day_index + 1) * ID_STRIDE
        # the line lists the next day's matches: the sample's first kickoff moves to 12:00 UTC tomorrow
        first = min(e["startTime"] for e in body["events"] if isinstance(e.get("startTime"), int))
        tomorrow = dt.datetime.combine(at.date() + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
        shift = int(tomorrow.timestamp()) - first
        rng = random.Random(self.seed * 1_000_003 + n)
        for event in body["events"]:
            event["id"] += offset
            if event.get("parentId") is not None:
                event["parentId"] += offset
            if isinstance(event.get("startTime"), int):
                event["startTime"] += shift
        for item in body.get("announcements", []):
            item["id"] += offset
            if isinstance(item.get("startTime"), int):
                item["startTime"] += shift
        for block in body.get("eventBlocks", []):
            block["eventId"] += offset
        for misc in body.get("eventMiscs", []):
            misc["id"] += offset
        drift: dict[int, float] = {}
        for quote in body["customFactors"]:
            # the whole event drifts together (a margin stays a margin), each price a little on its own
            factor = drift.setdefault(quote["e"], rng.uniform(0.97, 1.03)) * rng.uniform(0.995, 1.005)
            quote["e"] += offset
            quote["v"] = round(max(1.01, quote["v"] * factor), 2)
        self._rename_to_real_matches(body, at.date() + dt.timedelta(days=1), offset)
        body["packetVersion"] = BASE_PACKET_VERSION + n
        body["fromVersion"] = 0
        return at, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def _rename_to_real_matches(self, body: dict, day: dt.date, offset: int) -> None:
        matches = [m for m in self.matches_by_date.get(day, []) if m.league in COMPETITIONS]
        matches = [m for m in matches if m.league in self.leagues]
        if not matches:
            return
        segments = {lg: SEGMENT_BASE + k for k, lg in enumerate(sorted(COMPETITIONS))}
        body["sports"] += [
            {"id": segments[lg], "parentId": 1, "kind": "segment", "sortOrder": "", "name": COMPETITIONS[lg]}
            for lg in sorted({m.league for m in matches})
        ]
        by_id = {e["id"]: e for e in body["events"]}
        for event_id, match in zip(self._priced_events, matches, strict=False):
            event = by_id[event_id + offset]
            event.update(
                team1=match.home,
                team2=match.away,
                sportId=segments[match.league],
                startTime=int(match.kickoff_utc.timestamp()),
                place="line",
            )


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = self.server.source.answer(self.path.split("?")[0].lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    source: SimulatedSource


@dataclass
class SimulatedSource:
    """What the sources answer at the simulated moment ``now`` (set by the bench before each run)."""

    world: World
    now: dt.datetime
    fonbet_n: int = 0

    def answer(self, path: str) -> bytes | None:
        if path == "fixtures.csv":
            return self.world.fixtures_csv(self.now.date())
        if path == "fonbet/line.json":
            return self.world.fonbet_snapshot(self.fonbet_n)[1]
        return self.world.season_file(path, self.now.date())


@contextmanager
def serve(source: SimulatedSource) -> Iterator[str]:
    """Serve ``source`` on 127.0.0.1; yields the base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.source = source
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
