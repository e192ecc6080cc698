"""Precision and recall of the linker on the labelled set (``tests/linking_labels.py``).

The bar is zero false links: a wrong link silently corrupts the odds history, while
a missed one only lands in the review table.
"""

from __future__ import annotations

import pytest

from soccer_assets.lib.linking.aliases import load_competitions, load_team_aliases
from soccer_assets.lib.linking.matcher import link_events
from soccer_assets.lib.linking.model import SourceEvent
from tests.linking_labels import Labelled, candidate_matches, real_events, written_events


@pytest.fixture(scope="module")
def labelled(shared_data) -> list[Labelled]:
    return real_events(shared_data / "fonbet") + written_events()


@pytest.fixture(scope="module")
def predicted(labelled, football_data_dir) -> dict[int, str]:
    candidates = candidate_matches(football_data_dir)
    ids = {c.match_id for c in candidates}
    missing = {x.expected for x in labelled if x.expected and x.expected not in ids}
    assert not missing, f"labels name matches that are not in the candidate set: {missing}"
    competitions = load_competitions("fonbet")
    events = [
        SourceEvent(
            x.event_id, x.home, x.away, x.kickoff_utc, competitions.league_of(x.competition), x.competition
        )
        for x in labelled
    ]
    result = link_events(events, candidates, load_team_aliases("fonbet"))
    return {link.event_id: link.match_id for link in result.links}


def test_labelled_set_has_real_events_positives_and_traps(labelled):
    positives = [x for x in labelled if x.expected]
    assert len(labelled) > 150 and len(positives) >= 30
    assert any(x.note == "real sample" and x.expected for x in labelled)
    assert any(any("\u0400" <= ch <= "\u04ff" for ch in x.home) for x in positives)


def test_no_false_links_and_high_recall(labelled, predicted, record_property):
    true_pos = [x for x in labelled if x.expected and predicted.get(x.event_id) == x.expected]
    false_pos = [x for x in labelled if x.event_id in predicted and predicted[x.event_id] != x.expected]
    false_neg = [x for x in labelled if x.expected and predicted.get(x.event_id) != x.expected]
    precision = len(true_pos) / max(1, len(true_pos) + len(false_pos))
    recall = len(true_pos) / max(1, len(true_pos) + len(false_neg))
    record_property("link_precision", round(precision, 4))
    record_property("link_recall", round(recall, 4))
    print(
        f"\nlabelled={len(labelled)} positives={len(true_pos) + len(false_neg)} "
        f"tp={len(true_pos)} fp={len(false_pos)} fn={len(false_neg)} "
        f"precision={precision:.3f} recall={recall:.3f}"
    )
    assert false_pos == [], [(x.home, x.away, x.note, predicted[x.event_id]) for x in false_pos]
    assert recall >= 0.95, [(x.home, x.away, x.note) for x in false_neg]


@pytest.mark.parametrize("note", ["fuzzy", "exact", "latin", "alias"])
def test_every_layer_contributes(labelled, predicted, note):
    rows = [x for x in labelled if x.note == note]
    assert rows and all(predicted.get(x.event_id) == x.expected for x in rows)
