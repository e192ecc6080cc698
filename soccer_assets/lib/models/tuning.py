"""Optuna tuning of one model family by cross-validated log loss.

TPE sampling, median pruning after each fold (a trial whose running CV log loss is worse
than the median of earlier trials at the same fold stops early). Every finished or
pruned trial is reported through ``on_trial`` so the caller can track it (MLflow nested
runs in the Dagster asset; nothing in the benchmark).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import optuna
import polars as pl

from soccer_assets.lib.metrics import ece, log_loss
from soccer_assets.lib.models.fold_fits import FitSpec, Layout, fold_predictions
from soccer_assets.lib.models.zoo import Preset, family

FoldIndex = tuple[np.ndarray, np.ndarray]  # (train rows, validation rows)


@dataclass(frozen=True)
class TrialRecord:
    family: str
    number: int
    state: str  # COMPLETE | PRUNED | FAIL
    params: dict[str, Any]
    cv_logloss: float | None
    fold_logloss: list[float]
    seconds: float


@dataclass
class TuningResult:
    family: str
    best_params: dict[str, Any]
    cv_logloss: float
    cv_ece: float
    best_fold_logloss: list[float]
    n_trials: int
    n_pruned: int
    trials: list[TrialRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["trials"] = [asdict(t) for t in self.trials]
        return out


def design_matrix(frame: pl.DataFrame, columns: list[str]) -> np.ndarray:
    """Float matrix of the feature columns, nulls as NaN (all four families accept NaN)."""
    return frame.select([pl.col(c).cast(pl.Float64) for c in columns]).to_numpy().astype(np.float64)


def tune(
    family_name: str,
    X: np.ndarray,
    y: np.ndarray,
    folds: list[FoldIndex],
    *,
    features: list[str],
    n_trials: int,
    preset: Preset,
    seed: int = 0,
    n_jobs: int = 1,
    on_trial: Callable[[TrialRecord], None] | None = None,
    layout: Layout | None = None,
) -> TuningResult:
    """Best parameters of ``family_name`` by mean CV log loss over ``n_trials`` Optuna trials.

    A trial's folds are fitted side by side on the ``n_jobs`` CPUs (``layout``, see
    ``fold_fits``) and judged in fold order, so pruning decides as if they ran one by one.
    """
    if not folds:
        raise ValueError("tuning needs at least one CV fold")
    fam = family(family_name)
    layout = layout or Layout.for_cpus(n_jobs, len(folds))
    oof: dict[int, np.ndarray] = {}
    valid_rows = np.concatenate([va for _, va in folds])

    def objective(trial: optuna.Trial) -> float:
        params = fam.suggest(trial, preset)
        scores: list[float] = []
        probs = []
        trial.set_user_attr("fold_logloss", scores)
        spec = FitSpec(family_name, params, tuple(features), seed)
        with closing(fold_predictions(spec, X, y, folds, layout)) as predictions:
            for step, ((_, va), p) in enumerate(zip(folds, predictions, strict=True)):
                probs.append(p)
                scores.append(log_loss(p, y[va]))
                trial.report(float(np.mean(scores)), step)
                if trial.should_prune():
                    raise optuna.TrialPruned()
        oof[trial.number] = np.vstack(probs)
        return float(np.mean(scores))

    records: list[TrialRecord] = []

    def record(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        seconds = (
            (trial.datetime_complete - trial.datetime_start).total_seconds()
            if trial.datetime_complete
            else 0.0
        )
        rec = TrialRecord(
            family=family_name,
            number=trial.number,
            state=trial.state.name,
            params=dict(trial.params),
            cv_logloss=trial.value if trial.state == optuna.trial.TrialState.COMPLETE else None,
            fold_logloss=list(trial.user_attrs.get("fold_logloss", [])),
            seconds=seconds,
        )
        records.append(rec)
        if on_trial is not None:
            on_trial(rec)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0),
        study_name=f"{family_name}-{int(time.time())}",
    )
    study.optimize(objective, n_trials=n_trials, callbacks=[record], gc_after_trial=False)
    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        raise RuntimeError(f"no {family_name} trial completed")
    best = study.best_trial
    return TuningResult(
        family=family_name,
        best_params=_full_params(best.params, fam, preset),
        cv_logloss=float(best.value),
        cv_ece=ece(oof[best.number], y[valid_rows]),
        best_fold_logloss=list(best.user_attrs["fold_logloss"]),
        n_trials=len(study.trials),
        n_pruned=sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials),
        trials=records,
    )


def _full_params(sampled: dict[str, Any], fam: Any, preset: Preset) -> dict[str, Any]:
    """Sampled values plus the fixed ones the search space sets (e.g. LightGBM's subsample_freq)."""
    fixed = optuna.trial.FixedTrial(sampled)
    return fam.suggest(fixed, preset)
