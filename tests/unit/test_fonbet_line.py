"""Fonbet packets on the real sample: both layouts, increments, events and 1X2 prices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soccer_assets.lib.fonbet.events import football_events, match_odds, odds_frame
from soccer_assets.lib.fonbet.load import load_line
from soccer_assets.lib.fonbet.packet import PacketFormatError, parse_packet
from soccer_assets.lib.fonbet.state import LineState, replay

UPDATES = (
    "updatesFromVersion-2529996195.json",
    "updatesFromVersion-2529996461.json",
    "updatesFromVersion-2529996765.json",
)
ORHUS_HORSENS = 16041075


@pytest.fixture(scope="module")
def raw(shared_data: Path) -> dict[str, bytes]:
    folder = shared_data / "fonbet"
    return {name: (folder / name).read_bytes() for name in ("currentLine.json", *UPDATES)}


@pytest.fixture(scope="module")
def full(raw):
    return parse_packet(raw["currentLine.json"])


def _grouped(data: bytes) -> bytes:
    body = json.loads(data)
    groups: dict[int, list] = {}
    for quote in body["customFactors"]:
        groups.setdefault(quote["e"], []).append({k: v for k, v in quote.items() if k != "e"})
    body["customFactors"] = [{"e": e, "factors": f} for e, f in groups.items()]
    return json.dumps(body).encode()


def test_full_packet_as_documented(full):
    assert (full.version, full.from_version, full.is_full, full.shape) == (2529996195, 0, True, "flat")
    assert (len(full.sports), len(full.events), len(full.quotes)) == (68, 188, 8698)
    assert len(full.announcements) == 427 and len(full.blocks) == 16


def test_grouped_layout_parses_to_the_same_quotes(raw, full):
    grouped = parse_packet(_grouped(raw["currentLine.json"]))
    assert grouped.shape == "grouped"
    assert sorted(grouped.quotes, key=repr) == sorted(full.quotes, key=repr)
    assert football_events(LineState.from_packet(grouped)).equals(
        football_events(LineState.from_packet(full))
    )


def test_increments_chain_and_remove_quotes(raw, full):
    packets = [full, *(parse_packet(raw[name]) for name in UPDATES)]
    steps = list(replay(packets))
    assert [s.problem for s in steps] == [None] * 4
    assert [s.state.version for s in steps] == [2529996195, 2529996461, 2529996765, 2529997019]
    first, second = steps[0].state, steps[1].state
    assert first.quotes[(16142990, 2907)] == (1.35, 200)
    assert (16142990, 2907) not in second.quotes  # "v": 0 (without "p") in the increment removes it
    assert second.quotes[(16124701, 921)] == (1.97, None)  # a changed price
    assert first.price(16164015, 923) is None  # suspended by a "partial" block
    assert second.price(16161098, 931) is None and first.price(16161098, 931) is not None
    assert 16162956 in first.blocked_events and 16162956 not in second.blocked_events  # "unblocked"


def test_an_increment_that_does_not_follow_is_refused(raw, full):
    skipped = [full, parse_packet(raw[UPDATES[1]])]
    steps = list(replay(skipped))
    assert steps[1].state is None and "does not follow version 2529996195" in steps[1].problem
    with pytest.raises(ValueError, match="does not follow"):
        steps[0].state.apply(skipped[1])


def test_football_events_keep_only_main_matches(full):
    events = football_events(LineState.from_packet(full))
    assert events.height == 133 and events["event_id"].is_unique().all()
    by_id = {row["event_id"]: row for row in events.iter_rows(named=True)}
    wolves = by_id[16040873]
    assert (wolves["home"], wolves["away"], wolves["origin"]) == (
        "Вулверхэмптон",
        "Манчестер Юн",
        "announcement",
    )
    assert wolves["competition"] == "Футбол. Англия. Премьер-Лига"
    assert wolves["kickoff_utc"].isoformat() == "2019-08-19T19:00:00+00:00"
    assert 16164398 not in by_id  # "Кто забьет больше голов": a player duel, not a match
    assert 16162963 not in by_id  # penalty shoot-out sub-event of 16162958
    assert 16164316 in by_id and 16164402 not in by_id  # the statistics copy of Спартак - ЦСКА is dropped
    assert not events["competition"].str.starts_with("Киберфутбол").any()


def test_1x2_prices_of_the_sample(full):
    state = LineState.from_packet(full)
    assert match_odds(state, ORHUS_HORSENS) == (1.30, 4.70, 12.0)
    assert match_odds(state, 16162958) is None  # no 1X2 market on offer
    frame = odds_frame(state, [ORHUS_HORSENS, 16162958])
    assert frame.rows() == [(ORHUS_HORSENS, 1.30, 4.70, 12.0)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"packetVersion": 1, "sports": [], "events": [', "not valid JSON"),
        (b"<html>502 Bad Gateway</html>", "not valid JSON"),
        (b"[]", "top level must be an object"),
        (b'{"packetVersion": 1, "sports": [], "events": []}', "customFactors"),
        (b'{"packetVersion": 1, "sports": [], "events": [], "customFactors": [{"e": 1, "f": 921}]}', "'v'"),
    ],
)
def test_structural_damage_is_named(body, message):
    with pytest.raises(PacketFormatError, match=message):
        parse_packet(body)


def test_validation_reports_drift_without_data(raw):
    body = json.loads(raw["currentLine.json"])
    body["events"][0]["startTime"] = "tomorrow"
    body["customFactors"][0]["v"] = 0.5  # not a price in a full packet
    loaded = load_line(json.dumps(body).encode())
    assert not loaded.ok and loaded.packet is None
    checks = {(c["column"], c["check"]) for c in loaded.report.by_check}
    assert ("fonbet_line_events.startTime", "dtype('Int64')") in checks
    assert any(column == "fonbet_line_quotes.value" for column, _ in checks)


def test_increments_may_carry_zero_but_full_packets_may_not(raw):
    assert load_line(raw[UPDATES[0]]).ok  # contains "v": 0 removals
    body = json.loads(raw["currentLine.json"])
    body["customFactors"][0]["v"] = 0
    assert not load_line(json.dumps(body).encode()).ok
