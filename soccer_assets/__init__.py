"""Dagster code location of the soccer prediction platform (see definitions.py)."""

import os

# OpenMP threads (scikit-learn, LightGBM, XGBoost) that wait at a barrier spin on the CPU by
# default. Beside any other busy process a two-thread HistGradientBoosting fit then took 54 s
# instead of 7 s here (bench/threads.py). Waiting threads should sleep. The runtime reads this
# when it is first loaded, which is after this package is imported; an explicit value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
