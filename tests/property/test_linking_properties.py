"""Properties of the linker: one-to-one, independent of input order, the alias table wins."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soccer_assets.lib.identity import match_id
from soccer_assets.lib.linking.aliases import parse_team_aliases
from soccer_assets.lib.linking.matcher import link_events
from soccer_assets.lib.linking.model import Candidate, SourceEvent

# real football-data names and spellings a bookmaker uses for some of them
TEAMS = [
    "Arsenal",
    "Chelsea",
    "Man United",
    "Man City",
    "Tottenham",
    "Liverpool",
    "Everton",
    "West Ham",
    "Wolves",
]
SPELLINGS = {
    "Arsenal": ["Arsenal", "Арсенал", "Arsenal FC", "Arsnal"],
    "Chelsea": ["Chelsea", "Челси", "Chelsea FC", "Chelsae"],
    "Man United": ["Man United", "Манчестер Юн", "Manchester United", "Manchester Utd"],
    "Man City": ["Man City", "Манчестер Сити", "Manchester City", "Manchester"],
    "Tottenham": ["Tottenham", "Тоттенхэм", "Tottenham Hotspur", "Tottenhem"],
    "Liverpool": ["Liverpool", "Ливерпуль", "Liverpool FC", "Liverpol"],
    "Everton": ["Everton", "Эвертон", "Everton FC", "Evrton"],
    "West Ham": ["West Ham", "Вест Хэм", "West Ham United", "Westham"],
    "Wolves": ["Wolves", "Вулверхэмптон", "Wolverhampton", "Wolverhampton U23"],
}
ALIASES = parse_team_aliases(
    "test",
    "league,alias,team\n"
    + "".join(f"E0,{s},{team}\n" for team, names in SPELLINGS.items() for s in names[1:2]),
)
BASE = dt.datetime(2024, 9, 14, 14, 0, tzinfo=dt.UTC)


@st.composite
def slates(draw):
    """Candidate matches on a few kickoff slots, and events naming some of them (or not)."""
    candidates = []
    for slot in range(draw(st.integers(1, 3))):
        teams = draw(st.permutations(TEAMS))
        kickoff = BASE + dt.timedelta(hours=3 * slot)
        for i in range(draw(st.integers(1, 4))):
            home, away = teams[2 * i], teams[2 * i + 1]
            candidates.append(
                Candidate(
                    match_id("E0", kickoff.date(), home, away), "E0", home, away, kickoff.date(), kickoff
                )
            )
    events = []
    for event_id in range(draw(st.integers(0, 10))):
        home, away = draw(st.sampled_from(TEAMS)), draw(st.sampled_from(TEAMS))
        kickoff = BASE + dt.timedelta(
            hours=3 * draw(st.integers(0, 2)), minutes=draw(st.sampled_from([0, 15, -30]))
        )
        events.append(
            SourceEvent(
                event_id=1000 + event_id,
                home=draw(st.sampled_from(SPELLINGS[home])),
                away=draw(st.sampled_from(SPELLINGS[away])),
                kickoff_utc=kickoff,
                league=draw(st.sampled_from(["E0", None])),
            )
        )
    return candidates, events


def _outcome(result):
    return (
        [(x.event_id, x.match_id, x.layer, x.score) for x in result.links],
        [(u.event_id, u.reason, u.best_candidate, u.score) for u in result.unlinked],
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(slates())
def test_links_are_one_to_one(slate):
    candidates, events = slate
    result = link_events(events, candidates, ALIASES)
    assert len({x.match_id for x in result.links}) == len(result.links)
    assert len({x.event_id for x in result.links}) == len(result.links)
    assert {x.event_id for x in result.links}.isdisjoint({u.event_id for u in result.unlinked})
    assert result.total == len(events)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(slates(), st.randoms(use_true_random=False))
def test_outcome_does_not_depend_on_input_order(slate, rnd):
    candidates, events = slate
    shuffled_candidates, shuffled_events = candidates[:], events[:]
    rnd.shuffle(shuffled_candidates)
    rnd.shuffle(shuffled_events)
    assert _outcome(link_events(events, candidates, ALIASES)) == _outcome(
        link_events(shuffled_events, shuffled_candidates, ALIASES)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(slates(), st.sampled_from(TEAMS), st.sampled_from(TEAMS))
def test_an_aliased_name_only_ever_links_to_its_alias_target(slate, named, target):
    """Map a team's own name to another team: links follow the table, never the spelling."""
    candidates, events = slate
    aliases = parse_team_aliases("test", f"league,alias,team\nE0,{named},{target}\n")
    by_id = {c.match_id: c for c in candidates}
    for link in link_events(events, candidates, aliases).links:
        source = next(e for e in events if e.event_id == link.event_id)
        linked = by_id[link.match_id]
        if source.home == named:
            assert linked.home == target
        if source.away == named:
            assert linked.away == target
