"""The serving artifact: native bytes back into a model that predicts and explains like the original."""

import json

import numpy as np
import pytest

from soccer_assets.lib.features.build import build_match_features
from soccer_assets.lib.models.serving import ServingModel, export_model, from_bytes, top_contributions
from soccer_assets.lib.models.training import fit_final, fit_serving, prepare
from soccer_assets.lib.models.zoo import FAMILIES, PRESETS
from soccer_assets.lib.splits import SplitConfig, assign_splits

PARAMS = {
    "xgboost": {"n_estimators": 30, "learning_rate": 0.1, "max_depth": 3},
    "lightgbm": {"n_estimators": 30, "learning_rate": 0.1, "num_leaves": 8},
    "hgb": {"max_iter": 30, "learning_rate": 0.1},
    "logreg": {"C": 0.05},
}


@pytest.fixture(scope="module")
def data(e0_matches, e0_fixtures):
    features = build_match_features(e0_matches, e0_fixtures)
    splits = assign_splits(features, SplitConfig(test_seasons=1, calibration_seasons=1, cv_folds=2))
    return prepare(features, splits, [])


@pytest.mark.parametrize("family", FAMILIES)
def test_the_artifact_predicts_like_the_fitted_model(data, family):
    assert PRESETS  # the smoke preset's sizes are what these parameters mimic
    model = fit_final(family, PARAMS[family], data)
    artifact = export_model(model, name="soccer-1x2", version="7")
    assert artifact.descriptor["features"] == data.features and artifact.descriptor["version"] == "7"
    served = from_bytes(artifact.descriptor_json(), artifact.estimator)
    X, _ = data.xy("test")
    np.testing.assert_allclose(served.predict_proba(X), model.predict_proba(X), rtol=0, atol=1e-6)
    assert served.predict_proba(X[:0]).shape == (0, 3)  # a day with nothing to predict
    again = ServingModel(json.loads(artifact.descriptor_json()), artifact.estimator)
    assert np.array_equal(again.predict_proba(X[:5]), served.predict_proba(X[:5]))  # deterministic
    contributions = served.contributions(X[:4])
    if family == "hgb":
        assert contributions is None and not served.explains
        return
    assert served.explains and contributions.shape == (4, 3, len(data.features))
    top = top_contributions(contributions[0], X[0], data.features, 5)
    assert set(top) == {"home", "draw", "away"} and len(top["home"]) == 5
    sizes = [abs(c["contribution"]) for c in top["draw"]]
    assert sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize("family", ["xgboost", "lightgbm"])
def test_contributions_add_up_to_the_departure_from_the_market(data, family):
    """Anchored on the market: the features' contributions are the model's log-odds minus the
    market's, up to one constant per outcome (the trees' base score)."""
    model = fit_final(family, PARAMS[family], data)
    served = ServingModel.from_artifact(export_model(model))
    assert served.market is not None  # market features are on: the market is the starting margin
    X, _ = data.xy("test")
    contributions = served.contributions(X[:50]).sum(axis=2)
    log_probs = np.log(served._raw_probabilities(X[:50]))  # noqa: SLF001 - before temperature
    departure = log_probs - served._margin(X[:50])  # noqa: SLF001
    difference = contributions - departure
    # softmax drops one constant per row and the base score adds one per outcome
    difference -= difference[:, :1]
    assert np.ptp(difference, axis=0).max() < 1e-4


def test_the_serving_refit_sees_the_calibration_season(data):
    holdout = fit_final("logreg", PARAMS["logreg"], data)
    serving = fit_serving("logreg", PARAMS["logreg"], data)
    pipeline = serving.estimator.named_steps["scale"]
    assert pipeline.n_samples_seen_ == data.train.height + data.calibration.height
    assert holdout.estimator.named_steps["scale"].n_samples_seen_ == data.train.height
    assert serving.temperature != holdout.temperature  # calibrated on another slice
