"""Prediction cards against hand-computed edges, value flags and expected values."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from soccer_assets.lib import devig
from soccer_assets.lib.cards import build_cards
from soccer_assets.lib.pre_match_odds import DuplicateMatchError


def predictions(*rows: tuple[str, float, float, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "match_id": [r[0] for r in rows],
            "prob_home": [r[1] for r in rows],
            "prob_draw": [r[2] for r in rows],
            "prob_away": [r[3] for r in rows],
            "model_version": ["7"] * len(rows),
        }
    )


def odds(*rows: tuple[str, float, float, float], source: str = "fonbet") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "match_id": [r[0] for r in rows],
            "odds_home": [r[1] for r in rows],
            "odds_draw": [r[2] for r in rows],
            "odds_away": [r[3] for r in rows],
            "odds_source": [source] * len(rows),
        }
    )


def only(cards: pl.DataFrame, match_id: str) -> dict:
    return cards.filter(pl.col("match_id") == match_id).row(0, named=True)


def test_hand_computed_market_edges_value_and_ev():
    # 1/2 + 1/3.5 + 1/4 = 29/28, so the de-vigged market is 14/29, 8/29, 7/29
    card = only(build_cards(predictions(("m", 0.55, 0.25, 0.20)), odds(("m", 2.0, 3.5, 4.0))), "m")
    assert card["overround"] == pytest.approx(1 / 28)
    assert [card["market_home"], card["market_draw"], card["market_away"]] == pytest.approx(
        [14 / 29, 8 / 29, 7 / 29]
    )
    assert [card["edge_pp_home"], card["edge_pp_draw"], card["edge_pp_away"]] == pytest.approx(
        [195 / 29, -75 / 29, -120 / 29]
    )
    assert (card["value_home"], card["value_draw"], card["value_away"]) == (True, False, False)
    assert (card["value_outcome"], card["value_edge_pp"]) == ("H", pytest.approx(195 / 29))
    assert [card["ev_home"], card["ev_draw"], card["ev_away"]] == pytest.approx([0.10, -0.125, -0.20])
    assert (card["odds_source"], card["model_version"]) == ("fonbet", "7")


def test_the_best_value_outcome_has_the_largest_edge():
    # 1/1.5 + 1/4 + 1/7 = 89/84: market 56/89, 21/89, 12/89; draw and away both have value
    card = only(build_cards(predictions(("m", 0.30, 0.30, 0.40)), odds(("m", 1.5, 4.0, 7.0))), "m")
    assert [card["edge_pp_home"], card["edge_pp_draw"], card["edge_pp_away"]] == pytest.approx(
        [-2930 / 89, 570 / 89, 2360 / 89]
    )
    assert (card["value_home"], card["value_draw"], card["value_away"]) == (False, True, True)
    assert card["value_outcome"] == "A" and card["value_edge_pp"] == pytest.approx(2360 / 89)


def test_an_edge_equal_to_the_threshold_is_not_value_and_the_threshold_is_configurable():
    # a margin-free book 2/4/4 is the market 0.5/0.25/0.25; (0.55 - 0.5) * 100 is 5.000000000000004
    preds, prices = predictions(("m", 0.55, 0.25, 0.20)), odds(("m", 2.0, 4.0, 4.0))
    at_default = only(build_cards(preds, prices), "m")
    assert at_default["edge_pp_home"] == pytest.approx(5.0) and at_default["value_home"] is False
    assert at_default["value_outcome"] is None and at_default["value_edge_pp"] is None
    assert only(build_cards(preds, prices, threshold_pp=4.9), "m")["value_home"] is True
    assert only(build_cards(preds, prices, threshold_pp=10.0), "m")["value_home"] is False


def test_the_devig_method_is_configurable():
    prices = (2.1, 3.3, 3.6)
    card = only(
        build_cards(predictions(("m", 0.5, 0.3, 0.2)), odds(("m", *prices)), devig_method="power"), "m"
    )
    expected = devig.power(np.array([prices]))[0]
    assert [card["market_home"], card["market_draw"], card["market_away"]] == pytest.approx(list(expected))


def test_matches_without_odds_keep_their_prediction_with_null_market_columns():
    preds = predictions(("priced", 0.5, 0.3, 0.2), ("unlinked", 0.4, 0.3, 0.3))
    cards = build_cards(preds, odds(("priced", 2.0, 3.5, 4.0), ("not_predicted", 2.0, 3.0, 4.0)))
    assert cards["match_id"].to_list() == ["priced", "unlinked"]
    unlinked = only(cards, "unlinked")
    assert (unlinked["prob_home"], unlinked["pick"], unlinked["status"]) == (0.4, "H", "upcoming")
    market_columns = [
        c for c in cards.columns if c.startswith(("odds_", "market_", "edge_pp_", "value_", "ev_"))
    ]
    assert len(market_columns) == 5 + 3 + 3 + 3 + 2 + 3 and "overround" in cards.columns
    assert all(unlinked[c] is None for c in [*market_columns, "overround"])
    assert build_cards(preds).select("market_home").to_series().null_count() == 2  # no odds at all


def test_status_and_whether_the_pick_was_right():
    preds = predictions(("won", 0.5, 0.3, 0.2), ("lost", 0.2, 0.3, 0.5), ("later", 0.4, 0.3, 0.3))
    results = pl.DataFrame({"match_id": ["won", "lost", "later"], "result": ["H", "D", None]})
    cards = build_cards(preds, results=results)
    assert cards.select("match_id", "status", "pick", "pick_correct").rows() == [
        ("won", "finished", "H", True),
        ("lost", "finished", "A", False),
        ("later", "upcoming", "H", None),
    ]


def test_ties_pick_home_then_draw():
    cards = build_cards(
        predictions(("hd", 0.4, 0.4, 0.2), ("da", 0.2, 0.4, 0.4), ("all", 1 / 3, 1 / 3, 1 / 3))
    )
    assert cards["pick"].to_list() == ["H", "D", "H"]


@pytest.mark.parametrize("duplicated", ["predictions", "odds", "results"])
def test_inputs_must_hold_one_row_per_match(duplicated):
    inputs = {
        "predictions": predictions(("a", 0.5, 0.3, 0.2), ("b", 0.5, 0.3, 0.2)),
        "odds": odds(("a", 2.0, 3.5, 4.0)),
        "results": pl.DataFrame({"match_id": ["a"], "result": ["H"]}),
    }
    inputs[duplicated] = pl.concat([inputs[duplicated], inputs[duplicated].head(1)])
    with pytest.raises(
        DuplicateMatchError, match=rf"{duplicated}: 1 match_id\(s\) occur more than once, e.g. \['a'\]"
    ):
        build_cards(inputs["predictions"], inputs["odds"], inputs["results"])


@pytest.mark.parametrize("probs", [(0.5, 0.3, 0.3), (None, 0.5, 0.5), (1.2, -0.1, -0.1)])
def test_invalid_probabilities_are_refused(probs):
    with pytest.raises(
        ValueError, match=r"1 prediction\(s\) without valid 1X2 probabilities, e.g. \['bad'\]"
    ):
        build_cards(predictions(("ok", 0.5, 0.3, 0.2), ("bad", *probs)))


def test_prediction_columns_that_clash_with_card_columns_are_refused():
    with pytest.raises(ValueError, match="already have columns"):
        build_cards(
            predictions(("a", 0.5, 0.3, 0.2)).with_columns(odds_home=pl.lit(2.0)), odds(("a", 2, 3, 4))
        )


def test_cards_name_region_league_and_keep_the_score():
    preds = predictions(("E0_a", 0.5, 0.3, 0.2), ("SP1_b", 0.4, 0.3, 0.3)).with_columns(
        league=pl.Series(["E0", "SP1"])
    )
    results = pl.DataFrame(
        {
            "match_id": ["E0_a", "SP1_b"],
            "result": ["H", None],
            "home_goals": [2, None],
            "away_goals": [1, None],
        }
    )
    cards = build_cards(preds, None, results)
    finished, upcoming = only(cards, "E0_a"), only(cards, "SP1_b")
    assert (finished["region"], finished["league_name"]) == ("England", "Premier League")
    assert (finished["home_goals"], finished["away_goals"], finished["pick_correct"]) == (2, 1, True)
    assert (upcoming["region"], upcoming["home_goals"], upcoming["status"]) == ("Spain", None, "upcoming")
