"""Value types of the linker: what goes in (events, candidates) and what comes out."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class Layer(IntEnum):
    """How a link was made; lower is stronger. A pair is as weak as its weaker side."""

    ALIAS = 1
    EXACT = 2
    FUZZY = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Reason(StrEnum):
    """Why an event was left for review instead of being linked."""

    NOT_FIRST_TEAM = "not_first_team"  # reserve, youth or women's side
    COMPETITION_UNMAPPED = "competition_unmapped"  # no league for the competition, no exact pair
    NO_MATCH_IN_WINDOW = "no_match_in_window"  # the league has no match near that kickoff
    BELOW_THRESHOLD = "below_threshold"  # best candidate scores too low or a side is placed elsewhere
    AMBIGUOUS = "ambiguous"  # runner-up candidate too close
    CONFLICT = "conflict"  # another event claims the same match at least as strongly


@dataclass(frozen=True)
class SourceEvent:
    """One event of a source: a bookmaker's match offer or a scraped fixture.

    ``league`` is the football-data division the source's competition maps to, or None
    when the competition is not in the source's competition table.
    """

    event_id: int
    home: str
    away: str
    kickoff_utc: dt.datetime
    league: str | None = None
    competition: str = ""


@dataclass(frozen=True)
class Candidate:
    """A canonical match (finished or upcoming) an event may be linked to."""

    match_id: str
    league: str
    home: str
    away: str
    kickoff_date: dt.date  # UK date, as published
    kickoff_utc: dt.datetime | None = None  # null in files without kickoff times


@dataclass(frozen=True)
class Link:
    event_id: int
    match_id: str
    league: str
    layer: Layer
    score: float


@dataclass(frozen=True)
class Unlinked:
    event_id: int
    reason: Reason
    best_candidate: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class LinkConfig:
    """Thresholds of the fuzzy layer (scores are 0-100) and the kickoff window."""

    kickoff_window: dt.timedelta = dt.timedelta(hours=3)
    accept_score: float = 88.0  # mean of the two sides
    min_side_score: float = 80.0  # each side on its own
    margin: float = 6.0  # over the runner-up, for the pair and for each side's team
    review_floor: float = 50.0  # below this the closest candidate is noise, not a hint


@dataclass
class LinkResult:
    links: list[Link] = field(default_factory=list)
    unlinked: list[Unlinked] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.links) + len(self.unlinked)

    @property
    def link_rate(self) -> float:
        return len(self.links) / self.total if self.total else 0.0

    def by_layer(self) -> dict[str, int]:
        return dict(Counter(link.layer.label for link in self.links))

    def by_reason(self) -> dict[str, int]:
        return dict(Counter(u.reason.value for u in self.unlinked))
