"""Scores of 1X2 probability forecasts: one module for evaluation, monitoring and the API.

Probabilities are arrays of shape (n, 3) in the order home, draw, away; outcomes are
integer class indices (0 = home win, 1 = draw, 2 = away win), see ``encode_results``.

- log loss: mean of -ln p(outcome); probabilities are clipped at 1e-15.
- Brier: multi-class Brier score, mean of sum_k (p_k - y_k)^2 (0 best, 2 worst).
- RPS: ranked probability score over the ordered outcomes home < draw < away,
  mean of (1/2) * sum_{i=1,2} (P_i - Y_i)^2 with cumulative P and Y (0 best, 1 worst).
- ECE: top-label expected calibration error with ``bins`` equal-width confidence bins,
  sum_b (n_b / n) * |accuracy_b - mean confidence_b|.
- accuracy: share of matches whose most probable outcome happened.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RESULT_CODES: tuple[str, str, str] = ("H", "D", "A")
EPS = 1e-15


def encode_results(results: Sequence[str] | np.ndarray) -> np.ndarray:
    """ "H"/"D"/"A" -> 0/1/2; anything else is an error (no silent NaN labels)."""
    lookup = {code: i for i, code in enumerate(RESULT_CODES)}
    try:
        return np.array([lookup[r] for r in results], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"unknown result code {exc.args[0]!r}; expected H, D or A") from exc


def _check(probs: np.ndarray, outcomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    probs = np.asarray(probs, dtype=float)
    outcomes = np.asarray(outcomes, dtype=np.int64)
    if probs.ndim != 2 or probs.shape[1] != 3:
        raise ValueError(f"probabilities must have shape (n, 3), got {probs.shape}")
    if probs.shape[0] != outcomes.shape[0]:
        raise ValueError("probabilities and outcomes differ in length")
    if probs.shape[0] == 0:
        raise ValueError("no forecasts to score")
    if np.isnan(probs).any():
        raise ValueError("probabilities contain NaN")
    return probs, outcomes


def one_hot(outcomes: np.ndarray) -> np.ndarray:
    return np.eye(3)[np.asarray(outcomes, dtype=np.int64)]


def log_losses(probs: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """Per-match log loss (for paired comparisons of two models on the same matches)."""
    probs, outcomes = _check(probs, outcomes)
    picked = probs[np.arange(len(outcomes)), outcomes]
    return -np.log(np.clip(picked, EPS, 1.0))


def log_loss(probs: np.ndarray, outcomes: np.ndarray) -> float:
    return float(np.mean(log_losses(probs, outcomes)))


def brier(probs: np.ndarray, outcomes: np.ndarray) -> float:
    probs, outcomes = _check(probs, outcomes)
    return float(np.mean(np.sum((probs - one_hot(outcomes)) ** 2, axis=1)))


def rps(probs: np.ndarray, outcomes: np.ndarray) -> float:
    probs, outcomes = _check(probs, outcomes)
    cum_p = np.cumsum(probs, axis=1)[:, :-1]
    cum_y = np.cumsum(one_hot(outcomes), axis=1)[:, :-1]
    return float(np.mean(np.sum((cum_p - cum_y) ** 2, axis=1) / 2))


def ece(probs: np.ndarray, outcomes: np.ndarray, bins: int = 10) -> float:
    probs, outcomes = _check(probs, outcomes)
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == outcomes).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def accuracy(probs: np.ndarray, outcomes: np.ndarray) -> float:
    probs, outcomes = _check(probs, outcomes)
    return float(np.mean(probs.argmax(axis=1) == outcomes))


def score(probs: np.ndarray, outcomes: np.ndarray) -> dict[str, float]:
    """All metrics at once, keyed as in reports: logloss, rps, brier, ece, accuracy."""
    return {
        "logloss": log_loss(probs, outcomes),
        "rps": rps(probs, outcomes),
        "brier": brier(probs, outcomes),
        "ece": ece(probs, outcomes),
        "accuracy": accuracy(probs, outcomes),
    }


def calibration_table(probs: np.ndarray, outcomes: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per outcome and probability bin: mean forecast vs observed frequency (for plots)."""
    probs, outcomes = _check(probs, outcomes)
    observed = one_hot(outcomes)
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for k, code in enumerate(RESULT_CODES):
        index = np.clip(np.digitize(probs[:, k], edges[1:-1], right=True), 0, bins - 1)
        for b in range(bins):
            mask = index == b
            if mask.any():
                rows.append(
                    {
                        "outcome": code,
                        "bin": b,
                        "forecast": float(probs[mask, k].mean()),
                        "observed": float(observed[mask, k].mean()),
                        "n": int(mask.sum()),
                    }
                )
    return rows
