"""Placing one team name among the teams a league is known to have (its roster).

A name is placed by the alias table first, then by exact equality of normalised
names, then (only where the competition is known) by fuzzy score with a margin over
the next-best team of the league. Once placed, a name can only ever match that team:
this keeps "Манчестер Сити" from drifting to "Man United" when City has no match in
the window, and it is what makes the alias table win over any score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from soccer_assets.lib.linking.aliases import AliasTable
from soccer_assets.lib.linking.model import Layer
from soccer_assets.lib.linking.normalize import normalize_name

ANY_LEAGUE = ""


@dataclass(frozen=True)
class Placement:
    """Where a name lands: ``team`` is None when no team of the league is clear enough."""

    team: str | None
    layer: Layer
    score: float
    ambiguous: bool = False  # a second team scored within the margin


def fuzzy_score(a: str, b: str) -> float:
    """Order-insensitive similarity of two normalised names (0-100), with no subset bonus.

    ``token_sort_ratio`` rather than ``token_set_ratio``: the latter scores "inter" vs
    "inter miami" as 100, exactly the confusion the linker must avoid.
    """
    return float(fuzz.token_sort_ratio(a, b)) if a and b else 0.0


class Roster:
    """Canonical team names per league, each with the normalised spellings it goes by."""

    def __init__(self, teams_by_league: Mapping[str, Iterable[str]], aliases: AliasTable):
        self.aliases = aliases
        self._keys: dict[str, dict[str, set[str]]] = {}
        for league, teams in teams_by_league.items():
            keys: dict[str, set[str]] = defaultdict(set)
            for team in teams:
                keys[team].add(normalize_name(team))
            for alias_key, by_league in aliases.entries.items():
                for alias_league, team in by_league.items():
                    if alias_league in (league, ANY_LEAGUE) and team in keys:
                        keys[team].add(alias_key)
            self._keys[league] = {team: {k for k in ks if k} for team, ks in keys.items()}
        self._cache: dict[tuple[str, str, bool], Placement] = {}

    def keys_of(self, league: str, team: str) -> set[str]:
        return self._keys.get(league, {}).get(team) or {normalize_name(team)}

    def place(self, name: str, league: str, *, fuzzy: bool, min_score: float, margin: float) -> Placement:
        """The team ``name`` denotes in ``league``; fuzzy scoring only if ``fuzzy``."""
        cache_key = (name, league, fuzzy)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._place(name, league, fuzzy, min_score, margin)
        return self._cache[cache_key]

    def _place(self, name: str, league: str, fuzzy: bool, min_score: float, margin: float) -> Placement:
        aliased = self.aliases.lookup(name, league)
        if aliased is not None:
            return Placement(aliased, Layer.ALIAS, 100.0)
        key = normalize_name(name)
        teams = self._keys.get(league, {})
        exact = sorted(t for t, keys in teams.items() if key in keys)
        if len(exact) == 1:
            return Placement(exact[0], Layer.EXACT, 100.0)
        if exact:
            return Placement(None, Layer.EXACT, 100.0, ambiguous=True)
        if not fuzzy or not key or not teams:
            return Placement(None, Layer.FUZZY, 0.0)
        scored = sorted(
            ((max(fuzzy_score(key, k) for k in keys), t) for t, keys in teams.items()), reverse=True
        )
        best_score, best_team = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if best_score < min_score:
            return Placement(None, Layer.FUZZY, best_score)
        if best_score - runner_up < margin:
            return Placement(None, Layer.FUZZY, best_score, ambiguous=True)
        return Placement(best_team, Layer.FUZZY, best_score)
