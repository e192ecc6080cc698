"""Splits, calibration, selection, tuning and the registry decisions."""

import numpy as np
import polars as pl
import pytest

from soccer_assets.lib.features.build import build_match_features
from soccer_assets.lib.metrics import log_loss
from soccer_assets.lib.models.calibration import apply_temperature, fit_temperature
from soccer_assets.lib.models.gate import candidate_gate, paired_bootstrap, should_auto_promote
from soccer_assets.lib.models.selection import select_best
from soccer_assets.lib.models.training import prepare
from soccer_assets.lib.models.tuning import tune
from soccer_assets.lib.models.zoo import FAMILIES, PRESETS
from soccer_assets.lib.splits import CALIBRATION, PREDICT, TEST, TRAIN, SplitConfig, assign_splits, cv_folds


@pytest.fixture(scope="module")
def features(e0_matches, e0_fixtures):
    return build_match_features(e0_matches, e0_fixtures)


@pytest.fixture(scope="module")
def splits(features):
    return assign_splits(features, SplitConfig(test_seasons=1, calibration_seasons=1, cv_folds=2))


def test_splits_are_disjoint_and_ordered_in_time(splits):
    by_split = {name: group for (name,), group in splits.group_by(["split"])}
    assert set(by_split) == {TRAIN, CALIBRATION, TEST, PREDICT}
    ids = [set(g["match_id"].to_list()) for g in by_split.values()]
    assert sum(len(i) for i in ids) == len(set().union(*ids)) == splits.height
    order = [TRAIN, CALIBRATION, TEST, PREDICT]
    for earlier, later in zip(order, order[1:], strict=False):
        assert by_split[earlier]["kickoff_date"].max() < by_split[later]["kickoff_date"].min()
    assert by_split[TEST]["season"].unique().to_list() == ["2526"]
    assert by_split[CALIBRATION]["season"].unique().to_list() == ["2425"]


def test_tuning_never_sees_calibration_or_test_seasons(splits):
    folds = cv_folds(splits, 2)
    held_out = set(splits.filter(pl.col("split").is_in([CALIBRATION, TEST, PREDICT]))["match_id"].to_list())
    train_dates = dict(zip(splits["match_id"], splits["kickoff_date"], strict=True))
    for fold in folds:
        assert not (set(fold.train_ids) | set(fold.valid_ids)) & held_out
        assert max(train_dates[m] for m in fold.train_ids) < min(train_dates[m] for m in fold.valid_ids)
    assert [f.validation_season for f in folds] == ["2223", "2324"]


def test_explicit_test_season_drops_later_seasons(features):
    splits = assign_splits(features, SplitConfig(explicit_test=("2425",)))
    finished = splits.filter(pl.col("split") != PREDICT)
    assert finished["season"].max() == "2425"
    assert splits.filter(pl.col("split") == TEST)["season"].unique().to_list() == ["2425"]
    with pytest.raises(ValueError, match="at least two training seasons"):
        assign_splits(features, SplitConfig(explicit_test=("2324",)))


def test_temperature_scaling_recovers_a_known_distortion():
    rng = np.random.default_rng(1)
    true = rng.dirichlet([4, 2.5, 3], size=4000)
    outcomes = np.array([rng.choice(3, p=p) for p in true])
    overconfident = apply_temperature(true, 0.5)  # sharpened: T=0.5
    t = fit_temperature(overconfident, outcomes)
    assert t == pytest.approx(2.0, rel=0.15)
    assert log_loss(apply_temperature(overconfident, t), outcomes) < log_loss(overconfident, outcomes)
    assert np.allclose(apply_temperature(overconfident, t).sum(axis=1), 1.0)
    assert (apply_temperature(true, 1.7).argmax(axis=1) == true.argmax(axis=1)).all()


def test_selection_breaks_near_ties_by_calibration():
    results = [
        {"family": "xgboost", "cv_logloss": 0.9500, "cv_ece": 0.030},
        {"family": "logreg", "cv_logloss": 0.9503, "cv_ece": 0.010},
        {"family": "hgb", "cv_logloss": 0.9600, "cv_ece": 0.001},
        {"family": "lightgbm", "enabled": False},
    ]
    choice = select_best(results)
    assert choice["family"] == "logreg" and "calibrated" in choice["reason"]
    assert select_best(results[:1] + results[2:3])["family"] == "xgboost"
    with pytest.raises(ValueError):
        select_best([{"family": "x", "enabled": False}])


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_tunes_on_real_folds(features, splits, family):
    data = prepare(features, splits, cv_folds(splits, 2))
    X, y = data.xy("train")
    seen = []
    result = tune(
        family,
        X,
        y,
        data.folds,
        features=data.features,
        n_trials=2,
        preset=PRESETS["smoke"],
        on_trial=seen.append,
    )
    assert result.n_trials == 2 and len(seen) == 2
    assert 0.8 < result.cv_logloss < 1.2  # between a good model and a coin
    assert len(result.best_fold_logloss) == 2
    if family == "lightgbm":
        assert result.best_params["subsample_freq"] == 1  # fixed parameters survive into the refit


def test_gate_both_ways_and_bootstrap_policy():
    rng = np.random.default_rng(0)
    champion = rng.uniform(0.5, 1.5, 500)
    assert candidate_gate(champion, None, 0.0).passed
    assert candidate_gate(champion - 0.05, champion, 0.0).passed
    assert not candidate_gate(champion + 0.01, champion, 0.005).passed
    assert candidate_gate(champion + 0.004, champion, 0.005).passed
    clearly_better = paired_bootstrap(champion - 0.05, champion)
    assert should_auto_promote(clearly_better) and clearly_better.ci_low > 0
    noise = paired_bootstrap(champion + rng.normal(0, 0.2, 500), champion)
    assert not should_auto_promote(noise)


def test_a_small_newest_season_makes_the_holdout_reach_back():
    from soccer_assets.lib.splits import season_plan

    seasons = ["2021", "2122", "2223", "2324", "2425", "2526"]
    counts = dict.fromkeys(seasons, 380) | {"2526": 40}  # two weeks into the season
    plan = season_plan(seasons, SplitConfig(min_test_matches=300), counts)
    assert [s for s, p in plan.items() if p == TEST] == ["2425", "2526"]
    assert [s for s, p in plan.items() if p == CALIBRATION] == ["2324"]
    assert season_plan(seasons, SplitConfig(min_test_matches=0), counts)["2425"] == CALIBRATION
    # never at the cost of the two training seasons the tuning needs
    tiny = dict.fromkeys(seasons, 10)
    plan = season_plan(seasons, SplitConfig(min_test_matches=300), tiny)
    assert sum(p == TRAIN for p in plan.values()) == 2


def test_the_gate_judges_a_first_model_against_floors_and_wants_evidence():
    from soccer_assets.lib.models.gate import Floor

    rng = np.random.default_rng(3)
    market = rng.uniform(0.6, 1.3, 400)
    good, bad = market - 0.002, market + 0.08
    floors = [Floor("base_rates", market + 0.1, 0.0), Floor("market_pre", market, 0.02)]
    assert candidate_gate(good, None, 0.002, floors=floors, min_matches=300).passed
    refused = candidate_gate(bad, None, 0.002, floors=floors, min_matches=300)
    assert (
        not refused.passed
        and "market_pre" in refused.reason
        and refused.floors["market_pre"] < refused.candidate_logloss
    )
    thin = candidate_gate(good[:100], None, 0.002, floors=[Floor("m", market[:100], 0.02)], min_matches=300)
    assert not thin.passed and "only 100 holdout matches" in thin.reason
    assert "candidate's" in candidate_gate(good, market, 0.002, in_use="candidate").reason


def test_tuning_progress_says_trial_k_of_n_best_so_far_and_time_left_without_flooding():
    from soccer_assets.lib.models.progress import TrialProgress
    from soccer_assets.lib.models.tuning import TrialRecord

    now, lines = [0.0], []
    progress = TrialProgress("xgboost", 5, lines.append, every_s=5.0, clock=lambda: now[0])
    for seconds, loss in [(2, 0.99), (2, 0.97), (2, None), (2, 0.98), (2, 0.96)]:
        now[0] += seconds
        progress(TrialRecord("xgboost", 0, "COMPLETE" if loss else "PRUNED", {}, loss, [], seconds))
    # trial 1 at t=2, trial 4 at t=8 (5 s after the last line), trial 5 (the last) at t=10
    assert lines == [
        "xgboost: trial 1/5, best CV log loss 0.9900, about 8 s left",
        "xgboost: trial 4/5, best CV log loss 0.9700, about 2 s left",
        "xgboost: trial 5/5, best CV log loss 0.9600, 10 s in all",
    ]


def test_the_blend_learns_from_out_of_fold_rows_predicted_by_earlier_seasons_only(features, splits):
    from soccer_assets.lib.models.training import out_of_fold

    data = prepare(features, splits, cv_folds(splits, 2))
    params = {"C": 0.1}
    probs, X_oof, y_oof = out_of_fold("logreg", params, data.features, data, seed=0, n_jobs=1)
    valid = np.concatenate([va for _, va in data.folds])
    X, y = data.xy("train")
    assert len(probs) == len(valid) and np.array_equal(y_oof, y[valid])
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.array_equal(np.nan_to_num(X_oof, nan=-1.0), np.nan_to_num(X[valid], nan=-1.0))
    # the last fold's rows: exactly what a model fitted on that fold's earlier rows says
    train_rows, valid_rows = data.folds[-1]
    from soccer_assets.lib.models.zoo import family

    estimator = family("logreg").estimator(params, data.features, 0, 1)
    estimator.fit(X[train_rows], y[train_rows])
    assert train_rows.max() < valid_rows.min()  # walk-forward: earlier rows only
    assert np.allclose(probs[-len(valid_rows) :], estimator.predict_proba(X[valid_rows]))


@pytest.mark.parametrize("market_blend", [False, True])
def test_the_holdout_and_serving_models_fitted_side_by_side_are_the_ones_fitted_apart(
    features, splits, market_blend
):
    from soccer_assets.lib.models.training import fit_final, fit_final_and_serving, fit_serving

    data = prepare(features, splits, cv_folds(splits, 2))
    params = {"n_estimators": 30, "learning_rate": 0.1, "num_leaves": 8}
    fit = {"seed": 0, "market_blend": market_blend}
    holdout, serving = fit_final_and_serving("lightgbm", params, data, n_jobs=2, **fit)
    apart = (
        fit_final("lightgbm", params, data, n_jobs=1, **fit),
        fit_serving("lightgbm", params, data, n_jobs=1, **fit),
    )
    X_test, _ = data.xy("test")
    for together, alone in zip((holdout, serving), apart, strict=True):
        assert together.temperature == pytest.approx(alone.temperature, abs=1e-9)
        assert (together.blend is None) == (alone.blend is None) == (not market_blend)
        np.testing.assert_allclose(together.predict_proba(X_test), alone.predict_proba(X_test), atol=1e-9)
    # the serving model saw the calibration season too: it is another model
    assert not np.allclose(holdout.predict_proba(X_test), serving.predict_proba(X_test))
