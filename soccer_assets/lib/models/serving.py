"""The serving model: a fitted estimator in its native format, loadable without MLflow.

``export_model`` turns a ``CalibratedModel`` into a JSON descriptor (family, feature list,
temperature, where the market anchor sits) and the estimator's bytes: XGBoost's JSON
model, LightGBM's text model, scikit-learn estimators through skops (no pickle).
``ServingModel`` loads them back and predicts exactly as the registered model does:
market margin (for anchored boosting), the estimator, temperature scaling or the blend
with the market. It also
explains a prediction where the family allows: tree contributions (XGBoost, LightGBM) or
coefficient x standardised value (logistic regression), per outcome in the softmax's
input space. With market anchoring the market is the starting margin, so contributions
say how the model departs from the market.

The ``predictions`` asset scores upcoming matches through this class from the same
bytes the API loads, so the two give the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from soccer_assets.lib.models.anchoring import MarketAnchored, market_columns, market_margin, softmax
from soccer_assets.lib.models.calibration import CalibratedModel, MarketBlend, calibrate

FORMATS = {"xgboost": "xgboost-json", "lightgbm": "lightgbm-text", "hgb": "skops", "logreg": "skops"}
SKOPS_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


class ServingModelError(ValueError):
    """The serving artifact cannot be loaded or does not fit the features given."""


@dataclass(frozen=True)
class ServingArtifact:
    descriptor: dict[str, Any]
    estimator: bytes

    def descriptor_json(self) -> bytes:
        return json.dumps(self.descriptor, sort_keys=True).encode()


def _inner(model: CalibratedModel) -> tuple[Any, bool]:
    estimator = model.estimator
    if isinstance(estimator, MarketAnchored):
        return estimator.estimator, True
    return estimator, False


def export_model(model: CalibratedModel, **identity: Any) -> ServingArtifact:
    """Descriptor + native bytes of a fitted, calibrated model. ``identity``: name, version,
    alias, ... copied into the descriptor."""
    estimator, anchored = _inner(model)
    family = model.family
    if family == "xgboost":
        data = bytes(estimator.get_booster().save_raw("json"))
    elif family == "lightgbm":
        data = estimator.booster_.model_to_string().encode()
    elif family in ("hgb", "logreg"):
        import skops.io

        data = skops.io.dumps(estimator)
    else:
        raise ServingModelError(f"no serving format for family {family!r}")
    descriptor = {
        **identity,
        "family": family,
        "format": FORMATS[family],
        "features": list(model.features),
        "temperature": float(model.temperature),
        "market_anchored": anchored,
        "market_columns": market_columns(model.features) if anchored else None,
        "blend": model.blend.as_dict() if model.blend is not None else None,
        "classes": ["home", "draw", "away"],
    }
    return ServingArtifact(descriptor, data)


def _trusted_skops_types(data: bytes) -> list[str]:
    import skops.io

    untrusted = skops.io.get_untrusted_types(data=data)
    refused = [t for t in untrusted if not t.startswith(SKOPS_TRUSTED_PREFIXES)]
    if refused:
        raise ServingModelError(f"the estimator holds types outside scikit-learn/numpy: {refused[:3]}")
    return untrusted


class ServingModel:
    """Predicts 1X2 probabilities (and explains them) from a serving artifact."""

    def __init__(self, descriptor: dict[str, Any], estimator: bytes):
        self.descriptor = dict(descriptor)
        self.family: str = descriptor["family"]
        self.features: list[str] = list(descriptor["features"])
        self.temperature: float = float(descriptor["temperature"])
        blend = descriptor.get("blend")
        self.blend: MarketBlend | None = (
            MarketBlend(float(blend["model_weight"]), float(blend["market_weight"]), tuple(blend["columns"]))
            if blend
            else None
        )
        self.market: list[int] | None = (
            descriptor.get("market_columns") if descriptor.get("market_anchored") else None
        )
        fmt = descriptor["format"]
        if fmt == "xgboost-json":
            import xgboost

            self._booster = xgboost.Booster()
            self._booster.load_model(bytearray(estimator))
            self._booster.set_param({"nthread": 1})  # one request, one core: threads only cost here
            # A base margin replaces the trees' base score. Passing it through XGBoost costs as much as
            # the prediction itself (a proxy DMatrix per call), so the base score is measured once here
            # and swapped for the market margin in numpy: the same sum, a fraction of the time.
            probe = np.zeros((1, len(self.features)))
            with_base = self._booster.inplace_predict(probe, predict_type="margin")
            with_zero = self._booster.inplace_predict(
                probe, base_margin=np.zeros((1, 3)), predict_type="margin"
            )
            self._base_score = np.asarray(with_base, dtype=np.float64) - np.asarray(
                with_zero, dtype=np.float64
            )
        elif fmt == "lightgbm-text":
            import lightgbm

            self._booster = lightgbm.Booster(model_str=estimator.decode())
        elif fmt == "skops":
            import skops.io

            self._estimator = skops.io.loads(estimator, trusted=_trusted_skops_types(estimator))
        else:
            raise ServingModelError(f"unknown serving format {fmt!r}")
        self._format = fmt

    @classmethod
    def from_artifact(cls, artifact: ServingArtifact) -> ServingModel:
        return cls(artifact.descriptor, artifact.estimator)

    def _margin(self, X: np.ndarray) -> np.ndarray | None:
        return market_margin(X, self.market) if self.market is not None else None

    def _raw_probabilities(self, X: np.ndarray) -> np.ndarray:
        margin = self._margin(X)
        if self._format == "xgboost-json":
            if margin is None:
                probs = self._booster.inplace_predict(X)
            else:
                trees = np.asarray(self._booster.inplace_predict(X, predict_type="margin"), dtype=np.float64)
                probs = softmax(trees - self._base_score + margin)
        elif self._format == "lightgbm-text":
            if margin is None:
                probs = self._booster.predict(X, num_threads=1)
            else:
                probs = softmax(self._booster.predict(X, raw_score=True, num_threads=1) + margin)
        else:
            probs = self._estimator.predict_proba(X)
        return np.asarray(probs, dtype=np.float64).reshape(len(X), 3)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (home, draw, away) for rows of ``self.features``."""
        X = self._check(X)
        if not len(X):  # no upcoming match (an international break): boosters answer shape (0,)
            return np.empty((0, 3))
        return calibrate(self._raw_probabilities(X), X, self.temperature, self.blend)

    def _check(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.features):
            raise ServingModelError(f"expected rows of {len(self.features)} features, got shape {X.shape}")
        return X

    @property
    def explains(self) -> bool:
        return self._format in ("xgboost-json", "lightgbm-text") or self.family == "logreg"

    def contributions(self, X: np.ndarray) -> np.ndarray | None:
        """(rows, 3 outcomes, features) additive contributions to each outcome's softmax input
        (log-odds space), before temperature; None for families without them."""
        X = self._check(X)
        n, k = X.shape
        if self._format == "xgboost-json":
            import xgboost

            values = self._booster.predict(
                xgboost.DMatrix(X, base_margin=self._margin(X)), pred_contribs=True
            )
            return np.asarray(values).reshape(n, 3, k + 1)[:, :, :k]
        if self._format == "lightgbm-text":
            values = self._booster.predict(X, pred_contrib=True, num_threads=1)
            return np.asarray(values).reshape(n, 3, k + 1)[:, :, :k]
        if self.family == "logreg":
            impute, scale, model = (self._estimator.named_steps[s] for s in ("impute", "scale", "model"))
            standardised = scale.transform(impute.transform(X))
            return standardised[:, None, :] * model.coef_[None, :, :]
        return None


def top_contributions(
    contributions: np.ndarray, values: np.ndarray, features: Sequence[str], top: int
) -> dict[str, list[dict[str, float | str]]]:
    """The ``top`` largest contributions (by size) per outcome of one row, with the feature values."""
    out: dict[str, list[dict[str, float | str]]] = {}
    for k, outcome in enumerate(("home", "draw", "away")):
        order = np.argsort(-np.abs(contributions[k]), kind="stable")[:top]
        out[outcome] = [
            {"feature": features[j], "value": float(values[j]), "contribution": float(contributions[k, j])}
            for j in order
        ]
    return out


def from_bytes(descriptor: bytes, estimator: bytes) -> ServingModel:
    """The model from the two published datasets (``serving_model`` and ``serving_estimator``)."""
    return ServingModel(json.loads(descriptor), estimator)
