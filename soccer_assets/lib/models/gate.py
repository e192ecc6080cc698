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
    champion_logloss: float | None  # the model in use (champion, else candidate), when there is one
    tolerance: float
    floors: dict[str, float] | None = None  # benchmark -> its log loss, when nothing is in use


@dataclass(frozen=True)
class Floor:
    """A benchmark a first model must not fall behind by more than ``tolerance``."""

    name: str
    losses: np.ndarray  # per match, on the same matches as the candidate
    tolerance: float


def candidate_gate(
    candidate: np.ndarray,
    champion: np.ndarray | None,
    tolerance: float,
    *,
    in_use: str = "champion",
    floors: list[Floor] | None = None,
    min_matches: int = 0,
) -> GateDecision:
    """Pass when the new model's holdout log loss is no worse than the model in use + tolerance.

    With nothing in use the model must clear every floor (base rates, the de-vigged market)
    instead of passing unconditionally. Fewer than ``min_matches`` holdout matches is no
    evidence either way: the gate refuses to decide.
    """
    new = float(np.mean(candidate)) if len(candidate) else float("nan")
    if len(candidate) < min_matches:
        return GateDecision(
            False,
            f"only {len(candidate)} holdout matches; the gate decides on at least {min_matches}",
            new,
            None,
            tolerance,
        )
    if champion is None:
        scores = {f.name: float(np.mean(f.losses)) for f in floors or []}
        for floor in floors or []:
            if len(floor.losses) != len(candidate):
                raise ValueError("floors are scored on the same matches as the candidate")
        behind = [f for f in floors or [] if new > scores[f.name] + f.tolerance]
        if behind:
            worst = ", ".join(f"{f.name} {scores[f.name]:.4f} + {f.tolerance}" for f in behind)
            return GateDecision(
                False,
                f"no model in use and log loss {new:.4f} is worse than {worst}",
                new,
                None,
                tolerance,
                scores,
            )
        cleared = ", ".join(f"{name} {value:.4f}" for name, value in scores.items()) or "no floor given"
        return GateDecision(
            True, f"no model in use; log loss {new:.4f} clears {cleared}", new, None, tolerance, scores
        )
    if len(champion) != len(candidate):
        raise ValueError("gate compares per-match losses on the same matches")
    old = float(np.mean(champion))
    passed = new <= old + tolerance
    verdict = "no worse than" if passed else "worse than"
    reason = f"holdout log loss {new:.4f} is {verdict} the {in_use}'s {old:.4f} + tolerance {tolerance}"
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
