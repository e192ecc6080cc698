"""Stable identifiers for teams and matches.

``match_id`` is derived only from the league code, the published kickoff date and the
canonical (slugged) team names, so the same match gets the same id on every
re-ingestion, in any row order, whether it was first seen in ``fixtures.csv`` or in a
season results file. The id is readable on purpose: ``E0_2023-08-11_burnley_man-city``.

Limitation: a match that is postponed to another date gets a new id; the fixture row
with the old date simply never turns into a finished match.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LEAGUE = re.compile(r"^[A-Z]{1,4}[0-9]?$")


def team_slug(name: str) -> str:
    """Canonical form of a team name: ASCII, lower case, words joined by ``-``.

    ``"Nott'm Forest"`` -> ``"nottm-forest"``, ``"Bayern Munich"`` -> ``"bayern-munich"``,
    ``"St. Etienne"`` -> ``"st-etienne"``. Apostrophes vanish rather than split words.
    Never produces ``_``, which ``match_id`` uses as its separator.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    folded = folded.lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    slug = _NON_ALNUM.sub("-", folded).strip("-")
    if not slug:
        raise ValueError(f"team name {name!r} has no letter or digit that can be spelled in Latin letters")
    return slug


def match_id(league: str, kickoff_date: dt.date, home_team: str, away_team: str) -> str:
    """Deterministic id of a match; see the module docstring for the format."""
    if not _LEAGUE.match(league):
        raise ValueError(f"league code {league!r} is not a football-data division code")
    home, away = team_slug(home_team), team_slug(away_team)
    if home == away:
        raise ValueError(f"a team cannot play itself: {home_team!r} vs {away_team!r}")
    return f"{league}_{kickoff_date.isoformat()}_{home}_{away}"
