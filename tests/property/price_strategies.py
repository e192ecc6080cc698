"""Hypothesis strategies shared by the property tests of cards and the backtest."""

from __future__ import annotations

from hypothesis import strategies as st

# a decimal price, missing, or invalid (<= 1): real feeds have all three
PRICE = st.one_of(st.none(), st.floats(1.01, 25.0), st.floats(0.5, 1.0))


@st.composite
def probabilities(draw: st.DrawFn) -> tuple[float, float, float]:
    """Three positive probabilities that sum to one."""
    weights = [draw(st.floats(0.01, 1.0)) for _ in range(3)]
    total = sum(weights)
    return (weights[0] / total, weights[1] / total, weights[2] / total)
