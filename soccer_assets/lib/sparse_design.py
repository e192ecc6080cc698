"""Design matrices of team-rating models, stored as the few non-zeros of each row.

A rating model has one column per team and a couple of shared ones, and a match touches
three or four of them. Kept dense, the Gram matrix Newton's method and the normal
equations need costs rows x columns^2 per fit, almost all of it multiplying zeros and
going through the BLAS thread pool; from the non-zeros it is one ``np.bincount`` over
rows x k^2 pairs (``bench/strength_fits.py``: 1.4x faster idle, 8.5x on a busy machine).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SparseDesign:
    """Row ``r`` of the matrix has ``value[r, j]`` in column ``index[r, j]`` and zeros elsewhere."""

    index: np.ndarray  # (rows, k) int: column of each non-zero (a column may repeat with value 0)
    value: np.ndarray  # (rows, k) float
    columns: int

    def dot(self, theta: np.ndarray) -> np.ndarray:
        """``X @ theta``."""
        return np.sum(theta[self.index] * self.value, axis=1)

    def transpose_dot(self, vector: np.ndarray) -> np.ndarray:
        """``X.T @ vector``."""
        weights = (self.value * vector[:, None]).ravel()
        return np.bincount(self.index.ravel(), weights=weights, minlength=self.columns)

    def gram(self, weights: np.ndarray) -> np.ndarray:
        """``X.T @ diag(weights) @ X``."""
        p = self.columns
        pairs = self.index[:, :, None] * p + self.index[:, None, :]
        products = self.value[:, :, None] * self.value[:, None, :] * weights[:, None, None]
        return np.bincount(pairs.ravel(), weights=products.ravel(), minlength=p * p).reshape(p, p)

    def dense(self) -> np.ndarray:
        """The full matrix (for tests and small problems)."""
        matrix = np.zeros((len(self.index), self.columns))
        np.add.at(matrix, (np.arange(len(self.index))[:, None], self.index), self.value)
        return matrix
