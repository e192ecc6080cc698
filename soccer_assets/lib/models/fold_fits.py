"""Independent fits (the CV folds of a trial; the holdout and serving models and the
out-of-fold fits of their blend) side by side in worker processes, one native thread each.

On this platform's data the OpenMP pools of the tree libraries cost more than they save:
with waiting threads asleep every parallel region pays a wake-up, and a fit of about
10,000 rows has many small ones. Measured on the demo's 9,476 training rows (three CV
folds of 200 iterations, 2-CPU machine): HistGradientBoosting 28.7 s on two threads per
fit, 11.2 s on one, 8.3 s on one thread per fit in two worker processes (LightGBM 14.8 /
6.2 / 4.3 s, XGBoost 7.8 / 6.1 / 4.2 s). Threads instead of processes serialise on the GIL
of HistGradientBoosting's Python loop (15.5 s). So the CPUs a process may use run fits,
not threads of one fit.

Workers come from loky's reusable pool: started once per process, reused by every trial,
gone after five idle minutes. The results are those of the same fits run one after the
other (each fit is seeded and single-threaded).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from soccer_assets.lib.models.threads import native_threads
from soccer_assets.lib.models.zoo import family

IDLE_WORKER_SECONDS = 300


@dataclass(frozen=True)
class FitSpec:
    """One configuration to fit: the family, its parameters, the feature names, the seed."""

    family: str
    params: dict[str, Any]
    features: tuple[str, ...]
    seed: int = 0

    def estimator(self, threads: int) -> Any:
        return family(self.family).estimator(self.params, list(self.features), self.seed, threads)


@dataclass(frozen=True)
class Layout:
    """How ``tasks`` fits share ``n_jobs`` CPUs: ``workers`` processes of ``threads`` each."""

    workers: int
    threads: int

    @classmethod
    def for_cpus(cls, n_jobs: int, tasks: int) -> Layout:
        workers = max(1, min(int(n_jobs), int(tasks)))
        return cls(workers, max(1, int(n_jobs) // workers))

    @classmethod
    def one_fit_at_a_time(cls, n_jobs: int) -> Layout:
        """Every CPU on the threads of one fit (what the platform did before; for benchmarks)."""
        return cls(1, max(1, int(n_jobs)))


def fit_estimator(spec: FitSpec, threads: int, X_fit: np.ndarray, y_fit: np.ndarray) -> Any:
    with native_threads(threads):
        estimator = spec.estimator(threads)
        estimator.fit(X_fit, y_fit)
        return estimator


def fit_predict(
    spec: FitSpec, threads: int, X_fit: np.ndarray, y_fit: np.ndarray, X_eval: np.ndarray
) -> np.ndarray:
    estimator = fit_estimator(spec, threads, X_fit, y_fit)
    with native_threads(threads):
        return np.asarray(estimator.predict_proba(X_eval), dtype=np.float64)


class _InProcess:
    @staticmethod
    def submit(fn: Any, *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # raised by result(), as from a worker
            future.set_exception(exc)
        return future


@contextmanager
def fit_pool(layout: Layout) -> Iterator[Any]:
    """``submit(fn, *args) -> Future``: in loky workers when the layout has several, else
    at once in this process. Futures still queued when the block ends (on an error) are
    cancelled; a running fit finishes in its worker."""
    if layout.workers == 1:
        yield _InProcess()
        return
    from loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=layout.workers, timeout=IDLE_WORKER_SECONDS)
    futures: list[Future] = []

    class _Pooled:
        def submit(self, fn: Any, *args: Any) -> Future:
            future = executor.submit(fn, *args)
            futures.append(future)
            return future

    try:
        yield _Pooled()
    finally:
        for future in futures:
            future.cancel()


def fold_predictions(
    spec: FitSpec,
    X: np.ndarray,
    y: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    layout: Layout,
) -> Iterator[np.ndarray]:
    """Each fold's validation probabilities, in fold order, as they are asked for.

    ``layout.workers`` folds are in flight at a time; the next one starts when a result is
    asked for, so a caller that stops early (``contextlib.closing``, a pruned trial) never
    starts the folds after it. A pool's queue cannot take a started fit back.
    """
    with fit_pool(layout) as pool:
        waiting = iter(folds)

        def start() -> Future | None:
            fold = next(waiting, None)
            if fold is None:
                return None
            fit_rows, eval_rows = fold
            return pool.submit(fit_predict, spec, layout.threads, X[fit_rows], y[fit_rows], X[eval_rows])

        in_flight = deque(f for f in (start() for _ in range(layout.workers)) if f is not None)
        while in_flight:
            probabilities = in_flight.popleft().result()
            yield probabilities
            following = start()
            if following is not None:
                in_flight.append(following)
