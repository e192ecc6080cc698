"""Incremental linking equals linking everything again, over runs in which events arrive,
fixtures appear, a kickoff moves and a league's roster changes; unchanged events are not
proposed again. Real candidates (the mirror) and the labelled events."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest

from soccer_assets.lib.linking.aliases import load_competitions, load_team_aliases
from soccer_assets.lib.linking.frames import links_frame, unlinked_frame
from soccer_assets.lib.linking.incremental import link_frames
from soccer_assets.lib.linking.matcher import Linker, link_events
from soccer_assets.lib.linking.model import Candidate, SourceEvent
from tests.linking_labels import candidate_matches, real_events, written_events


@pytest.fixture(scope="module")
def events(shared_data) -> list[SourceEvent]:
    competitions = load_competitions("fonbet")
    labelled = real_events(shared_data / "fonbet") + written_events()
    return sorted(
        (
            SourceEvent(
                x.event_id,
                x.home,
                x.away,
                x.kickoff_utc,
                competitions.league_of(x.competition),
                x.competition,
            )
            for x in labelled
        ),
        key=lambda e: e.event_id,
    )


@pytest.fixture(scope="module")
def candidates(football_data_dir) -> list[Candidate]:
    return candidate_matches(football_data_dir)


class CountingLinker(Linker):
    proposed = 0

    def outcome(self, event):
        CountingLinker.proposed += 1
        return super().outcome(event)


def frame(events: list[SourceEvent]) -> pl.DataFrame:
    return pl.DataFrame(
        [dataclasses.asdict(e) for e in events],
        schema={
            "event_id": pl.Int64,
            "home": pl.String,
            "away": pl.String,
            "kickoff_utc": pl.Datetime("us", "UTC"),
            "league": pl.String,
            "competition": pl.String,
        },
    )


def run(candidates, events, previous):
    CountingLinker.proposed = 0
    linker = CountingLinker(candidates, load_team_aliases("fonbet"))
    result = link_frames(linker, frame(events), previous)
    assert result.proposed == CountingLinker.proposed
    expected = link_events(events, candidates, load_team_aliases("fonbet"))
    assert result.links.equals(links_frame(expected)) and result.unlinked.equals(unlinked_frame(expected))
    return result, result.outcomes, result.proposed


def test_incremental_runs_equal_full_relinks(events, candidates):
    linked_dates = sorted({c.kickoff_date for c in candidates})
    late = set(linked_dates[-40:])  # fixtures of these dates are not out yet in the first run
    early = [c for c in candidates if c.kickoff_date not in late]

    _, table, fresh = run(early, events[: len(events) // 2], None)
    assert fresh == len(events) // 2
    result, table, fresh = run(early, events, table)  # new events arrive
    assert fresh == len(events) - len(events) // 2
    _, table, fresh = run(early, events, table)  # nothing changed: nothing proposed
    assert fresh == 0
    result, table, fresh = run(candidates, events, table)  # the late fixtures appear
    assert 0 < fresh < len(events)

    moved = [
        dataclasses.replace(e, kickoff_utc=e.kickoff_utc + dt.timedelta(days=2)) if k % 7 == 0 else e
        for k, e in enumerate(events)
    ]
    _, table, fresh = run(candidates, moved, table)
    assert fresh == len(range(0, len(events), 7))

    # a promoted team joins the Premier League: every event near an E0 date is placed again
    newcomer = Candidate("E0_2030-08-10_newtown_man-city", "E0", "Newtown", "Man City", dt.date(2030, 8, 10))
    _, table, fresh = run([*candidates, newcomer], moved, table)
    assert fresh > 0
    assert result.links.height > 20 and result.by_layer()  # the labelled set links plenty
