"""The four model families: their Optuna search spaces and how to build an estimator.

Every estimator follows the scikit-learn API (``fit``, ``predict_proba`` with classes
0/1/2). Missing values are native to the tree libraries; the logistic regression gets
a median imputer and scaling. ``Preset`` bounds the search so tests stay fast while
production defaults stay production-sized.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from soccer_assets.lib.models.anchoring import MarketAnchored, market_columns

# the names live apart so that settings can validate them without importing the libraries
from soccer_assets.lib.models.presets import FAMILIES, PRESETS, Preset  # noqa: E402

__all__ = ["FAMILIES", "PRESETS", "Family", "Preset", "family"]


@dataclass(frozen=True)
class Family:
    name: str
    suggest: Callable[[optuna.Trial, Preset], dict[str, Any]]
    build: Callable[[dict[str, Any], int, int], Any]  # (params, seed, n_jobs) -> estimator
    # boosting families start from the pre-match market when its features are present
    anchored: bool = False

    def estimator(
        self, params: dict[str, Any], features: Sequence[str], seed: int = 0, n_jobs: int = 1
    ) -> Any:
        """A fresh, unfitted estimator for this feature list."""
        model = self.build(params, seed, n_jobs)
        columns = market_columns(features) if self.anchored else None
        return MarketAnchored(model, columns) if columns is not None else model


def _suggest_xgboost(trial: optuna.Trial, preset: Preset) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int(
            "n_estimators", min(50, preset.max_estimators), preset.max_estimators, log=True
        ),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
        "max_depth": trial.suggest_int("max_depth", 2, 6),
        "min_child_weight": trial.suggest_float("min_child_weight", 1.0, 50.0, log=True),
        "subsample": trial.suggest_float("subsample", 0.6, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-2, 30.0, log=True),
    }


def _build_xgboost(params: dict[str, Any], seed: int, n_jobs: int) -> Any:
    from xgboost import XGBClassifier

    return XGBClassifier(
        objective="multi:softprob",
        eval_metric="mlogloss",
        tree_method="hist",
        random_state=seed,
        n_jobs=n_jobs,
        verbosity=0,
        **params,
    )


def _suggest_lightgbm(trial: optuna.Trial, preset: Preset) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int(
            "n_estimators", min(50, preset.max_estimators), preset.max_estimators, log=True
        ),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 4, 48, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 10, 200, log=True),
        "subsample": trial.suggest_float("subsample", 0.6, 1.0),
        "subsample_freq": 1,
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-2, 30.0, log=True),
    }


def _build_lightgbm(params: dict[str, Any], seed: int, n_jobs: int) -> Any:
    from lightgbm import LGBMClassifier

    return LGBMClassifier(objective="multiclass", random_state=seed, n_jobs=n_jobs, verbose=-1, **params)


def _suggest_hgb(trial: optuna.Trial, preset: Preset) -> dict[str, Any]:
    return {
        "max_iter": trial.suggest_int(
            "max_iter", min(50, preset.max_estimators), preset.max_estimators, log=True
        ),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 4, 48, log=True),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 10, 200, log=True),
        "l2_regularization": trial.suggest_float("l2_regularization", 1e-3, 30.0, log=True),
    }


def _build_hgb(params: dict[str, Any], seed: int, n_jobs: int) -> Any:
    return HistGradientBoostingClassifier(random_state=seed, early_stopping=False, **params)


def _suggest_logreg(trial: optuna.Trial, preset: Preset) -> dict[str, Any]:
    return {"C": trial.suggest_float("C", 1e-4, 10.0, log=True)}


def _build_logreg(params: dict[str, Any], seed: int, n_jobs: int) -> Any:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=params["C"], max_iter=2000, random_state=seed)),
        ]
    )


FAMILY_REGISTRY: dict[str, Family] = {
    "xgboost": Family("xgboost", _suggest_xgboost, _build_xgboost, anchored=True),
    "lightgbm": Family("lightgbm", _suggest_lightgbm, _build_lightgbm, anchored=True),
    "hgb": Family("hgb", _suggest_hgb, _build_hgb),
    "logreg": Family("logreg", _suggest_logreg, _build_logreg),
}


def family(name: str) -> Family:
    try:
        return FAMILY_REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; choose from {FAMILIES}") from None
