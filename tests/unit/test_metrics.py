"""Forecast scores against values computed by hand."""

import math

import numpy as np
import pytest

from soccer_assets.lib.metrics import (
    accuracy,
    brier,
    calibration_table,
    ece,
    encode_results,
    log_loss,
    rps,
    score,
)

P = np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
Y = np.array([0, 1])


def test_hand_computed_scores():
    assert log_loss(P, Y) == pytest.approx((-math.log(0.5) - math.log(0.3)) / 2)
    assert brier(P, Y) == pytest.approx((0.38 + 0.78) / 2)
    assert rps(P, Y) == pytest.approx(0.145)
    assert accuracy(P, Y) == pytest.approx(0.5)


def test_ece_of_one_overconfident_miss():
    probs = np.vstack([P, [0.9, 0.05, 0.05]])
    outcomes = np.array([0, 1, 2])
    # bin (0.4, 0.5]: accuracy 1/2, confidence 0.5 -> 0; bin (0.8, 0.9]: 0 vs 0.9 -> 0.9 * 1/3
    assert ece(probs, outcomes) == pytest.approx(0.3)


def test_perfect_and_uniform_forecasts():
    outcomes = np.array([0, 1, 2])
    perfect = np.eye(3)
    assert score(perfect, outcomes) == pytest.approx(
        {"logloss": 0.0, "rps": 0.0, "brier": 0.0, "ece": 0.0, "accuracy": 1.0}, abs=1e-12
    )
    uniform = np.full((3, 3), 1 / 3)
    assert log_loss(uniform, outcomes) == pytest.approx(math.log(3))


def test_rps_rewards_near_misses_unlike_brier():
    """A draw forecast is closer to a home win than an away forecast is (ordered outcomes)."""
    near = np.array([[0.0, 1.0, 0.0]])
    far = np.array([[0.0, 0.0, 1.0]])
    assert rps(near, np.array([0])) < rps(far, np.array([0]))
    assert brier(near, np.array([0])) == brier(far, np.array([0]))


def test_results_encoding_and_bad_input():
    assert encode_results(["H", "D", "A"]).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="unknown result code"):
        encode_results(["H", "X"])
    with pytest.raises(ValueError):
        log_loss(np.array([[np.nan, 0.5, 0.5]]), np.array([0]))
    with pytest.raises(ValueError):
        log_loss(np.empty((0, 3)), np.array([], dtype=int))


def test_calibration_table_counts_every_forecast_once_per_outcome():
    rows = calibration_table(P, Y)
    assert sum(r["n"] for r in rows) == 3 * len(Y)
    home = [r for r in rows if r["outcome"] == "H"]
    assert {round(r["forecast"], 6) for r in home} == {0.5, 0.2}
