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
from collections import Counter
from collections.abc import Iterable
from dataclasses import astuple, dataclass

import polars as pl

from soccer_assets.lib.linking.aliases import AliasTable
from soccer_assets.lib.linking.frames import events_from, links_frame, unlinked_frame
from soccer_assets.lib.linking.matcher import UK, Linker, Proposal
from soccer_assets.lib.linking.model import Layer, LinkConfig, LinkResult, Unlinked

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


def _contexts(linker: Linker, dates: Iterable[dt.date]) -> dict[dt.date, str]:
    """UK date -> hash of the candidates of the day before, the day and the day after, and of
    the rosters of every league playing on them: all an event of that date can be linked by."""
    rosters = {league: _digest(sorted(teams)) for league, teams in linker.teams.items()}
    days: dict[dt.date, str | None] = {}

    def day(d: dt.date) -> str | None:
        if d not in days:
            cands = linker.by_date.get(d, [])
            days[d] = _digest(sorted((c.match_id, c.league, c.home, c.away, c.kickoff_utc) for c in cands))
        return days[d]

    contexts = {}
    for date in dates:
        around = [date + dt.timedelta(days=k) for k in (-1, 0, 1)]
        leagues = sorted({c.league for d in around for c in linker.by_date.get(d, [])})
        contexts[date] = _digest([day(d) for d in around], [(lg, rosters[lg]) for lg in leagues])
    return contexts


def event_keys(linker: Linker, events: pl.DataFrame) -> pl.DataFrame:
    """event_id, key: the event's own fields and the context of its UK date, as one string
    (columns event_id, home, away, kickoff_utc, league, competition, as ``events_from`` reads)."""
    uk_date = pl.col("kickoff_utc").dt.convert_time_zone(str(UK)).dt.date().alias("uk_date")
    dated = events.select("event_id", uk_date)
    contexts = _contexts(linker, dated["uk_date"].unique().to_list())
    context = pl.DataFrame(
        {"uk_date": list(contexts), "context": list(contexts.values())},
        schema={"uk_date": pl.Date, "context": pl.String},
    )
    fields = [
        pl.col("event_id").cast(pl.String),
        pl.col("home"),
        pl.col("away"),
        pl.col("kickoff_utc").cast(pl.String),
        pl.col("league").fill_null("\x00"),
        pl.col("competition").fill_null(""),
        pl.col("context"),
    ]
    return (
        events.with_columns(uk_date)
        .join(context, on="uk_date", how="left")
        .select("event_id", pl.concat_str(fields, separator="\x1f").alias("key"))
    )


def outcome_rows(outcomes: Iterable[Proposal | Unlinked], keys: dict[int, str]) -> pl.DataFrame:
    rows = []
    for o in outcomes:
        if isinstance(o, Proposal):
            rows.append((o.event_id, keys[o.event_id], o.match_id, o.league, int(o.layer), o.score, None))
        else:
            rows.append((o.event_id, keys[o.event_id], o.best_candidate, None, None, o.score, o.reason.value))
    return pl.DataFrame(rows, schema=OUTCOME_SCHEMA, orient="row")


@dataclass(frozen=True)
class LinkFrames:
    """``links_frame`` / ``unlinked_frame`` of a link result, the outcomes to keep, and how many
    events were proposed afresh."""

    links: pl.DataFrame
    unlinked: pl.DataFrame
    outcomes: pl.DataFrame
    proposed: int

    @property
    def total(self) -> int:
        return self.links.height + self.unlinked.height

    @property
    def link_rate(self) -> float:
        return self.links.height / self.total if self.total else 0.0

    def by_layer(self) -> dict[str, int]:
        return dict(Counter(self.links["layer"].to_list()))

    def by_reason(self) -> dict[str, int]:
        return dict(Counter(self.unlinked["reason"].to_list()))


def link_frames(linker: Linker, events: pl.DataFrame, previous: pl.DataFrame | None) -> LinkFrames:
    """Link ``events`` (a frame ``events_from`` reads, one row per id), reusing ``previous``
    outcomes whose key still matches; ``previous=None`` proposes every event (the full rebuild).

    Only proposals go through Python objects (to be made one-to-one); the outcomes of events
    left for review stay rows.
    """
    if events["event_id"].is_duplicated().any():
        raise ValueError("two events share an id")
    keys = event_keys(linker, events)
    kept = pl.DataFrame(schema=OUTCOME_SCHEMA)
    if previous is not None and previous.height:
        kept = previous.join(keys, on=["event_id", "key"], how="semi")
    changed = events.join(kept.select("event_id"), on="event_id", how="anti")
    fresh = [linker.outcome(e) for e in events_from(changed)]
    fresh_keys = dict(keys.join(changed.select("event_id"), on="event_id", how="semi").iter_rows())
    table = pl.concat([kept, outcome_rows(fresh, fresh_keys)]).sort("event_id")
    proposals = [
        Proposal(event_id, match_id, league, Layer(layer), score)
        for event_id, match_id, league, layer, score in table.filter(pl.col("layer").is_not_null())
        .select("event_id", "match_id", "league", "layer", "score")
        .iter_rows()
    ]
    links, conflicts = linker.one_to_one(proposals)
    left = table.filter(pl.col("layer").is_null()).select(
        "event_id", "reason", pl.col("match_id").alias("best_candidate"), "score"
    )
    unlinked = pl.concat([left, unlinked_frame(LinkResult(unlinked=conflicts))]).sort("event_id")
    linked = links_frame(LinkResult(links=sorted(links, key=lambda x: x.event_id)))
    return LinkFrames(links=linked, unlinked=unlinked, outcomes=table, proposed=len(fresh))
