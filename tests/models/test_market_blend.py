"""The market blend: the model's weight goes to zero when its corrections are noise."""

from __future__ import annotations

import numpy as np

from soccer_assets.lib.metrics import log_loss
from soccer_assets.lib.models.anchoring import MARKET_FEATURES as MARKET_PROBABILITIES
from soccer_assets.lib.models.calibration import (
    CalibratedModel,
    MarketBlend,
    blend_probabilities,
    calibrate,
    fit_blend,
    fit_blends_by_group,
    fit_calibration,
)
from soccer_assets.lib.models.serving import ServingModel, export_model


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def _season(seed: int, n: int = 8000, model_noise: float = 0.35, market_noise: float = 0.0):
    """True 1X2 probabilities, outcomes drawn from them, a market that knows them (up to
    ``market_noise``) and a model that adds ``model_noise`` of pure noise to the market."""
    rng = np.random.default_rng(seed)
    truth = _softmax(rng.normal([0.35, 0.0, -0.1], [0.7, 0.15, 0.7], size=(n, 3)))
    outcomes = np.array([rng.choice(3, p=p) for p in truth])
    market = _softmax(np.log(truth) + rng.normal(0, market_noise, size=(n, 3)))
    model = _softmax(np.log(market) + rng.normal(0, model_noise, size=(n, 3)))
    return truth, outcomes, market, model


FEATURES = ["f_elo_diff", *MARKET_PROBABILITIES]


def _X(market: np.ndarray) -> np.ndarray:
    return np.column_stack([np.zeros(len(market)), market])


def test_pure_noise_corrections_hand_over_to_the_market():
    _, y_cal, market_cal, model_cal = _season(1)
    _, y_test, market_test, model_test = _season(2)
    _, blend = fit_calibration(model_cal, _X(market_cal), y_cal, FEATURES)
    assert blend is not None and blend.model_weight < 0.1 < 0.9 < blend.market_weight
    blended = calibrate(model_test, _X(market_test), 1.0, blend)
    assert abs(log_loss(blended, y_test) - log_loss(market_test, y_test)) < 0.001
    assert log_loss(model_test, y_test) > log_loss(market_test, y_test) + 0.01  # the noise did cost


def test_float32_probabilities_are_fitted_as_precisely():
    """XGBoost answers in float32; a loss computed at that precision stalls a finite-difference
    optimiser at its starting point (seen on real data: model weight exactly 0.5). The fit must
    reach the best weights a fine grid finds."""
    rng = np.random.default_rng(1)
    truth = _softmax(rng.normal([0.35, 0.0, -0.1], [0.7, 0.15, 0.7], size=(4000, 3)))
    outcomes = np.array([rng.choice(3, p=p) for p in truth])
    model = _softmax(np.log(truth) + rng.normal(0, 0.2, size=truth.shape)).astype(np.float32)
    market = _softmax(np.log(truth) + rng.normal(0, 0.4, size=truth.shape))
    a, b = fit_blend(model, market, outcomes)
    fitted = log_loss(calibrate(model, market, 1.0, MarketBlend(a, b, (0, 1, 2))), outcomes)
    grid = min(
        log_loss(calibrate(model, market, 1.0, MarketBlend(ga, gb, (0, 1, 2))), outcomes)
        for ga in np.linspace(0, 1.5, 31)
        for gb in np.linspace(0, 1.5, 31)
    )
    assert fitted <= grid + 1e-6 and abs(a - 0.5) > 0.05


def test_corrections_that_pay_keep_their_weight():
    """A model that knows the truth better than a noisy market earns the larger weight."""
    truth_cal, y_cal, market_cal, _ = _season(3, market_noise=0.4)
    truth_test, y_test, market_test, _ = _season(4, market_noise=0.4)
    model_cal = _softmax(np.log(truth_cal) + np.random.default_rng(5).normal(0, 0.1, truth_cal.shape))
    model_test = _softmax(np.log(truth_test) + np.random.default_rng(6).normal(0, 0.1, truth_test.shape))
    _, blend = fit_calibration(model_cal, _X(market_cal), y_cal, FEATURES)
    assert blend is not None and blend.model_weight > blend.market_weight
    blended = calibrate(model_test, _X(market_test), 1.0, blend)
    assert log_loss(blended, y_test) < log_loss(market_test, y_test) - 0.01


def test_rows_without_a_price_fall_back_to_the_temperature():
    _, y, market, model = _season(7, n=3000)
    X = _X(market)
    X[:100, 1:] = np.nan  # no pre-match price for these matches
    temperature, blend = fit_calibration(model, X, y, FEATURES)
    out = calibrate(model, X, temperature, blend)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    scaled = calibrate(model[:100], X[:100], temperature, None)
    np.testing.assert_allclose(out[:100], scaled)
    assert fit_calibration(model, X[:, :1], y, FEATURES[:1])[1] is None  # no market features: no blend


def test_the_registered_model_and_the_serving_model_blend_alike():
    """The serving descriptor carries the blend, and ServingModel applies it like the registered model."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    _, y, market, _ = _season(8, n=2000)
    X = np.column_stack([np.random.default_rng(9).normal(size=len(y)), market])
    estimator = Pipeline([("model", LogisticRegression(max_iter=500))]).fit(X, y)
    temperature, blend = fit_calibration(estimator.predict_proba(X), X, y, FEATURES)
    registered = CalibratedModel(estimator, FEATURES, temperature, "hgb", blend)
    serving = ServingModel.from_artifact(export_model(registered, name="m", version="1"))
    assert serving.blend == blend
    np.testing.assert_allclose(serving.predict_proba(X), registered.predict_proba(X), atol=1e-12)


def test_per_league_weights_hand_only_the_noisy_league_to_the_market():
    """League A's model knows the truth the market misses; league B's adds pure noise."""
    truth_a, y_a, market_a, _ = _season(3, n=4000, market_noise=0.3)
    model_a = truth_a
    _, y_b, market_b, model_b = _season(4, n=4000)
    probs, market = np.vstack([model_a, model_b]), np.vstack([market_a, market_b])
    groups = np.array(["A"] * 4000 + ["B"] * 4000)
    weights = fit_blends_by_group(probs, market, np.concatenate([y_a, y_b]), groups)
    assert set(weights) == {"A", "B"}
    assert weights["A"][0] > 0.5 > weights["A"][1]  # the model earned its weight in A
    assert weights["B"][0] < 0.1 < 0.9 < weights["B"][1]  # and none in B
    pooled = fit_blend(probs, market, np.concatenate([y_a, y_b]))
    assert weights["B"][0] < pooled[0]  # one pair for both leagues would keep B's noise
    blended_b = blend_probabilities(model_b, market_b, weights["B"])
    assert abs(log_loss(blended_b, y_b) - log_loss(market_b, y_b)) < 0.001
