"""De-vig methods: probabilities sum to one and keep the bookmaker's order."""

import numpy as np
import pytest

from soccer_assets.lib.devig import METHODS, devig, overround

# Орхус–Хорсенс in the real Fonbet sample, and a balanced Premier League price
ODDS = np.array([[1.30, 4.70, 12.0], [2.10, 3.40, 3.60]])


@pytest.mark.parametrize("method", METHODS)
def test_each_method_sums_to_one_and_keeps_order(method):
    probs = devig(ODDS, method)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (np.argsort(-probs, axis=1) == np.argsort(ODDS, axis=1)).all()


def test_multiplicative_by_hand():
    inverse = np.array([1 / 1.3, 1 / 4.7, 1 / 12.0])
    assert devig(ODDS[:1], "multiplicative")[0] == pytest.approx(inverse / inverse.sum())
    assert overround(ODDS[:1])[0] == pytest.approx(inverse.sum() - 1)


def test_power_and_shin_take_margin_from_the_longshot():
    mult, power, shin = (devig(ODDS[:1], m)[0] for m in METHODS)
    assert power[2] < mult[2] and shin[2] < mult[2]
    assert power[0] > mult[0] and shin[0] > mult[0]


def test_fair_odds_come_back_unchanged():
    fair = np.array([[2.0, 4.0, 4.0]])
    for method in METHODS:
        assert devig(fair, method)[0] == pytest.approx([0.5, 0.25, 0.25], abs=1e-6)


def test_missing_or_impossible_prices_give_nan_rows():
    probs = devig(np.array([[np.nan, 3.0, 3.0], [0.9, 3.0, 3.0], [2.0, 3.5, 3.8]]), "shin")
    assert np.isnan(probs[:2]).all() and np.isfinite(probs[2]).all()
    with pytest.raises(ValueError):
        devig(ODDS, "magic")  # type: ignore[arg-type]


def test_power_is_row_independent_when_a_book_sums_below_one():
    """Each row is de-vigged on its own, whatever the other rows of the batch look like."""
    alone = devig(np.array([[2.0, 3.5, 4.0]]), "power")[0]
    beside_an_exchange = devig(np.array([[2.0, 3.5, 4.0], [2.2, 4.0, 4.5]]), "power")
    assert beside_an_exchange[0] == pytest.approx(alone)
    assert np.allclose(beside_an_exchange.sum(axis=1), 1.0)
