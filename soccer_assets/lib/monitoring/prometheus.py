"""Quality and drift figures as a Prometheus textfile for node-exporter's textfile collector.

The collector reads every ``*.prom`` file in its folder at each scrape, so a file must
never be seen half-written: ``write_textfile`` writes a temporary file beside the target
and renames it (prometheus_client's ``write_to_textfile``). Series:

- ``soccer_prediction_<metric>{scope, group}`` for logloss, rps, brier, ece, accuracy,
  and ``soccer_prediction_matches{scope, group}`` (rows of ``quality.quality_table``; a
  table from ``quality.quality_beside_market`` adds a ``source`` label, model or market);
- ``soccer_drift_share{kind}``, ``soccer_drift_detected{kind}`` per drift report, and
  ``soccer_drift_column_score{kind, column, method}``, ``soccer_drift_column_drifted{kind, column}``;
- ``soccer_model_info{name, version, alias, ...} 1`` and ``soccer_monitoring_generated_timestamp_seconds``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl
from prometheus_client import CollectorRegistry, Gauge, Info, generate_latest, write_to_textfile

from soccer_assets.lib.monitoring.quality import METRICS

if TYPE_CHECKING:
    from soccer_assets.lib.monitoring.drift import DriftReport

PREFIX = "soccer"


def _add_quality(registry: CollectorRegistry, quality: pl.DataFrame) -> None:
    labels = ["source", "scope", "group"] if "source" in quality.columns else ["scope", "group"]
    gauges = {
        name: Gauge(
            f"{PREFIX}_prediction_{name}",
            f"{name} of 1X2 predictions on finished matches",
            labels,
            registry=registry,
        )
        for name in METRICS
    }
    matches = Gauge(f"{PREFIX}_prediction_matches", "finished matches scored", labels, registry=registry)
    for row in quality.iter_rows(named=True):
        values = [row[label] for label in labels]
        matches.labels(*values).set(row["matches"])
        for name, gauge in gauges.items():
            if row[name] is not None and not math.isnan(row[name]):
                gauge.labels(*values).set(row[name])


def _add_drift(registry: CollectorRegistry, reports: Mapping[str, DriftReport]) -> None:
    share = Gauge(f"{PREFIX}_drift_share", "share of drifted columns", ["kind"], registry=registry)
    detected = Gauge(f"{PREFIX}_drift_detected", "1 if the dataset drifted", ["kind"], registry=registry)
    score = Gauge(
        f"{PREFIX}_drift_column_score",
        "drift statistic per column (p-value for tests, distance otherwise)",
        ["kind", "column", "method"],
        registry=registry,
    )
    drifted = Gauge(
        f"{PREFIX}_drift_column_drifted", "1 if the column drifted", ["kind", "column"], registry=registry
    )
    for kind, report in reports.items():
        share.labels(kind).set(report.drift_share)
        detected.labels(kind).set(int(report.dataset_drift))
        for feature in report.features:
            score.labels(kind, feature.column, feature.method).set(feature.score)
            drifted.labels(kind, feature.column).set(int(feature.drifted))


def build_registry(
    *,
    quality: pl.DataFrame | None = None,
    drift: Mapping[str, DriftReport] | None = None,
    model: Mapping[str, str] | None = None,
    generated_at: dt.datetime | None = None,
) -> CollectorRegistry:
    """A fresh registry with the given figures; ``drift`` maps a kind ("features",
    "predictions") to its report."""
    registry = CollectorRegistry()
    if quality is not None:
        _add_quality(registry, quality)
    if drift:
        _add_drift(registry, drift)
    if model:
        Info(f"{PREFIX}_model", "model whose predictions are monitored", registry=registry).info(
            {key: str(value) for key, value in model.items()}
        )
    moment = generated_at or dt.datetime.now(dt.UTC)
    Gauge(
        f"{PREFIX}_monitoring_generated_timestamp_seconds",
        "when these figures were computed",
        registry=registry,
    ).set(moment.timestamp())
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The Prometheus text exposition format of ``registry``."""
    return generate_latest(registry)


def write_textfile(path: str | os.PathLike[str], registry: CollectorRegistry) -> None:
    """Write atomically (temp file + rename); node-exporter only reads names ending in ``.prom``."""
    path = os.fspath(path)
    if not path.endswith(".prom"):
        raise ValueError(f"{path}: node-exporter's textfile collector only reads *.prom files")
    write_to_textfile(path, registry)
