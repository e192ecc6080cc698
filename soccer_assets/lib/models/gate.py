"""Registry decisions as pure functions: the candidate gate and the auto-promotion policy.

Both compare two models on the *same* holdout matches (per-match log losses), so a
change of data between trainings cannot make a worse model look better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    reason: str
    candidate_logloss: float
    champion_logloss: float | None
    tolerance: float


def candidate_gate(candidate: np.ndarray, champion: np.ndarray | None, tolerance: float) -> GateDecision:
    """Pass when the new model's holdout log loss <= the champion's + tolerance (or no champion)."""
    new = float(np.mean(candidate))
    if champion is None:
        return GateDecision(
            True, "no champion yet: the first model becomes the candidate", new, None, tolerance
        )
    if len(champion) != len(candidate):
        raise ValueError("gate compares per-match losses on the same matches")
    old = float(np.mean(champion))
    passed = new <= old + tolerance
    verdict = "no worse than" if passed else "worse than"
    reason = f"holdout log loss {new:.4f} is {verdict} champion {old:.4f} + tolerance {tolerance}"
    return GateDecision(passed, reason, new, old, tolerance)


@dataclass(frozen=True)
class BootstrapComparison:
    mean_improvement: float  # champion loss - candidate loss (positive: candidate better)
    ci_low: float
    ci_high: float
    share_better: float  # share of resamples in which the candidate is better
    resamples: int


def paired_bootstrap(
    candidate: np.ndarray, champion: np.ndarray, resamples: int = 2000, seed: int = 0, alpha: float = 0.05
) -> BootstrapComparison:
    """Bootstrap over matches of the mean per-match loss difference (paired: same resample for both)."""
    diff = np.asarray(champion, dtype=float) - np.asarray(candidate, dtype=float)
    if diff.size == 0:
        raise ValueError("no matches to compare")
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(resamples, diff.size))].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return BootstrapComparison(
        float(diff.mean()), float(low), float(high), float((means > 0).mean()), resamples
    )


def should_auto_promote(comparison: BootstrapComparison) -> bool:
    """Promote only when the whole confidence interval says the candidate is better."""
    return comparison.ci_low > 0
