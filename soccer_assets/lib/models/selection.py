"""Pick the model family: lowest CV log loss; near-ties go to the better calibrated one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# CV log losses closer than this are a tie: differences below it are noise across folds.
TIE_TOLERANCE = 5e-4


def select_best(candidates: Sequence[dict[str, Any]], tie_tolerance: float = TIE_TOLERANCE) -> dict[str, Any]:
    """``candidates``: tuning summaries with ``family``, ``cv_logloss``, ``cv_ece`` (and ``enabled``).

    Returns ``{"family", "reason", "ranking"}``; raises if no family was tuned.
    """
    tuned = [c for c in candidates if c.get("enabled", True)]
    if not tuned:
        raise ValueError("every model family is disabled; enable at least one")
    best_loss = min(c["cv_logloss"] for c in tuned)
    tied = [c for c in tuned if c["cv_logloss"] - best_loss <= tie_tolerance]
    winner = min(tied, key=lambda c: (c["cv_ece"], c["cv_logloss"]))
    ranking = sorted(tuned, key=lambda c: c["cv_logloss"])
    if len(tied) == 1:
        reason = f"{winner['family']} has the lowest CV log loss ({winner['cv_logloss']:.4f})"
    else:
        names = ", ".join(c["family"] for c in tied)
        reason = (
            f"{names} are within {tie_tolerance} CV log loss of each other; "
            f"{winner['family']} is best calibrated (ECE {winner['cv_ece']:.4f})"
        )
    return {
        "family": winner["family"],
        "reason": reason,
        "ranking": [
            {"family": c["family"], "cv_logloss": c["cv_logloss"], "cv_ece": c["cv_ece"]} for c in ranking
        ],
    }
