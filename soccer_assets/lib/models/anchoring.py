"""Market-anchored boosting: start from the market's log-probabilities, learn corrections.

A tree ensemble approximates a smooth function such as "probability = the market's" only
with steps, which costs log loss. Gradient boosting can instead take the de-vigged
pre-match probabilities as its starting margin (XGBoost ``base_margin``, LightGBM
``init_score``): softmax(log p_market + f(x)) equals the market where f = 0, so the
trees only have to learn where the football features disagree with it. Rows without a
market price start from a uniform margin. Only pre-match prices (known before kickoff)
are ever used; closing prices are not features at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

MARKET_FEATURES = ("f_mkt_prob_home", "f_mkt_prob_draw", "f_mkt_prob_away")


def market_columns(features: Sequence[str]) -> list[int] | None:
    """Positions of the market probabilities in the feature list, None when absent."""
    if not all(name in features for name in MARKET_FEATURES):
        return None
    return [list(features).index(name) for name in MARKET_FEATURES]


def market_margin(X: np.ndarray, columns: list[int]) -> np.ndarray:
    probs = X[:, columns]
    valid = np.all(np.isfinite(probs) & (probs > 0), axis=1)
    margin = np.zeros((X.shape[0], 3))
    margin[valid] = np.log(probs[valid])
    return margin


def softmax(margin: np.ndarray) -> np.ndarray:
    shifted = margin - margin.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class MarketAnchored:
    """Wraps an XGBoost or LightGBM classifier; scikit-learn style ``fit``/``predict_proba``."""

    def __init__(self, estimator: Any, columns: list[int]):
        self.estimator = estimator
        self.columns = columns

    @property
    def _is_xgboost(self) -> bool:
        return type(self.estimator).__module__.startswith("xgboost")

    def fit(self, X: np.ndarray, y: np.ndarray) -> MarketAnchored:
        margin = market_margin(X, self.columns)
        if self._is_xgboost:
            self.estimator.fit(X, y, base_margin=margin)
        else:
            self.estimator.fit(X, y, init_score=margin)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        margin = market_margin(X, self.columns)
        if self._is_xgboost:
            return self.estimator.predict_proba(X, base_margin=margin)
        raw = self.estimator.predict_proba(X, raw_score=True)
        return softmax(raw + margin)
