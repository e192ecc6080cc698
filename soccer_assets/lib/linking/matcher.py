"""The 3-layer, one-to-one linker: source events -> canonical match ids.

For each event the *slate* is the set of candidate matches whose kickoff is within the
window (or on the same UK date when the candidate has no kickoff time) and, when the
event's competition maps to a league, in that league. Both team names are placed in
the candidate's league (alias, exact, fuzzy; see ``placement``); an event proposes the
candidate whose home and away teams are exactly the placed teams. Fuzzy proposals
need a high pair score (mean of the sides) and each side a margin over the league's
next-best team; events of unmapped competitions get no fuzzy layer at all.

Proposals are then made one-to-one: when two events claim the same match, the
stronger claim wins only if it is clearly stronger, otherwise both go to review. The
outcome never depends on input order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from soccer_assets.lib.identity import team_slug
from soccer_assets.lib.linking.aliases import AliasTable
from soccer_assets.lib.linking.model import (
    Candidate,
    Layer,
    Link,
    LinkConfig,
    LinkResult,
    Reason,
    SourceEvent,
    Unlinked,
)
from soccer_assets.lib.linking.normalize import Squad, normalize_name, squad_of
from soccer_assets.lib.linking.placement import Placement, Roster, fuzzy_score

UK = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Proposal:
    """An event's claim on one candidate match, before claims are made one-to-one."""

    event_id: int
    match_id: str
    league: str
    layer: Layer
    score: float

    def strength(self) -> tuple[int, float]:
        return (-int(self.layer), self.score)


class Linker:
    """Links events of one source against a fixed set of candidate matches."""

    def __init__(
        self, candidates: Iterable[Candidate], aliases: AliasTable, config: LinkConfig | None = None
    ):
        self.config = config or LinkConfig()
        self.candidates = sorted(set(candidates), key=lambda c: c.match_id)
        self.teams: dict[str, set[str]] = defaultdict(set)
        self.by_date: dict[dt.date, list[Candidate]] = defaultdict(list)
        for cand in self.candidates:
            self.teams[cand.league].update((cand.home, cand.away))
            self.by_date[cand.kickoff_date].append(cand)
        self.roster = Roster(self.teams, aliases)

    def link(self, events: Iterable[SourceEvent]) -> LinkResult:
        return self.settle([self.outcome(event) for event in unique_by_id(events)])

    def outcome(self, event: SourceEvent) -> Proposal | Unlinked:
        """What one event proposes, or why it is left for review (claims are settled later)."""
        return self._propose(event)

    def settle(self, outcomes: Iterable[Proposal | Unlinked]) -> LinkResult:
        """Make the proposals one-to-one; the result does not depend on the outcomes' order."""
        proposals: list[Proposal] = []
        unlinked: list[Unlinked] = []
        for outcome in outcomes:
            (proposals if isinstance(outcome, Proposal) else unlinked).append(outcome)
        links, conflicts = self.one_to_one(proposals)
        unlinked.extend(conflicts)
        return LinkResult(
            links=sorted(links, key=lambda x: x.event_id),
            unlinked=sorted(unlinked, key=lambda x: x.event_id),
        )

    # -- one event ---------------------------------------------------------------------

    def slate(self, event: SourceEvent) -> list[Candidate]:
        uk_date = event.kickoff_utc.astimezone(UK).date()
        nearby = (c for d in (-1, 0, 1) for c in self.by_date.get(uk_date + dt.timedelta(days=d), []))
        return [
            c
            for c in nearby
            if (event.league is None or c.league == event.league) and self._kickoff_fits(event, c, uk_date)
        ]

    def _kickoff_fits(self, event: SourceEvent, cand: Candidate, uk_date: dt.date) -> bool:
        if cand.kickoff_utc is None:
            return cand.kickoff_date == uk_date
        return abs(event.kickoff_utc - cand.kickoff_utc) <= self.config.kickoff_window

    def _place(self, name: str, league: str, fuzzy: bool) -> Placement:
        cfg = self.config
        return self.roster.place(name, league, fuzzy=fuzzy, min_score=cfg.min_side_score, margin=cfg.margin)

    def _propose(self, event: SourceEvent) -> Proposal | Unlinked:
        if any(squad_of(text) is not Squad.FIRST for text in (event.home, event.away, event.competition)):
            return Unlinked(event.event_id, Reason.NOT_FIRST_TEAM)
        slate = self.slate(event)
        if not slate:
            reason = Reason.COMPETITION_UNMAPPED if event.league is None else Reason.NO_MATCH_IN_WINDOW
            return Unlinked(event.event_id, reason)
        fuzzy = event.league is not None
        proposals: list[Proposal] = []
        ambiguous = False
        for cand in slate:
            home = self._place(event.home, cand.league, fuzzy)
            away = self._place(event.away, cand.league, fuzzy)
            ambiguous |= home.ambiguous or away.ambiguous
            if home.team is None or away.team is None:
                continue
            if (team_slug(home.team), team_slug(away.team)) != (team_slug(cand.home), team_slug(cand.away)):
                continue
            layer = max(home.layer, away.layer)
            score = (home.score + away.score) / 2
            if layer is Layer.FUZZY and score < self.config.accept_score:
                continue
            proposals.append(Proposal(event.event_id, cand.match_id, cand.league, layer, score))
        if len(proposals) == 1:
            return proposals[0]
        best, best_score = self._closest(event, slate)
        if len(proposals) > 1:
            return Unlinked(event.event_id, Reason.AMBIGUOUS, best, best_score)
        if event.league is None:
            return Unlinked(event.event_id, Reason.COMPETITION_UNMAPPED, best, best_score)
        return Unlinked(
            event.event_id, Reason.AMBIGUOUS if ambiguous else Reason.BELOW_THRESHOLD, best, best_score
        )

    def _closest(self, event: SourceEvent, slate: Sequence[Candidate]) -> tuple[str | None, float | None]:
        """The slate's best raw pair score, shown to reviewers of an unlinked event."""
        home_key, away_key = normalize_name(event.home), normalize_name(event.away)

        def side(key: str, league: str, team: str) -> float:
            return max(fuzzy_score(key, k) for k in self.roster.keys_of(league, team))

        scored = [
            ((side(home_key, c.league, c.home) + side(away_key, c.league, c.away)) / 2, c.match_id)
            for c in slate
        ]
        score, match_id = max(scored, key=lambda s: (s[0], s[1]))
        if score < self.config.review_floor:
            return None, None
        return match_id, round(score, 1)

    # -- all events ---------------------------------------------------------------------

    def one_to_one(self, proposals: Sequence[Proposal]) -> tuple[list[Link], list[Unlinked]]:
        by_match: dict[str, list[Proposal]] = defaultdict(list)
        for proposal in proposals:
            by_match[proposal.match_id].append(proposal)
        links: list[Link] = []
        conflicts: list[Unlinked] = []
        for match_id, claims in by_match.items():
            claims.sort(key=lambda p: (p.strength(), -p.event_id), reverse=True)
            winner = claims[0] if self._clearly_ahead(claims) else None
            for claim in claims:
                if claim is winner:
                    links.append(
                        Link(
                            claim.event_id,
                            match_id,
                            claim.league,
                            claim.layer,
                            round(claim.score, 1),
                        )
                    )
                else:
                    conflicts.append(
                        Unlinked(claim.event_id, Reason.CONFLICT, match_id, round(claim.score, 1))
                    )
        return links, conflicts

    def _clearly_ahead(self, claims: Sequence[Proposal]) -> bool:
        if len(claims) == 1:
            return True
        first, second = claims[0], claims[1]
        if first.layer != second.layer:
            return first.layer < second.layer
        if first.layer is Layer.FUZZY:
            return first.score - second.score >= self.config.margin
        return False


def unique_by_id(events: Iterable[SourceEvent]) -> list[SourceEvent]:
    by_id: dict[int, SourceEvent] = {}
    for event in events:
        if by_id.setdefault(event.event_id, event) != event:
            raise ValueError(f"two different events share the id {event.event_id}")
    return [by_id[k] for k in sorted(by_id)]


def link_events(
    events: Iterable[SourceEvent],
    candidates: Iterable[Candidate],
    aliases: AliasTable,
    config: LinkConfig | None = None,
) -> LinkResult:
    """Convenience wrapper: one ``Linker`` over ``candidates``, applied to ``events``."""
    return Linker(candidates, aliases, config).link(events)
