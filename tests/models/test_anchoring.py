"""Market-anchored boosting starts exactly at the market and only learns corrections."""

import numpy as np
import pytest

from soccer_assets.lib.metrics import log_loss
from soccer_assets.lib.models.anchoring import MARKET_FEATURES, MarketAnchored, market_columns, market_margin
from soccer_assets.lib.models.zoo import PRESETS, family


def _market_world(n: int, seed: int = 0):
    """Outcomes drawn from the market probabilities themselves, plus a noise feature."""
    rng = np.random.default_rng(seed)
    market = rng.dirichlet([4, 2.6, 3], size=n)
    outcomes = np.array([rng.choice(3, p=p) for p in market])
    X = np.column_stack([rng.normal(size=n), market])
    return X, outcomes, market


@pytest.mark.parametrize("name", ["xgboost", "lightgbm"])
def test_anchored_boosting_matches_a_calibrated_market(name):
    features = ["f_noise", *MARKET_FEATURES]
    X, y, market = _market_world(3000)
    params = {"xgboost": {"n_estimators": 30, "learning_rate": 0.02, "max_depth": 2},
              "lightgbm": {"n_estimators": 30, "learning_rate": 0.02, "num_leaves": 4}}[name]  # fmt: skip
    model = family(name).estimator(params, features)
    assert isinstance(model, MarketAnchored)
    model.fit(X[:2000], y[:2000])
    probs = model.predict_proba(X[2000:])
    assert np.allclose(probs.sum(axis=1), 1.0)
    # nothing to learn beyond the market: the anchored model stays within noise of it
    assert log_loss(probs, y[2000:]) == pytest.approx(log_loss(market[2000:], y[2000:]), abs=0.01)


def test_without_market_features_the_plain_estimator_is_used():
    assert market_columns(["f_home_elo", "f_away_elo"]) is None
    model = family("xgboost").estimator({"n_estimators": 5}, ["f_home_elo", "f_away_elo"])
    assert not isinstance(model, MarketAnchored)
    assert not isinstance(family("hgb").estimator({"max_iter": 5}, list(MARKET_FEATURES)), MarketAnchored)


def test_rows_without_a_price_start_from_a_uniform_margin():
    X = np.array([[0.5, 0.3, 0.2], [np.nan, np.nan, np.nan]])
    margin = market_margin(X, [0, 1, 2])
    assert np.allclose(margin[0], np.log([0.5, 0.3, 0.2]))
    assert (margin[1] == 0).all()
    assert PRESETS["smoke"].max_estimators < PRESETS["production"].max_estimators
