"""Linking only the events whose inputs changed since the last run.

What the linker proposes for one event depends on the event itself, on the candidates of
the UK dates around its kickoff (its slate), on the teams of the leagues playing on those
dates (fuzzy placement scores a name against a league's whole roster), and on the alias
table and thresholds. ``event_keys`` hashes exactly that per event; an event whose key is
unchanged keeps its stored outcome, every other one is proposed again, and the one-to-one
settlement runs over all outcomes. The result therefore equals linking every event from
scratch (tested), while a run proposes only new events and those near changed fixtures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import astuple

import polars as pl

from soccer_assets.lib.linking.aliases import AliasTable
from soccer_assets.lib.linking.matcher import UK, Linker, Proposal
from soccer_assets.lib.linking.model import Layer, LinkConfig, LinkResult, Reason, SourceEvent, Unlinked

OUTCOME_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64(),
    "key": pl.String(),
    "match_id": pl.String(),  # the proposed match, or the closest candidate of an unlinked event
    "league": pl.String(),
    "layer": pl.Int8(),  # null: unlinked
    "score": pl.Float64(),
    "reason": pl.String(),
}


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def rules_fingerprint(aliases: AliasTable, config: LinkConfig, *extra: object) -> str:
    """Everything that applies to all events alike: a change relinks every event."""
    entries = sorted((key, sorted(by_league.items())) for key, by_league in aliases.entries.items())
    return _digest(entries, astuple(config), extra)


def event_keys(linker: Linker, events: Iterable[SourceEvent]) -> dict[int, str]:
    """event id -> hash of the event and of the candidates and rosters its outcome can depend on."""
    dates = {
        day: _digest(sorted((c.match_id, c.league, c.home, c.away, c.kickoff_utc) for c in cands))
        for day, cands in linker.by_date.items()
    }
    rosters = {league: _digest(sorted(teams)) for league, teams in linker.teams.items()}
    keys = {}
    for event in events:
        around = [event.kickoff_utc.astimezone(UK).date() + dt.timedelta(days=d) for d in (-1, 0, 1)]
        leagues = sorted({c.league for day in around for c in linker.by_date.get(day, [])})
        keys[event.event_id] = _digest(
            astuple(event),
            [dates.get(day) for day in around],
            [(league, rosters[league]) for league in leagues],
        )
    return keys


def outcome_rows(outcomes: Iterable[Proposal | Unlinked], keys: dict[int, str]) -> pl.DataFrame:
    rows = []
    for o in outcomes:
        if isinstance(o, Proposal):
            rows.append((o.event_id, keys[o.event_id], o.match_id, o.league, int(o.layer), o.score, None))
        else:
            rows.append((o.event_id, keys[o.event_id], o.best_candidate, None, None, o.score, o.reason.value))
    return pl.DataFrame(rows, schema=OUTCOME_SCHEMA, orient="row")


def outcomes_from(rows: pl.DataFrame) -> list[Proposal | Unlinked]:
    outcomes: list[Proposal | Unlinked] = []
    for event_id, _, match_id, league, layer, score, reason in rows.iter_rows():
        if layer is not None:
            outcomes.append(Proposal(event_id, match_id, league, Layer(layer), score))
        else:
            outcomes.append(Unlinked(event_id, Reason(reason), match_id, score))
    return outcomes


def link_incrementally(
    linker: Linker, events: list[SourceEvent], previous: pl.DataFrame | None
) -> tuple[LinkResult, pl.DataFrame, int]:
    """Link ``events`` reusing ``previous`` outcomes whose key still matches.

    Returns the result, the outcome table to keep for the next run, and how many events were
    proposed afresh. ``previous=None`` proposes every event (the full rebuild).
    """
    keys = event_keys(linker, events)
    kept = pl.DataFrame(schema=OUTCOME_SCHEMA)
    if previous is not None and previous.height:
        current = pl.DataFrame(
            {"event_id": list(keys), "key": list(keys.values())}, schema=["event_id", "key"]
        )
        kept = previous.join(current, on=["event_id", "key"], how="semi")
    done = set(kept["event_id"].to_list())
    fresh = [linker.outcome(e) for e in events if e.event_id not in done]
    table = pl.concat([kept, outcome_rows(fresh, keys)]).sort("event_id")
    return linker.settle(outcomes_from(table)), table, len(fresh)
