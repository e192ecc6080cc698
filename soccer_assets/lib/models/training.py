"""From features and splits to the matrices models see, and the final calibrated fit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from soccer_assets.lib.features.build import feature_columns
from soccer_assets.lib.models.calibration import CalibratedModel, fit_calibration
from soccer_assets.lib.models.fold_fits import FitSpec, Layout, fit_estimator, fit_pool, fold_predictions
from soccer_assets.lib.models.threads import native_threads
from soccer_assets.lib.models.tuning import FoldIndex, design_matrix
from soccer_assets.lib.splits import CALIBRATION, TEST, TRAIN, Fold


@dataclass
class TrainingData:
    features: list[str]
    train: pl.DataFrame
    calibration: pl.DataFrame
    test: pl.DataFrame
    folds: list[FoldIndex]

    def xy(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        frame = getattr(self, part)
        return design_matrix(frame, self.features), frame["target"].to_numpy().astype(np.int64)


def prepare(
    features: pl.DataFrame, splits: pl.DataFrame, folds: list[Fold], feature_list: list[str] | None = None
) -> TrainingData:
    """Rows of each split (training rows only where ``usable``), folds as row indices of ``train``."""
    labelled = features.join(splits.select("match_id", "split", "usable"), on="match_id").filter(
        pl.col("target").is_not_null()
    )
    train = labelled.filter((pl.col("split") == TRAIN) & pl.col("usable")).sort("kickoff_date", "match_id")
    position = {m: i for i, m in enumerate(train["match_id"].to_list())}
    fold_index = [
        (
            np.array([position[m] for m in f.train_ids if m in position], dtype=np.int64),
            np.array([position[m] for m in f.valid_ids if m in position], dtype=np.int64),
        )
        for f in folds
    ]
    return TrainingData(
        features=feature_list or feature_columns(features),
        train=train,
        calibration=labelled.filter(pl.col("split") == CALIBRATION).sort("kickoff_date", "match_id"),
        test=labelled.filter(pl.col("split") == TEST).sort("kickoff_date", "match_id"),
        folds=fold_index,
    )


def out_of_fold(
    family_name: str,
    params: dict[str, Any],
    features: list[str],
    data: TrainingData,
    seed: int,
    n_jobs: int,
    layout: Layout | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probabilities, X and outcomes of every validation row of the CV folds, each predicted
    by the configuration fitted on its fold's earlier rows only (the folds are walk-forward)."""
    X, y = data.xy("train")
    if not data.folds:
        return np.empty((0, 3)), X[:0], y[:0]
    spec = FitSpec(family_name, params, tuple(features), seed)
    layout = layout or Layout.for_cpus(n_jobs, len(data.folds))
    probs = list(fold_predictions(spec, X, y, data.folds, layout))
    index = np.concatenate([valid_rows for _, valid_rows in data.folds])
    return np.vstack(probs), X[index], y[index]


Slices = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # (fit on, calibrate on)


def _fit_calibrated(
    family_name: str,
    params: dict[str, Any],
    data: TrainingData,
    slices: list[Slices],
    seed: int,
    n_jobs: int,
    market_blend: bool = False,
) -> list[CalibratedModel]:
    """One calibrated model per (fit, calibrate) slice pair. The estimators and the
    out-of-fold fits the blend learns from (shared by all) are independent: side by side."""
    if any(len(y_cal) == 0 for _, (_, y_cal) in slices):
        raise ValueError("the calibration slice is empty")
    spec = FitSpec(family_name, params, tuple(data.features), seed)
    layout = Layout.for_cpus(n_jobs, len(slices) + (len(data.folds) if market_blend else 0))
    with fit_pool(layout) as pool:
        fitted = [pool.submit(fit_estimator, spec, layout.threads, *fit) for fit, _ in slices]
        oof = (
            out_of_fold(family_name, params, data.features, data, seed, n_jobs, layout)
            if market_blend
            else None
        )
        estimators = [future.result() for future in fitted]
    models = []
    with native_threads(n_jobs):
        for estimator, (_, (X_cal, y_cal)) in zip(estimators, slices, strict=True):
            temperature, blend = fit_calibration(
                estimator.predict_proba(X_cal),
                X_cal,
                y_cal,
                data.features,
                market_blend=market_blend,
                out_of_fold=oof,
            )
            models.append(
                CalibratedModel(
                    estimator=estimator,
                    features=list(data.features),
                    temperature=temperature,
                    family=family_name,
                    blend=blend,
                )
            )
    return models


def _holdout_slices(data: TrainingData) -> Slices:
    return data.xy("train"), data.xy("calibration")


def _serving_slices(data: TrainingData) -> Slices:
    fit = pl.concat([data.train, data.calibration], how="vertical_relaxed")
    return (design_matrix(fit, data.features), fit["target"].to_numpy().astype(np.int64)), data.xy("test")


def fit_final(
    family_name: str,
    params: dict[str, Any],
    data: TrainingData,
    seed: int = 0,
    n_jobs: int = 1,
    market_blend: bool = False,
) -> CalibratedModel:
    """The holdout-protocol model: fit on the training seasons, temperature on the calibration
    slice; the test seasons stay unseen, so the gate and the evaluation can judge it."""
    return _fit_calibrated(family_name, params, data, [_holdout_slices(data)], seed, n_jobs, market_blend)[0]


def fit_serving(
    family_name: str,
    params: dict[str, Any],
    data: TrainingData,
    seed: int = 0,
    n_jobs: int = 1,
    market_blend: bool = False,
) -> CalibratedModel:
    """The model that serves: the same configuration refit on every season before the newest
    (training and calibration seasons), its temperature fitted on the newest slice it was not
    fitted on (the test seasons). It knows the latest results the holdout model never saw;
    it is not judged on the holdout, which it has seen for calibration."""
    return _fit_calibrated(family_name, params, data, [_serving_slices(data)], seed, n_jobs, market_blend)[0]


def fit_final_and_serving(
    family_name: str,
    params: dict[str, Any],
    data: TrainingData,
    seed: int = 0,
    n_jobs: int = 1,
    market_blend: bool = False,
) -> tuple[CalibratedModel, CalibratedModel]:
    """``fit_final`` and ``fit_serving`` side by side, sharing the out-of-fold fits."""
    holdout, serving = _fit_calibrated(
        family_name, params, data, [_holdout_slices(data), _serving_slices(data)], seed, n_jobs, market_blend
    )
    return holdout, serving
