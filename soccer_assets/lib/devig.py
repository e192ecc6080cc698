"""Remove the bookmaker margin from decimal 1X2 odds ("de-vig").

Inputs are arrays of shape (n, 3) with odds for home, draw, away; outputs are implied
probabilities that sum to one per row. Rows with a missing or invalid price (NaN, <= 1)
give NaN probabilities rather than an exception, so a whole season can be processed at
once and filtered afterwards.

Methods:
- ``multiplicative``: normalise 1/odds by their sum (the common default).
- ``power``: find k with sum((1/o)^k) = 1; shifts more margin onto long shots, which
  matches the favourite-longshot bias better.
- ``shin``: Shin (1993) insider-trading model, solved by fixed-point iteration.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Method = Literal["multiplicative", "power", "shin"]
METHODS: tuple[Method, ...] = ("multiplicative", "power", "shin")


def _implied(odds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    odds = np.asarray(odds, dtype=float)
    if odds.ndim != 2 or odds.shape[1] < 2:
        raise ValueError(f"odds must have shape (n, k>=2), got {odds.shape}")
    valid = np.all(np.isfinite(odds) & (odds > 1.0), axis=1)
    inverse = np.full(odds.shape, np.nan)
    inverse[valid] = 1.0 / odds[valid]
    return inverse, valid


def overround(odds: np.ndarray) -> np.ndarray:
    """Sum of implied probabilities minus one (the bookmaker margin), NaN if invalid."""
    inverse, _ = _implied(odds)
    return inverse.sum(axis=1) - 1.0


def multiplicative(odds: np.ndarray) -> np.ndarray:
    inverse, _ = _implied(odds)
    return inverse / inverse.sum(axis=1, keepdims=True)


def power(odds: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Bisection on k in [0.5, 1.5] per row (sum of (1/o)^k is decreasing in k)."""
    inverse, valid = _implied(odds)
    out = np.full(inverse.shape, np.nan)
    if not valid.any():
        return out
    q = inverse[valid]
    # usual books (sum > 1) need k > 1; a book summing below one (exchange prices) needs k < 1
    above = q.sum(axis=1) >= 1
    lo = np.where(above, 1.0, 0.05)
    hi = np.where(above, 3.0, 1.0)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        too_big = (q ** mid[:, None]).sum(axis=1) > 1
        lo = np.where(too_big, mid, lo)
        hi = np.where(too_big, hi, mid)
    k = (lo + hi) / 2
    p = q ** k[:, None]
    out[valid] = p / p.sum(axis=1, keepdims=True)
    return out


def shin(odds: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Shin probabilities; z is the estimated share of insider money."""
    inverse, valid = _implied(odds)
    out = np.full(inverse.shape, np.nan)
    if not valid.any():
        return out
    q = inverse[valid]
    booksum = q.sum(axis=1, keepdims=True)
    z = np.zeros((q.shape[0], 1))
    for _ in range(iterations):
        p = (np.sqrt(z**2 + 4 * (1 - z) * q**2 / booksum) - z) / (2 * (1 - z))
        z_new = (p.sum(axis=1, keepdims=True) - 1) / (q.shape[1] - 1) + z
        z_new = np.clip(z_new, 0.0, 0.5)
        if np.allclose(z_new, z, atol=1e-12):
            z = z_new
            break
        z = z_new
    p = (np.sqrt(z**2 + 4 * (1 - z) * q**2 / booksum) - z) / (2 * (1 - z))
    out[valid] = p / p.sum(axis=1, keepdims=True)
    return out


def devig(odds: np.ndarray, method: Method = "multiplicative") -> np.ndarray:
    if method == "multiplicative":
        return multiplicative(odds)
    if method == "power":
        return power(odds)
    if method == "shin":
        return shin(odds)
    raise ValueError(f"unknown de-vig method {method!r}; choose from {METHODS}")
