"""Temperature scaling of 1X2 probabilities, and the calibrated model that ships.

Why temperature scaling and not sigmoid (Platt) calibration: one parameter fitted on a
later time slice (one season, ~1,000-1,800 matches) is hard to overfit; dividing the
log-probabilities by T keeps the three probabilities summing to one and keeps their
order, so accuracy and value picks do not move. One-vs-rest sigmoids would need six
parameters plus a renormalisation that undoes part of the calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from soccer_assets.lib.metrics import log_loss

EPS = 1e-12


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    logits = np.log(np.clip(probs, EPS, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=1, keepdims=True)


def fit_temperature(probs: np.ndarray, outcomes: np.ndarray) -> float:
    """T > 0 minimising log loss on the calibration slice (T > 1 softens, T < 1 sharpens)."""
    result = minimize_scalar(
        lambda log_t: log_loss(apply_temperature(probs, float(np.exp(log_t))), outcomes),
        bounds=(np.log(0.25), np.log(4.0)),
        method="bounded",
    )
    return float(np.exp(result.x))


@dataclass
class CalibratedModel:
    """A fitted classifier, its feature list and its temperature: the unit that gets registered."""

    estimator: Any
    features: list[str]
    temperature: float
    family: str

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return apply_temperature(self.estimator.predict_proba(X), self.temperature)
