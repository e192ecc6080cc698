"""Predictions computed in the API process: any pair of teams, any upcoming match, in batches.

Everything comes from the publication the snapshot holds: the serving model (native
bytes, no MLflow), the team state and the upcoming matches' feature rows. Features of a
requested match are built by ``soccer_assets.lib.features.state.feature_row``, the
function the pipeline's ``predictions`` asset used for its upcoming matches, so a request
for a published fixture gives the published numbers. Team names are resolved the way the
odds linker resolves a bookmaker's names: alias tables, then normalised spelling, then a
fuzzy score with a clear margin over the league's next-best team.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from soccer_assets.lib import devig
from soccer_assets.lib.features.form import FormConfig
from soccer_assets.lib.features.state import LEAGUE_RATES, feature_row
from soccer_assets.lib.leagues import LEAGUES
from soccer_assets.lib.linking.aliases import AliasTable, load_team_aliases
from soccer_assets.lib.linking.normalize import normalize_name
from soccer_assets.lib.linking.placement import Roster, fuzzy_score
from soccer_assets.lib.models.serving import ServingModel, top_contributions
from soccer_assets.lib.seasons import Season

ALIAS_SOURCES = ("whoscored", "fonbet")  # English long forms and Russian names of the same clubs
FUZZY_MIN_SCORE = 85.0
FUZZY_MARGIN = 8.0
CLOSEST = 5


class RequestProblem(ValueError):
    """A request the model cannot answer, with the field it concerns (422)."""

    def __init__(self, field: str, reason: str, suggestions: Sequence[str] = ()):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.suggestions = list(suggestions)


@dataclass(frozen=True)
class MatchRequest:
    league: str
    home_team: str
    away_team: str
    kickoff_date: dt.date | None = None
    odds: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Resolved:
    """A request after name resolution: the canonical teams, the date, the prices used."""

    league: str
    home_team: str
    away_team: str
    kickoff_date: dt.date
    odds: tuple[float, float, float] | None
    odds_source: str | None
    match_id: str | None  # the published fixture this request is, if any


@dataclass(frozen=True)
class Scored:
    probabilities: np.ndarray  # (3,)
    explanation: dict[str, list[dict[str, Any]]] | None


def merged_aliases(sources: Iterable[str] = ALIAS_SOURCES) -> AliasTable:
    entries: dict[str, dict[str, str]] = {}
    for source in sources:
        for key, by_league in load_team_aliases(source).entries.items():
            entries.setdefault(key, {}).update(by_league)
    return AliasTable("api", entries)


class OnDemandModel:
    """The serving model with what it needs to score matches nobody published."""

    def __init__(
        self,
        model: ServingModel,
        team_state: pl.DataFrame,
        upcoming_features: pl.DataFrame,
        upcoming_odds: dict[str, tuple[tuple[float, float, float], str]],
        aliases: AliasTable | None = None,
        form: FormConfig | None = None,
    ):
        self.model = model
        self.form = form or FormConfig()
        self.use_market = any(f.startswith("f_mkt_") for f in model.features)
        rows = team_state.to_dicts() if team_state.height else []
        self.teams: dict[str, dict[str, Any]] = {row["team"]: row for row in rows}
        self.league_rates: dict[str, dict[str, Any]] = {}
        self.as_of: dict[str, dt.date] = {}
        by_league: dict[str, list[str]] = {}
        for row in rows:
            by_league.setdefault(row["league"], []).append(row["team"])
            self.league_rates.setdefault(row["league"], {k: row.get(k) for k in LEAGUE_RATES})
            last = row["last_played"]
            if last is not None and (row["league"] not in self.as_of or last > self.as_of[row["league"]]):
                self.as_of[row["league"]] = last
        self.by_league = {league: sorted(teams) for league, teams in by_league.items()}
        self.roster = Roster(self.by_league, aliases or merged_aliases())
        # published upcoming matches: their feature rows as scored by the pipeline
        self.upcoming: dict[str, np.ndarray] = {}
        self._all_fixtures: list[dict[str, Any]] = []
        self.fixtures: dict[tuple[str, str, str], dict[str, Any]] = {}
        if upcoming_features.height:
            matrix = upcoming_features.select(model.features).cast(pl.Float64).to_numpy()
            for i, row in enumerate(
                upcoming_features.select(
                    "match_id", "league", "kickoff_date", "home_team", "away_team"
                ).to_dicts()
            ):
                self.upcoming[row["match_id"]] = matrix[i]
                self.fixtures.setdefault((row["league"], row["home_team"], row["away_team"]), row)
                self._all_fixtures.append(row)
        self.fixture_by_id = {row["match_id"]: row for row in self._all_fixtures}
        self.upcoming_odds = upcoming_odds

    # -- names -------------------------------------------------------------------------

    def resolve_team(self, field: str, name: str, league: str) -> str:
        placement = self.roster.place(
            name, league, fuzzy=True, min_score=FUZZY_MIN_SCORE, margin=FUZZY_MARGIN
        )
        if placement.team is not None:
            return placement.team
        reason = (
            "matches several teams equally well" if placement.ambiguous else "is not a team of this league"
        )
        raise RequestProblem(field, f"{name!r} {reason} ({league})", self.closest(name, league))

    def closest(self, name: str, league: str, n: int = CLOSEST) -> list[str]:
        key = normalize_name(name)
        scored = sorted(
            (
                (max(fuzzy_score(key, k) for k in self.roster.keys_of(league, team)), team)
                for team in self.by_league.get(league, [])
            ),
            key=lambda item: (-item[0], item[1]),
        )
        return [team for _, team in scored[:n]]

    def resolve(self, request: MatchRequest, today: dt.date) -> Resolved:
        league = request.league.strip().upper()
        if league not in LEAGUES:
            raise RequestProblem("league", f"unknown league code {request.league!r}", sorted(LEAGUES))
        if league not in self.by_league:
            raise RequestProblem(
                "league", f"{league} is not covered by this publication", sorted(self.by_league)
            )
        home = self.resolve_team("home_team", request.home_team, league)
        away = self.resolve_team("away_team", request.away_team, league)
        if home == away:
            raise RequestProblem("away_team", f"{home} cannot play itself")
        fixture = self.fixtures.get((league, home, away))
        if fixture is not None and request.kickoff_date not in (None, fixture["kickoff_date"]):
            fixture = None  # another date: a what-if about the same pairing
        kickoff = request.kickoff_date or (fixture["kickoff_date"] if fixture else today)
        as_of = self.as_of.get(league)
        if as_of is not None and kickoff < as_of:
            raise RequestProblem(
                "kickoff_date", f"{kickoff} is before {as_of}, the last result the team state includes"
            )
        odds, source = request.odds, "request" if request.odds else None
        if odds is None and fixture is not None and fixture["match_id"] in self.upcoming_odds:
            odds, source = self.upcoming_odds[fixture["match_id"]]
        return Resolved(league, home, away, kickoff, odds, source, fixture["match_id"] if fixture else None)

    # -- scoring -----------------------------------------------------------------------

    def features_of(self, match: Resolved) -> np.ndarray:
        values = feature_row(
            self.teams.get(match.home_team),
            self.teams.get(match.away_team),
            self.league_rates.get(match.league),
            kickoff_date=match.kickoff_date,
            season=Season.containing(match.kickoff_date).code,
            odds=match.odds,
            config=self.form,
            use_market=self.use_market,
        )
        return np.array([values[name] for name in self.model.features], dtype=np.float64)

    def score(self, rows: np.ndarray, explain: bool, top: int) -> list[Scored]:
        """Probabilities (and top contributions) of several feature rows in one model call."""
        probs = self.model.predict_proba(rows)
        contributions = self.model.contributions(rows) if explain and self.model.explains else None
        return [
            Scored(
                probs[i],
                top_contributions(contributions[i], rows[i], self.model.features, top)
                if contributions is not None
                else None,
            )
            for i in range(len(rows))
        ]


def market_view(odds: tuple[float, float, float] | None, probs: np.ndarray) -> dict[str, Any] | None:
    """De-vigged market probabilities and the model's edge over them (percentage points)."""
    if odds is None:
        return None
    market = devig.devig(np.array([odds], dtype=float))[0]
    if not np.isfinite(market).all():
        return None
    return {
        "odds_home": odds[0],
        "odds_draw": odds[1],
        "odds_away": odds[2],
        "market_home": float(market[0]),
        "market_draw": float(market[1]),
        "market_away": float(market[2]),
        "edge_pp_home": float((probs[0] - market[0]) * 100),
        "edge_pp_draw": float((probs[1] - market[1]) * 100),
        "edge_pp_away": float((probs[2] - market[2]) * 100),
    }
