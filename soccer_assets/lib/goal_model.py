"""A time-decayed Dixon-Coles goal model (Dixon & Coles 1997), fitted by weighted likelihood.

Home goals ~ Poisson(exp(base + home + attack[h] + defence[a])), away goals ~
Poisson(exp(base + attack[a] + defence[h])), with the Dixon-Coles correction ``rho`` of the
four low scores (0-0, 1-0, 0-1, 1-1). Each match is weighted by ``exp(-xi * days)`` with
``days`` its age at the fit date; a ridge penalty pulls attack and defence towards the
league average, which makes the model identifiable and keeps a team with few matches
near average instead of at an extreme (optionally near the teams a promoted team replaced,
``GoalModelConfig.promoted_prior``).

The Poisson part is fitted first (Newton's method, warm-started from the previous fit),
``rho`` second given those means: a two-stage fit that costs a few milliseconds and
differs from the joint maximum by far less than the sampling noise of ``rho``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import poisson

from soccer_assets.lib.sparse_design import SparseDesign

MAX_GOALS = 10  # score grid 0..10 per side; the mass beyond it is renormalised away
RHO_BOUND = 0.25


@dataclass(frozen=True)
class GoalModelConfig:
    xi: float = 0.0019  # decay per day (half-life about a year), chosen on the development seasons
    window_days: int = 1100  # older matches weigh below exp(-xi * window) and are left out
    ridge: float = 10.0  # L2 penalty on attack and defence, in weighted matches (dev seasons: 8-10 best)
    min_matches: int = 30  # a league needs this many matches in the window before it is fitted
    # shrink a newly promoted team towards the teams it replaced, not towards the league average
    # (off: no gain on the development seasons, where promoted teams' matches are not where the
    # goal model loses; bench/goal_model_decay.py --promoted-prior on,off)
    promoted_prior: bool = False


@dataclass(frozen=True)
class GoalModelFit:
    base: float
    home: float
    attack: np.ndarray
    defence: np.ndarray
    rho: float

    def expected_goals(self, home: np.ndarray, away: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.exp(self.base + self.home + self.attack[home] + self.defence[away]),
            np.exp(self.base + self.attack[away] + self.defence[home]),
        )


def _tau(x: np.ndarray, y: np.ndarray, lam: np.ndarray, mu: np.ndarray, rho: float) -> np.ndarray:
    """Dixon-Coles factor of each score (1 except for 0-0, 1-0, 0-1, 1-1)."""
    tau = np.where((x == 0) & (y == 0), 1.0 - lam * mu * rho, 1.0)
    tau = np.where((x == 0) & (y == 1), 1.0 + lam * rho, tau)
    tau = np.where((x == 1) & (y == 0), 1.0 + mu * rho, tau)
    return np.where((x == 1) & (y == 1), 1.0 - rho, tau)


def _design(home: np.ndarray, away: np.ndarray, n_teams: int) -> SparseDesign:
    """Rows: each match's home-goals mean, then its away-goals mean; columns: base, home, attack, defence."""
    ones, zeros = np.ones(len(home), dtype=np.int64), np.zeros(len(home), dtype=np.int64)
    index = np.concatenate(
        [
            np.column_stack([zeros, ones, 2 + home, 2 + n_teams + away]),
            np.column_stack([zeros, ones, 2 + away, 2 + n_teams + home]),
        ]
    )
    value = np.ones(index.shape)
    value[len(home) :, 1] = 0.0  # the away side gets no home advantage
    return SparseDesign(index, value, 2 + 2 * n_teams)


def fit_poisson(
    home: np.ndarray,
    away: np.ndarray,
    home_goals: np.ndarray,
    away_goals: np.ndarray,
    weights: np.ndarray,
    n_teams: int,
    ridge: float,
    start: np.ndarray | None = None,
    tol: float = 1e-9,
    centre: np.ndarray | None = None,
) -> np.ndarray:
    """Parameters ``[base, home, attack[n], defence[n]]`` maximising the penalised weighted likelihood.

    The ridge pulls each parameter towards ``centre`` (zeros, the league average, unless
    given). Newton's method on a strictly concave objective (the ridge makes it so): from
    the previous week's fit it converges in two or three steps, to machine precision.
    """
    x = _design(home, away, n_teams)
    y = np.concatenate([home_goals, away_goals])
    w = np.concatenate([weights, weights])
    penalty = np.full(x.columns, ridge)
    penalty[:2] = 0.0  # base and home advantage are not shrunk
    centre = np.zeros(x.columns) if centre is None else centre
    theta = (
        start.copy()
        if start is not None
        else np.concatenate([[np.log(max(y.mean(), 0.1)), 0.0], np.zeros(2 * n_teams)])
    )

    def objective(t: np.ndarray) -> float:
        eta = x.dot(t)
        return float(-np.sum(w * (y * eta - np.exp(eta))) + 0.5 * np.sum(penalty * (t - centre) ** 2))

    value = objective(theta)
    for _ in range(50):
        mean = np.exp(x.dot(theta))
        gradient = x.transpose_dot(w * (y - mean)) - penalty * (theta - centre)
        hessian = x.gram(w * mean) + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        while True:  # step halving keeps every step an improvement
            candidate = theta + scale * step
            new_value = objective(candidate)
            if new_value <= value or scale < 1e-6:
                break
            scale /= 2
        theta, value = candidate, new_value
        if np.max(np.abs(scale * step)) < tol:
            break
    return theta


def fit_rho(
    home_goals: np.ndarray, away_goals: np.ndarray, lam: np.ndarray, mu: np.ndarray, weights: np.ndarray
) -> float:
    """The weighted-likelihood ``rho`` given the Poisson means (only low scores carry information)."""
    low = (home_goals <= 1) & (away_goals <= 1)
    x, y, lam, mu, w = home_goals[low], away_goals[low], lam[low], mu[low], weights[low]
    if not len(x):
        return 0.0
    # tau must stay positive for every match: bound rho by the largest means seen
    upper = min(RHO_BOUND, 0.999 / max(float(np.max(lam * mu)), 1e-9))
    lower = max(-RHO_BOUND, -0.999 / max(float(np.max(np.maximum(lam, mu))), 1e-9))
    result = minimize_scalar(
        lambda rho: -float(np.sum(w * np.log(_tau(x, y, lam, mu, rho)))),
        bounds=(lower, upper),
        method="bounded",
        options={"xatol": 1e-5},
    )
    return float(result.x)


def fit_goal_model(
    home: np.ndarray,
    away: np.ndarray,
    home_goals: np.ndarray,
    away_goals: np.ndarray,
    weights: np.ndarray,
    n_teams: int,
    ridge: float,
    start: np.ndarray | None = None,
    centre: np.ndarray | None = None,
) -> tuple[GoalModelFit, np.ndarray]:
    """The fit and its raw Poisson parameters (to warm-start the next fit)."""
    theta = fit_poisson(home, away, home_goals, away_goals, weights, n_teams, ridge, start, centre=centre)
    fit = GoalModelFit(
        base=float(theta[0]),
        home=float(theta[1]),
        attack=theta[2 : 2 + n_teams],
        defence=theta[2 + n_teams :],
        rho=0.0,
    )
    lam, mu = fit.expected_goals(home, away)
    rho = fit_rho(home_goals, away_goals, lam, mu, weights)
    return GoalModelFit(fit.base, fit.home, fit.attack, fit.defence, rho), theta


def score_grid(lam: np.ndarray, mu: np.ndarray, rho: np.ndarray | float) -> np.ndarray:
    """(n, 11, 11) Dixon-Coles score probabilities, home goals down, away goals across
    (the mass beyond ``MAX_GOALS`` renormalised away)."""
    lam, mu = np.atleast_1d(np.asarray(lam, dtype=float)), np.atleast_1d(np.asarray(mu, dtype=float))
    r = np.broadcast_to(np.asarray(rho, dtype=float), lam.shape)
    goals = np.arange(MAX_GOALS + 1)
    home, away, r = lam[:, None, None], mu[:, None, None], r[:, None, None]
    x, y = goals[None, :, None], goals[None, None, :]
    grid = poisson.pmf(x, home) * poisson.pmf(y, away) * _tau(x, y, home, away, r)
    return grid / grid.sum(axis=(1, 2), keepdims=True)


def outcome_probabilities(lam: np.ndarray, mu: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Home/draw/away probabilities (n, 3) of Dixon-Coles scores; NaN where an input is missing."""
    lam, mu, rho = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (lam, mu, rho))
    rho = np.broadcast_to(rho, lam.shape)
    goals = np.arange(MAX_GOALS + 1)
    ok = np.isfinite(lam) & np.isfinite(mu) & np.isfinite(rho)
    out = np.full((len(lam), 3), np.nan)
    if not ok.any():
        return out
    grid = score_grid(lam[ok], mu[ok], rho[ok])
    x, y = goals[None, :, None], goals[None, None, :]
    out[ok, 0] = np.sum(grid * (x > y), axis=(1, 2))
    out[ok, 1] = np.sum(grid * (x == y), axis=(1, 2))
    out[ok, 2] = 1.0 - out[ok, 0] - out[ok, 1]
    return out
