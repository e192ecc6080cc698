"""Drift per league: which leagues' recent feature rows no longer look like their training rows.

Evidently's report (``drift.py``) compares all leagues pooled; a shift in one league (a
new ball, a rule change, a promoted club that dominates) can hide there. Here every
league's recent rows are compared with that league's own reference rows, feature by
feature, with a two-sample Kolmogorov-Smirnov test (Evidently's own choice for numeric
columns of this size). A feature drifts when its p-value is below ``p_threshold``; the
league's drift share is the share of compared features that drifted. Features with too
few values on either side are not compared rather than guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy.stats import ks_2samp

LEAGUE_DRIFT_SCHEMA: dict[str, pl.DataType] = {
    "league": pl.String(),
    "reference_rows": pl.Int64(),
    "current_rows": pl.Int64(),
    "columns": pl.Int64(),
    "drifted_columns": pl.Int64(),
    "drift_share": pl.Float64(),
    "most_drifted": pl.String(),
    "most_drifted_p_value": pl.Float64(),
}


def _values(frame: pl.DataFrame, column: str) -> np.ndarray:
    values = frame[column].cast(pl.Float64).to_numpy()
    return values[np.isfinite(values)]


def league_drift(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    columns: Sequence[str],
    *,
    p_threshold: float = 0.05,
    min_rows: int = 30,
) -> pl.DataFrame:
    """One row per league present in both frames (``LEAGUE_DRIFT_SCHEMA``), sorted by league."""
    rows = []
    leagues = sorted(set(reference["league"].unique().to_list()) & set(current["league"].unique().to_list()))
    for league in leagues:
        ref = reference.filter(pl.col("league") == league)
        cur = current.filter(pl.col("league") == league)
        p_values: dict[str, float] = {}
        for column in columns:
            a, b = _values(ref, column), _values(cur, column)
            if len(a) >= min_rows and len(b) >= min_rows and (np.ptp(a) > 0 or np.ptp(b) > 0):
                p_values[column] = float(ks_2samp(a, b).pvalue)
        drifted = sum(p < p_threshold for p in p_values.values())
        worst = min(p_values, key=p_values.__getitem__) if p_values else None
        rows.append(
            {
                "league": league,
                "reference_rows": ref.height,
                "current_rows": cur.height,
                "columns": len(p_values),
                "drifted_columns": drifted,
                "drift_share": drifted / len(p_values) if p_values else None,
                "most_drifted": worst,
                "most_drifted_p_value": p_values[worst] if worst else None,
            }
        )
    return pl.DataFrame(rows, schema=LEAGUE_DRIFT_SCHEMA)
