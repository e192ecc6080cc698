"""Data drift of recent feature rows, and prediction drift, against a reference (Evidently).

Evidently picks the statistic per column (up to 1,000 reference rows: Kolmogorov-Smirnov
for numbers, chi-square or Z-test for categories; above: normed Wasserstein distance for
numbers, Jensen-Shannon distance for categories) and decides per column whether it
drifted; the dataset drifts when the share of drifted columns reaches ``drift_share``.
We keep those verdicts as they are and only reshape them: ``score`` is the statistic
(a p-value for tests, where small means drift; a distance otherwise, where large means
drift), and ``p_value`` is set only for tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from evidently import DataDefinition
from evidently.legacy.calculations import stattests
from evidently.presets import DataDriftPreset

from soccer_assets.lib.cards import PROB_COLUMNS
from soccer_assets.lib.monitoring._evidently import EvidentlyOutput, column_types, run

# Evidently reports a statistic by its display name when it chose it, by the short name
# ("ks") when the caller did; we always report the display name.
DISPLAY_NAMES: dict[str, str] = {
    test.name: test.display_name for test in vars(stattests).values() if isinstance(test, stattests.StatTest)
}
# statistics whose score is a p-value (drift when it is small)
P_VALUE_METHODS = frozenset(
    test.display_name
    for test in (
        stattests.ks_stat_test,
        stattests.chi_stat_test,
        stattests.z_stat_test,
        stattests.anderson_darling_test,
        stattests.cramer_von_mises,
        stattests.epps_singleton_test,
        stattests.fisher_exact_test,
        stattests.g_test,
        stattests.mann_whitney_u_stat_test,
        stattests.t_test,
        stattests.empirical_mmd,
        stattests.tvd_test,
    )
)


@dataclass(frozen=True)
class FeatureDrift:
    column: str
    method: str
    threshold: float
    score: float
    drifted: bool

    @property
    def p_value(self) -> float | None:
        return self.score if self.method in P_VALUE_METHODS else None


@dataclass(frozen=True)
class DriftReport:
    features: tuple[FeatureDrift, ...]
    drifted_columns: int
    drift_share: float  # share of compared columns that drifted
    dataset_drift: bool  # drift_share reached the dataset threshold
    dataset_drift_threshold: float
    reference_rows: int
    current_rows: int
    html: str
    json: str

    def feature(self, column: str) -> FeatureDrift:
        for feature in self.features:
            if feature.column == column:
                return feature
        raise KeyError(f"{column!r} was not compared")

    def to_frame(self) -> pl.DataFrame:
        """One row per column: column, method, threshold, score, p_value, drifted."""
        rows = [
            {
                "column": f.column,
                "method": f.method,
                "threshold": f.threshold,
                "score": f.score,
                "p_value": f.p_value,
                "drifted": f.drifted,
            }
            for f in self.features
        ]
        schema = {"column": pl.String, "method": pl.String, "threshold": pl.Float64, "score": pl.Float64}
        return pl.DataFrame(rows, schema=schema | {"p_value": pl.Float64, "drifted": pl.Boolean})

    def summary(self) -> dict[str, Any]:
        """Flat figures for run metadata and the manifest."""
        return {
            "drift_share": self.drift_share,
            "drifted_columns": self.drifted_columns,
            "columns": len(self.features),
            "dataset_drift": self.dataset_drift,
            "dataset_drift_threshold": self.dataset_drift_threshold,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
        }


def _verdicts(result: dict[str, Any]) -> dict[str, bool]:
    """metric id -> failed (Evidently fails a drift test when it detects drift)."""
    return {t["metric_config"]["metric_id"]: t["status"] == "FAIL" for t in result["tests"]}


def _parse(
    output: EvidentlyOutput, drift_share: float, reference_rows: int, current_rows: int
) -> DriftReport:
    failed = _verdicts(output.result)
    features, count = [], None
    for metric in output.result["metrics"]:
        config = metric["config"]
        if config["type"].endswith(":DriftedColumnsCount"):
            count = metric
        elif config["type"].endswith(":ValueDrift"):
            features.append(
                FeatureDrift(
                    column=config["column"],
                    method=DISPLAY_NAMES.get(config["method"], config["method"]),
                    threshold=float(config["threshold"]),
                    score=float(metric["value"]),
                    drifted=failed[metric["id"]],
                )
            )
    if count is None:
        raise RuntimeError("Evidently's drift preset returned no drifted-columns count")
    return DriftReport(
        features=tuple(features),
        drifted_columns=int(count["value"]["count"]),
        drift_share=float(count["value"]["share"]),
        dataset_drift=failed[count["id"]],
        dataset_drift_threshold=drift_share,
        reference_rows=reference_rows,
        current_rows=current_rows,
        html=output.html,
        json=output.json,
    )


def data_drift(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    drift_share: float = 0.5,
    method: str | None = None,
    threshold: float | None = None,
) -> DriftReport:
    """Compare ``columns`` (default: every column of ``reference``) of current vs reference rows.

    ``method``/``threshold`` override Evidently's per-column choice (e.g. ``"ks"``, 0.05).
    """
    columns = list(reference.columns if columns is None else columns)
    missing = sorted(set(columns) - set(current.columns))
    if missing:
        raise ValueError(f"current rows lack columns {missing}")
    if reference.is_empty() or current.is_empty():
        raise ValueError("drift needs reference and current rows")
    numerical, categorical = column_types(reference, columns)
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    preset = DataDriftPreset(columns=columns, drift_share=drift_share, method=method, threshold=threshold)
    output = run([preset], definition, current.select(columns), reference.select(columns))
    return _parse(output, drift_share, reference.height, current.height)


def prediction_drift(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    *,
    drift_share: float = 0.5,
    method: str | None = None,
    threshold: float | None = None,
) -> DriftReport:
    """Drift of the predicted 1X2 probabilities (prob_home/draw/away)."""
    return data_drift(
        reference, current, PROB_COLUMNS, drift_share=drift_share, method=method, threshold=threshold
    )
