"""Polars adapters around the linker: canonical tables in, link and review tables out."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from soccer_assets.lib.linking.model import Candidate, LinkResult, SourceEvent

LINK_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64(),
    "match_id": pl.String(),
    "league": pl.String(),
    "layer": pl.String(),
    "score": pl.Float64(),
}
UNLINKED_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64(),
    "reason": pl.String(),
    "best_candidate": pl.String(),
    "score": pl.Float64(),
}
CANDIDATE_COLUMNS = ["match_id", "league", "home_team", "away_team", "kickoff_date", "kickoff_utc"]


def candidates_from(frames: Iterable[pl.DataFrame]) -> list[Candidate]:
    """Candidates from canonical ``matches`` / ``fixtures`` frames (duplicates merged by id)."""
    present = [f.select(CANDIDATE_COLUMNS) for f in frames if f.height]
    if not present:
        return []
    merged = pl.concat(present, how="vertical_relaxed").unique(subset="match_id", keep="first")
    return [
        Candidate(
            match_id=row["match_id"],
            league=row["league"],
            home=row["home_team"],
            away=row["away_team"],
            kickoff_date=row["kickoff_date"],
            kickoff_utc=row["kickoff_utc"],
        )
        for row in merged.iter_rows(named=True)
    ]


def events_from(frame: pl.DataFrame) -> list[SourceEvent]:
    """Source events from a frame with ``event_id, home, away, kickoff_utc`` and optionally
    ``league`` (the football-data division of the event's competition) and ``competition``."""
    return [
        SourceEvent(
            event_id=row["event_id"],
            home=row["home"],
            away=row["away"],
            kickoff_utc=row["kickoff_utc"],
            league=row.get("league"),
            competition=row.get("competition") or "",
        )
        for row in frame.iter_rows(named=True)
    ]


def links_frame(result: LinkResult) -> pl.DataFrame:
    rows = [
        {
            "event_id": x.event_id,
            "match_id": x.match_id,
            "league": x.league,
            "layer": x.layer.label,
            "score": x.score,
        }
        for x in result.links
    ]
    return pl.DataFrame(rows, schema=LINK_SCHEMA)


def unlinked_frame(result: LinkResult) -> pl.DataFrame:
    rows = [
        {
            "event_id": u.event_id,
            "reason": u.reason.value,
            "best_candidate": u.best_candidate,
            "score": u.score,
        }
        for u in result.unlinked
    ]
    return pl.DataFrame(rows, schema=UNLINKED_SCHEMA)
