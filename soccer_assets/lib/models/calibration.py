"""Temperature scaling of 1X2 probabilities, the blend with the market, and the calibrated
model that ships.

Why temperature scaling and not sigmoid (Platt) calibration: one parameter fitted on a
later time slice (one season, ~1,000-1,800 matches) is hard to overfit; dividing the
log-probabilities by T keeps the three probabilities summing to one and keeps their
order, so accuracy and value picks do not move. One-vs-rest sigmoids would need six
parameters plus a renormalisation that undoes part of the calibration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from soccer_assets.lib.metrics import log_loss
from soccer_assets.lib.models.anchoring import market_columns

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


MAX_WEIGHT = 3.0


@dataclass(frozen=True)
class MarketBlend:
    """The last stage: softmax(a * log p_model + b * log p_market) where the market has a price.

    The market-only blend (a=0, b=1) is one of the candidates, so on the slice it is fitted
    on the blend is never worse than the market: where the model's corrections do not pay,
    ``a`` goes to zero and the model hands over to the de-vigged pre-match prices.
    """

    model_weight: float
    market_weight: float
    columns: tuple[int, int, int]  # positions of the market probabilities among the features

    def market(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Market probabilities of ``X`` and which rows have a usable price."""
        market = np.asarray(X[:, list(self.columns)], dtype=np.float64)
        valid = np.all(np.isfinite(market) & (market > 0), axis=1)
        return market, valid

    def as_dict(self) -> dict[str, Any]:
        return {
            "model_weight": self.model_weight,
            "market_weight": self.market_weight,
            "columns": list(self.columns),
        }


def _blended(probs: np.ndarray, market: np.ndarray, a: float, b: float) -> np.ndarray:
    probs, market = np.asarray(probs, dtype=np.float64), np.asarray(market, dtype=np.float64)
    logits = a * np.log(np.clip(probs, EPS, 1.0)) + b * np.log(np.clip(market, EPS, 1.0))
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def fit_blend(probs: np.ndarray, market: np.ndarray, outcomes: np.ndarray) -> tuple[float, float]:
    """Weights (a, b) >= 0 minimising log loss (exact gradient: the two log-probabilities are
    nearly collinear for a market-anchored model, where numerical gradients stall); the best
    of the fit and the plain candidates (market only, model only), so a failed optimisation
    can never pick something worse."""
    # XGBoost answers in float32: in float64 here, or the loss is too coarse to optimise
    log_model = np.log(np.clip(np.asarray(probs, dtype=np.float64), EPS, 1.0))
    log_market = np.log(np.clip(np.asarray(market, dtype=np.float64), EPS, 1.0))
    rows = np.arange(len(outcomes))

    def loss_and_gradient(weights: np.ndarray) -> tuple[float, np.ndarray]:
        logits = weights[0] * log_model + weights[1] * log_market
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        p = np.exp(log_p)
        gradient = np.array(
            [
                np.mean((p * log_model).sum(axis=1) - log_model[rows, outcomes]),
                np.mean((p * log_market).sum(axis=1) - log_market[rows, outcomes]),
            ]
        )
        return float(-log_p[rows, outcomes].mean()), gradient

    fitted = minimize(
        loss_and_gradient,
        x0=np.array([0.5, 0.5]),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, MAX_WEIGHT)] * 2,
        options={"ftol": 1e-12, "gtol": 1e-9},
    )
    candidates = [(0.0, 1.0), (1.0, 0.0), (float(fitted.x[0]), float(fitted.x[1]))]
    return min(candidates, key=lambda w: loss_and_gradient(np.array(w))[0])


def blend_probabilities(probs: np.ndarray, market: np.ndarray, weights: tuple[float, float]) -> np.ndarray:
    """softmax(a * log p_model + b * log p_market) of every row (all rows must have a price)."""
    return _blended(probs, market, *weights)


def fit_blends_by_group(
    probs: np.ndarray, market: np.ndarray, outcomes: np.ndarray, groups: np.ndarray
) -> dict[str, tuple[float, float]]:
    """``fit_blend`` on each group's rows (e.g. each league's): one pair of weights for all
    leagues follows the leagues with the most rows, and hands a league whose corrections do
    not pay to the model anyway."""
    return {
        str(g): fit_blend(probs[groups == g], market[groups == g], outcomes[groups == g])
        for g in np.unique(groups)
    }


def calibrate(probs: np.ndarray, X: np.ndarray, temperature: float, blend: MarketBlend | None) -> np.ndarray:
    """Raw probabilities to what is served: the market blend where a price exists, else
    temperature scaling."""
    probs = np.asarray(probs, dtype=np.float64)
    out = apply_temperature(probs, temperature)
    if blend is None:
        return out
    market, valid = blend.market(X)
    if valid.any():
        out[valid] = _blended(probs[valid], market[valid], blend.model_weight, blend.market_weight)
    return out


def fit_calibration(
    probs: np.ndarray,
    X: np.ndarray,
    outcomes: np.ndarray,
    features: Sequence[str],
    market_blend: bool = True,
    out_of_fold: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[float, MarketBlend | None]:
    """Temperature on every row of the calibration slice; the blend (when asked) on the rows
    with a price, of the calibration slice and of ``out_of_fold`` (probabilities, X, outcomes
    of training rows predicted by models fitted on earlier rows only): several seasons of
    evidence instead of one, so the weights say what the corrections earn, not one season's luck."""
    temperature = fit_temperature(probs, outcomes)
    positions = market_columns(features) if market_blend else None
    columns = (positions[0], positions[1], positions[2]) if positions else None
    if columns is None:
        return temperature, None
    if out_of_fold is not None:
        probs = np.vstack([np.asarray(probs, dtype=np.float64), out_of_fold[0]])
        X = np.vstack([X, out_of_fold[1]])
        outcomes = np.concatenate([outcomes, out_of_fold[2]])
    blend = MarketBlend(0.0, 1.0, columns)
    market, valid = blend.market(X)
    if not valid.any():
        return temperature, None
    a, b = fit_blend(probs[valid], market[valid], outcomes[valid])
    return temperature, MarketBlend(a, b, columns)


@dataclass
class CalibratedModel:
    """A fitted classifier, its feature list, temperature and market blend: the unit that gets
    registered."""

    estimator: Any
    features: list[str]
    temperature: float
    family: str
    blend: MarketBlend | None = None  # None: versions fitted before the blend existed, or no market

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return calibrate(self.estimator.predict_proba(X), X, self.temperature, self.blend)
