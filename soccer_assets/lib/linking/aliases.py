"""Curated alias tables: a source's spelling of a team or competition -> the canonical name.

The tables are CSV files under ``soccer_assets/data/aliases`` so that a reviewer can
add a row for a name the linker could not place (see the ``fonbet_unlinked`` table)
without touching code. Keys are compared after ``normalize_name``, so case, accents,
punctuation and club affixes do not need their own rows.

``<source>_teams.csv``: ``league,alias,team`` (``league`` may be blank: any league;
``team`` is the football-data.co.uk name). ``<source>_competitions.csv``:
``competition,league``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from soccer_assets.lib.identity import team_slug
from soccer_assets.lib.linking.normalize import normalize_competition, normalize_name

# Package data (declared in pyproject), located from this file so that it works the same
# from a checkout, an editable install and a wheel.
ALIAS_DIR = Path(__file__).resolve().parents[2] / "data" / "aliases"


class AliasTableError(ValueError):
    """An alias table is malformed or maps one name to two teams."""


@dataclass(frozen=True)
class AliasTable:
    """Team aliases of one source, keyed by normalised spelling."""

    source: str
    # normalised alias -> {league or "" -> team}
    entries: dict[str, dict[str, str]] = field(default_factory=dict)

    def lookup(self, name: str, league: str | None) -> str | None:
        """The canonical team for ``name``, or None if the table does not place it.

        With ``league`` None (competition unknown) every row counts, and a name the
        table maps to different teams in different leagues stays unplaced.
        """
        by_league = self.entries.get(normalize_name(name))
        if not by_league:
            return None
        if league is not None:
            team = by_league.get(league) or by_league.get("")
            return team
        teams = {team_slug(t) for t in by_league.values()}
        return next(iter(by_league.values())) if len(teams) == 1 else None

    def __len__(self) -> int:
        return sum(len(v) for v in self.entries.values())


@dataclass(frozen=True)
class CompetitionTable:
    """A source's competition titles -> football-data division codes."""

    source: str
    leagues: dict[str, str] = field(default_factory=dict)

    def league_of(self, competition: str) -> str | None:
        return self.leagues.get(normalize_competition(competition))


def _rows(text: str, required: tuple[str, ...], where: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise AliasTableError(f"{where}: missing column(s) {missing}")
    rows = []
    for line_no, row in enumerate(reader, start=2):
        values = {k: (row.get(k) or "").strip() for k in required}
        if not any(values.values()):
            continue
        rows.append({**values, "_line": str(line_no)})
    return rows


def parse_team_aliases(source: str, text: str, where: str = "<text>") -> AliasTable:
    entries: dict[str, dict[str, str]] = defaultdict(dict)
    for row in _rows(text, ("league", "alias", "team"), where):
        key = normalize_name(row["alias"])
        if not key or not row["team"]:
            raise AliasTableError(f"{where}:{row['_line']}: empty alias or team")
        known = entries[key].get(row["league"])
        if known is not None and team_slug(known) != team_slug(row["team"]):
            raise AliasTableError(
                f"{where}:{row['_line']}: {row['alias']!r} maps to both {known!r} and {row['team']!r}"
            )
        entries[key][row["league"]] = row["team"]
    return AliasTable(source=source, entries=dict(entries))


def parse_competitions(source: str, text: str, where: str = "<text>") -> CompetitionTable:
    leagues: dict[str, str] = {}
    for row in _rows(text, ("competition", "league"), where):
        key = normalize_competition(row["competition"])
        if key in leagues and leagues[key] != row["league"]:
            raise AliasTableError(f"{where}:{row['_line']}: {row['competition']!r} maps to two leagues")
        leagues[key] = row["league"]
    return CompetitionTable(source=source, leagues=leagues)


def _read_packaged(filename: str) -> tuple[str, str]:
    path = ALIAS_DIR / filename
    if not path.is_file():
        return "", str(path)
    return path.read_text(encoding="utf-8"), str(path)


def load_team_aliases(source: str) -> AliasTable:
    """The packaged ``<source>_teams.csv`` (an empty table if the source has none)."""
    text, where = _read_packaged(f"{source}_teams.csv")
    return parse_team_aliases(source, text or "league,alias,team\n", where)


def load_competitions(source: str) -> CompetitionTable:
    text, where = _read_packaged(f"{source}_competitions.csv")
    return parse_competitions(source, text or "competition,league\n", where)
