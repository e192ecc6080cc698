"""One cap for every native thread pool a fit or a prediction starts.

XGBoost and LightGBM take ``n_jobs``; scikit-learn's HistGradientBoosting and the BLAS under
the logistic regression take nothing and start one OpenMP/BLAS thread per core of the host.
On a busy 2-core machine that turned a 17 s HistGradientBoosting fit into 290 s. The training
code enters :func:`native_threads` around its fits, so the cap holds without anyone having
to export ``OMP_NUM_THREADS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits


def _load_native_libraries() -> None:
    """threadpoolctl limits only the libraries already loaded: load the OpenMP runtimes first."""
    import lightgbm  # noqa: F401 - links its own OpenMP runtime
    import sklearn.ensemble  # noqa: F401 - HistGradientBoosting's OpenMP
    import sklearn.utils._openmp_helpers  # noqa: F401


@contextmanager
def native_threads(n: int) -> Iterator[None]:
    """Cap OpenMP and BLAS thread pools at ``n`` threads for the duration of the block."""
    _load_native_libraries()
    with threadpool_limits(limits=max(1, int(n))):
        yield
