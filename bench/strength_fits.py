"""What the sparse design buys the weekly goal-model and market-strength refits: the whole
``strength_history`` of the local football-data files with the design kept as its non-zeros
(as the platform runs it) and as the dense matrix it replaced, measured in one run.

    python bench/strength_fits.py [--data ../shared/data] [--repeats 1] [--load 0]

The matches are the real E0, D1, F1 and SP1 seasons, parsed by the production code. Both
ways give the same ratings (the largest difference is printed). ``--load`` CPU-spinning
neighbour processes run beside both (the dense products go through the BLAS thread pool,
which suffers most from a busy machine). Prints a line per case and the JSON
``{"matches", "rows", "load", "seconds": {"sparse", "dense"}, "ratio_dense_over_sparse",
"max_abs_difference"}`` last.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np

LEAGUES = ("E0", "D1", "F1", "SP1")


@dataclass(frozen=True)
class DenseDesign:
    """The same products on the full matrix: the way the fits were first written."""

    matrix: np.ndarray

    @property
    def columns(self) -> int:
        return self.matrix.shape[1]

    def dot(self, theta: np.ndarray) -> np.ndarray:
        return self.matrix @ theta

    def transpose_dot(self, vector: np.ndarray) -> np.ndarray:
        return self.matrix.T @ vector

    def gram(self, weights: np.ndarray) -> np.ndarray:
        return (self.matrix * weights[:, None]).T @ self.matrix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--load", type=int, default=0, help="CPU-spinning neighbour processes")
    args = parser.parse_args()

    from local_matches import local_matches
    from threads import cpu_load

    from soccer_assets.lib import goal_model, market_strength
    from soccer_assets.lib.features.market import market_features
    from soccer_assets.lib.sparse_design import SparseDesign
    from soccer_assets.lib.strength_history import StrengthConfig, strength_history

    matches = local_matches(Path(args.data), LEAGUES)
    market = market_features(matches)
    sparse_design = goal_model._design

    def timed() -> tuple[float, object]:
        best, history = float("inf"), None
        for _ in range(args.repeats):
            started = time.perf_counter()
            history = strength_history(matches, market, StrengthConfig())
            best = min(best, time.perf_counter() - started)
        return best, history

    with cpu_load(args.load):
        sparse_seconds, sparse = timed()
    print(f"sparse design: {sparse_seconds:.2f} s for {matches.height} matches, {sparse.height} rows")
    dense_goals = mock.patch.object(goal_model, "_design", lambda *a: DenseDesign(sparse_design(*a).dense()))
    dense_market = mock.patch.object(
        market_strength, "SparseDesign", lambda *a, **k: DenseDesign(SparseDesign(*a, **k).dense())
    )
    with dense_goals, dense_market, cpu_load(args.load):
        dense_seconds, dense = timed()
    print(f"dense design:  {dense_seconds:.2f} s")
    numeric = [c for c in sparse.columns if c not in ("team", "kickoff_date")]
    difference = float(
        np.nanmax(np.abs(sparse.select(numeric).to_numpy() - dense.select(numeric).to_numpy()))
    )
    print(
        json.dumps(
            {
                "matches": matches.height,
                "rows": sparse.height,
                "load": args.load,
                "seconds": {"sparse": round(sparse_seconds, 2), "dense": round(dense_seconds, 2)},
                "ratio_dense_over_sparse": round(dense_seconds / sparse_seconds, 2),
                "max_abs_difference": difference,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
