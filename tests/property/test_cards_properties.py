"""Properties of the cards: every prediction kept once; edges and flags follow their definition."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from soccer_assets.lib.cards import build_cards
from soccer_assets.lib.pre_match_odds import OUTCOMES
from tests.property.price_strategies import PRICE, probabilities


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 30), unique=True, min_size=1, max_size=15),
    st.lists(st.integers(0, 30), unique=True, max_size=15),
    st.floats(0.0, 15.0),
    st.data(),
)
def test_cards_keep_every_prediction_once_and_flag_value_by_the_threshold(predicted, priced, threshold, data):
    probs = [data.draw(probabilities()) for _ in predicted]
    predictions = pl.DataFrame(
        {"match_id": [f"m{i}" for i in predicted]}
        | {f"prob_{o}": [p[k] for p in probs] for k, o in enumerate(OUTCOMES)}
    )
    odds = pl.DataFrame(
        {"match_id": [f"m{i}" for i in priced], "odds_source": ["fonbet"] * len(priced)}
        | {
            f"odds_{o}": data.draw(st.lists(PRICE, min_size=len(priced), max_size=len(priced)))
            for o in OUTCOMES
        },
        schema_overrides={f"odds_{o}": pl.Float64 for o in OUTCOMES},
    )
    cards = build_cards(predictions, odds, threshold_pp=threshold)
    assert cards["match_id"].to_list() == predictions["match_id"].to_list()
    assert cards.select(f"prob_{o}" for o in OUTCOMES).equals(
        predictions.select(f"prob_{o}" for o in OUTCOMES)
    )
    unpriced = cards.filter(~pl.col("match_id").is_in([f"m{i}" for i in priced]))
    assert unpriced["market_home"].null_count() == unpriced.height
    priced_cards = cards.filter(pl.col("market_home").is_not_null())
    for o in OUTCOMES:
        edge = (priced_cards[f"prob_{o}"] - priced_cards[f"market_{o}"]) * 100
        assert ((priced_cards[f"edge_pp_{o}"] - edge).abs() < 1e-9).all()
        assert (
            priced_cards[f"value_{o}"].to_list()
            == (priced_cards[f"edge_pp_{o}"] > threshold + 1e-9).to_list()
        )
