"""The Prometheus textfile: parsed back with prometheus_client's own parser, written atomically."""

from __future__ import annotations

import datetime as dt
import threading

import polars as pl
import pytest
from prometheus_client.parser import text_string_to_metric_families

from soccer_assets.lib.monitoring.drift import DriftReport, FeatureDrift
from soccer_assets.lib.monitoring.prometheus import build_registry, render, write_textfile
from soccer_assets.lib.monitoring.quality import quality_table
from tests.unit.quality_rows import ROWS

GENERATED = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)


def drift_report(share: float, features: tuple[FeatureDrift, ...]) -> DriftReport:
    drifted = sum(f.drifted for f in features)
    return DriftReport(features, drifted, share, share >= 0.5, 0.5, 600, 300, "<html/>", "{}")


FEATURES = drift_report(
    0.5,
    (
        FeatureDrift("home_shots", "K-S p_value", 0.05, 0.001, True),
        FeatureDrift("home_elo", "K-S p_value", 0.05, 0.4, False),
    ),
)
PREDICTIONS = drift_report(
    0.0, (FeatureDrift("prob_home", "Wasserstein distance (normed)", 0.1, 0.02, False),)
)


def samples(text: bytes) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text.decode())
        for sample in family.samples
    }


def test_quality_drift_and_model_figures_parse_back():
    quality = quality_table(ROWS, recent=2)
    registry = build_registry(
        quality=quality,
        drift={"features": FEATURES, "predictions": PREDICTIONS},
        model={"name": "soccer-1x2", "version": "7", "alias": "champion"},
        generated_at=GENERATED,
    )
    parsed = samples(render(registry))
    for row in quality.iter_rows(named=True):
        labels = (("group", row["group"]), ("scope", row["scope"]))
        assert parsed[("soccer_prediction_matches", labels)] == row["matches"]
        for metric in ("logloss", "rps", "brier", "ece", "accuracy"):
            assert parsed[(f"soccer_prediction_{metric}", labels)] == pytest.approx(row[metric])
    assert parsed[("soccer_drift_share", (("kind", "features"),))] == 0.5
    assert parsed[("soccer_drift_detected", (("kind", "features"),))] == 1
    assert parsed[("soccer_drift_detected", (("kind", "predictions"),))] == 0
    score_labels = (("column", "home_shots"), ("kind", "features"), ("method", "K-S p_value"))
    assert parsed[("soccer_drift_column_score", score_labels)] == 0.001
    assert parsed[("soccer_drift_column_drifted", (("column", "home_elo"), ("kind", "features")))] == 0
    model = (("alias", "champion"), ("name", "soccer-1x2"), ("version", "7"))
    assert parsed[("soccer_model_info", model)] == 1
    assert parsed[("soccer_monitoring_generated_timestamp_seconds", ())] == GENERATED.timestamp()


def test_missing_figures_are_left_out_rather_than_exported_as_nan():
    quality = quality_table(ROWS).with_columns(ece=pl.lit(float("nan")), rps=pl.lit(None, pl.Float64))
    names = {name for name, _ in samples(render(build_registry(quality=quality)))}
    assert "soccer_prediction_logloss" in names
    assert "soccer_prediction_ece" not in names and "soccer_prediction_rps" not in names


def test_the_textfile_is_replaced_atomically(tmp_path):
    path = tmp_path / "soccer_quality.prom"
    registries = [
        build_registry(quality=quality_table(ROWS.head(n)), generated_at=GENERATED) for n in (1, 2, 3, 4)
    ]
    expected = {render(r) for r in registries}
    write_textfile(path, registries[0])
    seen: set[bytes] = set()
    stop = threading.Event()

    def read_forever() -> None:
        while not stop.is_set():
            seen.add(path.read_bytes())

    reader = threading.Thread(target=read_forever)
    reader.start()
    try:
        for i in range(300):
            write_textfile(path, registries[i % 4])
    finally:
        stop.set()
        reader.join()
    assert seen <= expected and len(seen) >= 2  # only whole files, and the reader saw them change
    assert [p.name for p in tmp_path.iterdir()] == ["soccer_quality.prom"]  # no temp files left


def test_only_prom_files_are_written(tmp_path):
    with pytest.raises(ValueError, match=r"\*\.prom"):
        write_textfile(tmp_path / "quality.txt", build_registry())
