"""Market-implied team strengths: what the betting market thought of each team.

Each earlier match's de-vigged pre-match prices give its supremacy ``log(p_home / p_away)``;
a ridge least-squares fit ``supremacy ~ home + strength[h] - strength[a]``, each match
weighted by ``exp(-xi * days)``, turns them into one strength per team on a log-odds
scale. Unlike Elo or pi-ratings it learns from prices, not results, so it knows about
injuries, transfers and managers the market priced in before they showed in results.
"""

from __future__ import annotations

import numpy as np

from soccer_assets.lib.sparse_design import SparseDesign


def supremacy(prob_home: np.ndarray, prob_away: np.ndarray) -> np.ndarray:
    """Log-odds of home over away win; NaN where a probability is missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.asarray(prob_home, float) / np.asarray(prob_away, float))


def fit_market_strength(
    home: np.ndarray, away: np.ndarray, sup: np.ndarray, weights: np.ndarray, n_teams: int, ridge: float
) -> tuple[float, np.ndarray]:
    """Home advantage and strengths (n,) from the weighted, ridge-penalised normal equations."""
    m = len(home)
    design = SparseDesign(
        index=np.column_stack([np.zeros(m, dtype=np.int64), 1 + home, 1 + away]),
        value=np.tile([1.0, 1.0, -1.0], (m, 1)),
        columns=n_teams + 1,
    )
    penalty = np.full(n_teams + 1, ridge)
    penalty[0] = 1e-9  # the home advantage is not shrunk
    solution = np.linalg.solve(design.gram(weights) + np.diag(penalty), design.transpose_dot(weights * sup))
    return float(solution[0]), solution[1:]
