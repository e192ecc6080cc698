"""Fits side by side in worker processes give the fits one after the other would, stay within
one native thread each, and a pruned trial's folds not yet started never run."""

import time
from contextlib import closing, contextmanager

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from soccer_assets.lib.models import fold_fits
from soccer_assets.lib.models.fold_fits import FitSpec, Layout, fit_pool, fold_predictions
from soccer_assets.lib.models.threads import native_threads
from soccer_assets.lib.models.tuning import tune
from soccer_assets.lib.models.zoo import PRESETS

FEATURES = ("a", "b", "c", "d")


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES)))
    y = (X[:, 0] + rng.normal(scale=1.5, size=n) > 0).astype(np.int64) + (X[:, 1] > 1)
    folds = [(np.arange(0, 200), np.arange(200, 300)), (np.arange(0, 300), np.arange(300, 450))]
    folds.append((np.arange(0, 450), np.arange(450, 600)))
    return X, y, folds


@pytest.mark.parametrize(
    ("cpus", "tasks", "workers", "threads"),
    [(2, 3, 2, 1), (1, 3, 1, 1), (8, 3, 3, 2), (4, 1, 1, 4), (3, 0, 1, 3)],
)
def test_the_layout_spends_the_cpus_on_fits_first_then_on_threads(cpus, tasks, workers, threads):
    assert Layout.for_cpus(cpus, tasks) == Layout(workers, threads)


@pytest.mark.parametrize("family", ["hgb", "lightgbm", "xgboost"])
def test_folds_in_worker_processes_predict_what_folds_one_by_one_predict(family):
    X, y, folds = _data()
    spec = FitSpec(family, {"max_iter" if family == "hgb" else "n_estimators": 20}, FEATURES, seed=3)
    inline = list(fold_predictions(spec, X, y, folds, Layout(1, 1)))
    pooled = list(fold_predictions(spec, X, y, folds, Layout(2, 1)))
    assert [p.shape for p in pooled] == [(100, 3), (150, 3), (150, 3)]
    for a, b in zip(inline, pooled, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def _openmp_threads_in_worker(threads: int) -> set[int]:
    with native_threads(threads):
        return {p["num_threads"] for p in threadpool_info() if p["internal_api"] == "openmp"}


def test_a_worker_fits_on_the_threads_of_its_layout_only():
    with fit_pool(Layout(2, 1)) as pool:
        seen = pool.submit(_openmp_threads_in_worker, 1).result()
    assert seen == {1}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_caller_that_stops_early_never_starts_the_folds_after_those_in_flight(monkeypatch, workers):
    X, y, folds = _data()
    folds = folds + folds
    started = []
    real_pool = fold_fits.fit_pool

    @contextmanager
    def recording_pool(layout):
        with real_pool(layout) as pool:

            class Recording:
                def submit(self, fn, spec, threads, X_fit, *rest):
                    started.append(len(X_fit))
                    return pool.submit(fn, spec, threads, X_fit, *rest)

            yield Recording()

    monkeypatch.setattr(fold_fits, "fit_pool", recording_pool)
    spec = FitSpec("logreg", {"C": 1.0}, FEATURES)
    with closing(fold_predictions(spec, X, y, folds, Layout(workers, 1))) as predictions:
        first = next(predictions)
    assert first.shape == (100, 3)
    assert started == [200, 300][:workers]


def test_leaving_the_pool_cancels_the_fits_still_queued():
    with fit_pool(Layout(2, 1)) as pool:
        busy = [pool.submit(time.sleep, 1.0) for _ in range(2)]
        queued = [pool.submit(time.sleep, 1.0) for _ in range(8)]
        time.sleep(0.2)  # both workers asleep in the first two; a few more wait in loky's call queue
    assert queued[-1].cancelled()
    assert not any(f.cancelled() for f in busy)


def test_pruned_trials_stop_and_the_tuning_result_is_the_same_on_one_or_two_workers():
    X, y, folds = _data(n=600, seed=1)
    runs = {
        workers: tune(
            "lightgbm",
            X,
            y,
            folds,
            features=list(FEATURES),
            n_trials=6,
            preset=PRESETS["smoke"],
            seed=0,
            n_jobs=2,
            layout=Layout(workers, 1),
        )  # fmt: skip
        for workers in (1, 2)
    }
    one, two = runs[1], runs[2]
    assert one.best_params == two.best_params and one.cv_logloss == two.cv_logloss
    assert [t.state for t in one.trials] == [t.state for t in two.trials]
    assert [t.fold_logloss for t in one.trials] == [t.fold_logloss for t in two.trials]
