"""The line as it stands after a full packet and any number of increments.

An increment (``updatesFromVersion``) only carries what changed since the packet it
names: new or changed sports, events and quotes (odds 0 removes a quote), and block
changes (``blocked`` suspends an event, ``partial`` suspends some of its factors,
``unblocked`` lifts both). Applying one whose ``fromVersion`` is not the current
version would silently mix two lines, so ``replay`` refuses it instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from soccer_assets.lib.fonbet.packet import Packet

# A factor id occurs at most once per event (handicap and total lines move their
# parameter rather than adding factors), so quotes are keyed by (event id, factor id)
# and a removal in an increment ("v": 0) carries no parameter.
QuoteKey = tuple[int, int]


@dataclass(frozen=True)
class LineState:
    version: int
    sports: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    quotes: dict[QuoteKey, tuple[float, int | None]] = field(default_factory=dict)  # -> (odds, param)
    announcements: dict[int, dict[str, Any]] = field(default_factory=dict)
    blocked_events: frozenset[int] = frozenset()
    blocked_factors: dict[int, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def from_packet(cls, packet: Packet) -> LineState:
        if not packet.is_full:
            raise ValueError(
                f"packet {packet.version} is an increment from {packet.from_version}, not a full line"
            )
        return cls(version=packet.from_version)._merged(packet)

    def apply(self, packet: Packet) -> LineState:
        """This line with an increment applied; the increment must start at this version."""
        if packet.is_full:
            return LineState.from_packet(packet)
        if packet.from_version != self.version:
            raise ValueError(
                f"increment from version {packet.from_version} does not follow version {self.version}"
            )
        return self._merged(packet)

    def _merged(self, packet: Packet) -> LineState:
        quotes = dict(self.quotes)
        for quote in packet.quotes:
            key = (quote.event_id, quote.factor_id)
            if quote.value > 0:
                quotes[key] = (quote.value, quote.param)
            else:
                quotes.pop(key, None)
        blocked_events, blocked_factors = set(self.blocked_events), dict(self.blocked_factors)
        for block in packet.blocks:
            event_id, state = block.get("eventId"), block.get("state")
            blocked_events.discard(event_id)
            blocked_factors.pop(event_id, None)
            if state == "blocked":
                blocked_events.add(event_id)
            elif state == "partial":
                blocked_factors[event_id] = frozenset(block.get("factors") or ())
        return replace(
            self,
            version=packet.version,
            sports=_upsert(self.sports, packet.sports),
            events=_upsert(self.events, packet.events),
            quotes=quotes,
            announcements=_upsert(self.announcements, packet.announcements),
            blocked_events=frozenset(blocked_events),
            blocked_factors=blocked_factors,
        )

    def to_json(self) -> bytes:
        """The whole line as JSON (records keep their fields; quotes as [event, factor, odds, param])."""
        return json.dumps(
            {
                "version": self.version,
                "sports": list(self.sports.values()),
                "events": list(self.events.values()),
                "quotes": [[e, f, v, p] for (e, f), (v, p) in self.quotes.items()],
                "announcements": list(self.announcements.values()),
                "blocked_events": sorted(self.blocked_events),
                "blocked_factors": [[e, sorted(fs)] for e, fs in self.blocked_factors.items()],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> LineState:
        body = json.loads(data)
        return cls(
            version=body["version"],
            sports={r["id"]: r for r in body["sports"]},
            events={r["id"]: r for r in body["events"]},
            quotes={(e, f): (v, p) for e, f, v, p in body["quotes"]},
            announcements={r["id"]: r for r in body["announcements"]},
            blocked_events=frozenset(body["blocked_events"]),
            blocked_factors={e: frozenset(fs) for e, fs in body["blocked_factors"]},
        )

    def price(self, event_id: int, factor_id: int) -> float | None:
        """The tradable odds of a factor, None if it is not on offer or suspended."""
        if event_id in self.blocked_events or factor_id in self.blocked_factors.get(event_id, ()):
            return None
        quote = self.quotes.get((event_id, factor_id))
        return quote[0] if quote else None


def _upsert(
    current: dict[int, dict[str, Any]], records: Iterable[dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    merged = dict(current)
    for record in records:
        record_id = record.get("id")
        if isinstance(record_id, int):
            merged[record_id] = {**merged.get(record_id, {}), **record}
    return merged


@dataclass(frozen=True)
class ReplayStep:
    """The line after one packet, or why that packet could not be used."""

    state: LineState | None
    problem: str | None = None


def replay(packets: Iterable[Packet | None], start: LineState | None = None) -> Iterator[ReplayStep]:
    """Fold packets in order: a full packet restarts the line, an increment extends it.

    ``None`` stands for an unreadable packet: it yields a problem and breaks the chain,
    so the following increments are refused until the next full packet. ``start`` is the
    line a checkpoint left (None: no line yet, or a broken chain).
    """
    state = start
    for packet in packets:
        if packet is None:
            state = None
            yield ReplayStep(None, "unreadable packet")
        elif packet.is_full:
            state = LineState.from_packet(packet)
            yield ReplayStep(state)
        elif state is not None and packet.from_version == state.version:
            state = state.apply(packet)
            yield ReplayStep(state)
        else:
            after = f"version {state.version}" if state else "no full packet"
            yield ReplayStep(None, f"increment from version {packet.from_version} does not follow {after}")
