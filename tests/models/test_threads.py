"""Native thread pools stay within the one cap, and the cap counts the CPUs the process may use."""

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_info

from soccer_assets.lib.cpus import cgroup_cpu_limit, usable_cpus
from soccer_assets.lib.models.training import fit_final
from soccer_assets.lib.models.tuning import tune
from soccer_assets.lib.models.zoo import PRESETS


def _openmp_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["internal_api"] == "openmp"}


@pytest.fixture
def fits_seen(monkeypatch):
    """Records the OpenMP thread counts in force while HistGradientBoosting fits."""
    seen: list[set[int]] = []
    original = HistGradientBoostingClassifier.fit

    def fit(self, X, y, **kwargs):
        seen.append(_openmp_threads())
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", fit)
    return seen


def _data(n=300, k=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    y = rng.integers(0, 3, size=n)
    return X, y


def test_histgradientboosting_fits_use_the_cap_not_the_hosts_cores(fits_seen):
    assert _openmp_threads() != {1} or usable_cpus() == 1  # the process default is the host's cores
    X, y = _data()
    folds = [(np.arange(0, 150), np.arange(150, 220)), (np.arange(0, 220), np.arange(220, 300))]
    tune("hgb", X, y, folds, features=["a", "b", "c", "d"], n_trials=2, preset=PRESETS["smoke"], n_jobs=1)
    assert fits_seen and all(threads == {1} for threads in fits_seen)


def test_the_final_fit_holds_the_cap_too(fits_seen):
    class Data:
        features = ["a", "b", "c", "d"]

        def xy(self, split):
            return _data(seed={"train": 1, "calibration": 2}[split])

    model = fit_final("hgb", {"max_iter": 10}, Data(), n_jobs=1)
    assert fits_seen == [{1}] and model.family == "hgb"
    assert _openmp_threads() != {1} or usable_cpus() == 1  # restored after the block


@pytest.mark.parametrize(
    ("files", "limit"),
    [
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu.max": "150000 100000\n"}, 1.5),
        ({"cpu.max": "50000 100000\n"}, 0.5),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3.0),
        ({}, None),
    ],
)
def test_cgroup_quota_v1_and_v2(tmp_path, files, limit):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cgroup_cpu_limit(tmp_path) == limit


def test_usable_cpus_is_the_smaller_of_affinity_and_quota(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5, 6, 7})
    assert usable_cpus(tmp_path) == 8  # no cgroup files: the affinity mask
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert usable_cpus(tmp_path) == 2  # a 1.5-CPU limit on an 8-core node: 2 threads, not 8
    (tmp_path / "cpu.max").write_text("20000 100000\n")
    assert usable_cpus(tmp_path) == 1
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {3})
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert usable_cpus(tmp_path) == 1  # pinned to one core
