"""Drift reports on real Premier League rows: shifted data drifts, a fresh sample does not."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from soccer_assets.lib import devig
from soccer_assets.lib.monitoring.drift import DriftReport, data_drift, prediction_drift
from tests.real_matches import real_matches

SEASONS = ("1819", "1920", "2021", "2122", "2223", "2324")
SHOTS = ["home_shots", "away_shots", "home_shots_on_target", "away_shots_on_target"]


@pytest.fixture(scope="module")
def features() -> pl.DataFrame:
    """Feature-like columns of 2,280 real E0 matches: match stats and market-implied odds."""
    matches = real_matches("E0", SEASONS)
    return matches.select(
        *[pl.col(c).cast(pl.Float64) for c in [*SHOTS, "home_corners", "away_corners"]],
        implied_home=1 / pl.col("pre_avg_home"),
        implied_away=1 / pl.col("pre_avg_away"),
    )


@pytest.fixture(scope="module")
def market_probs() -> pl.DataFrame:
    matches = real_matches("E0", SEASONS)
    probs = devig.multiplicative(matches.select("pre_avg_home", "pre_avg_draw", "pre_avg_away").to_numpy())
    return pl.DataFrame(probs, schema=["prob_home", "prob_draw", "prob_away"], orient="row")


def split(
    frame: pl.DataFrame, n_reference: int, n_current: int, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two disjoint random samples of the same rows, hence of the same distribution."""
    order = np.random.default_rng(seed).permutation(frame.height)
    return frame[order[:n_reference]], frame[order[n_reference : n_reference + n_current]]


def shifted(frame: pl.DataFrame) -> pl.DataFrame:
    """More shots everywhere, and home sides priced shorter: five of eight columns move."""
    return frame.with_columns(*[pl.col(c) * 1.4 for c in SHOTS], implied_home=pl.col("implied_home") + 0.1)


@pytest.mark.parametrize("seed", range(4))
def test_a_fresh_sample_of_the_same_matches_does_not_drift(features, seed):
    reference, current = split(features, 600, 300, seed)
    report = data_drift(reference, current)
    assert not report.dataset_drift
    assert report.drift_share < 0.5 and report.drifted_columns == sum(f.drifted for f in report.features)
    assert {f.method for f in report.features} == {"K-S p_value"}  # Evidently's choice for small samples


def test_shifted_rows_drift_and_the_report_says_where(features):
    reference, current = split(features, 600, 300, seed=0)
    report = data_drift(reference, shifted(current))
    assert report.dataset_drift
    assert report.drifted_columns >= 5 and report.drift_share == report.drifted_columns / 8
    for column in [*SHOTS, "implied_home"]:
        feature = report.feature(column)
        assert feature.drifted and feature.p_value == feature.score < feature.threshold == 0.05
    frame = report.to_frame()
    assert frame.columns == ["column", "method", "threshold", "score", "p_value", "drifted"]
    assert frame.height == 8 and frame["drifted"].sum() == report.drifted_columns
    assert (report.reference_rows, report.current_rows) == (600, 300)


def test_large_samples_use_a_distance_and_still_tell_drift_apart(features):
    reference, current = split(features, 1500, 700, seed=1)
    calm, moved = data_drift(reference, current), data_drift(reference, shifted(current))
    assert {f.method for f in calm.features} == {"Wasserstein distance (normed)"}
    assert all(f.p_value is None for f in calm.features)
    assert not calm.dataset_drift and moved.dataset_drift
    assert all(moved.feature(c).score > calm.feature(c).score for c in SHOTS)


def test_the_statistic_and_threshold_can_be_chosen(features):
    reference, current = split(features, 1500, 700, seed=2)
    report = data_drift(reference, current, ["home_shots"], method="ks", threshold=0.01)
    assert [(f.column, f.method, f.threshold) for f in report.features] == [
        ("home_shots", "K-S p_value", 0.01)
    ]
    assert report.features[0].p_value == report.features[0].score


def test_html_json_and_summary_are_kept(features):
    reference, current = split(features, 300, 200, seed=3)
    report: DriftReport = data_drift(reference, current, ["home_shots", "implied_home"])
    assert report.html.lstrip().lower().startswith("<!doctype html") or "<html" in report.html[:500].lower()
    document = json.loads(report.json)
    assert {m["config"]["column"] for m in document["metrics"] if "column" in m["config"]} == {
        "home_shots",
        "implied_home",
    }
    assert report.summary() == {
        "drift_share": report.drift_share,
        "drifted_columns": report.drifted_columns,
        "columns": 2,
        "dataset_drift": report.dataset_drift,
        "dataset_drift_threshold": 0.5,
        "reference_rows": 300,
        "current_rows": 200,
    }


def test_prediction_drift_on_real_market_probabilities(market_probs):
    reference, current = split(market_probs, 800, 300, seed=0)
    assert not prediction_drift(reference, current).dataset_drift
    # a model that suddenly favours home sides: home probability up by half, renormalised
    raised = current.with_columns(prob_home=pl.col("prob_home") * 1.5)
    total = raised["prob_home"] + raised["prob_draw"] + raised["prob_away"]
    biased = raised.select(pl.all() / total)
    report = prediction_drift(reference, biased)
    assert report.dataset_drift and report.feature("prob_home").drifted
    assert [f.column for f in report.features] == ["prob_home", "prob_draw", "prob_away"]


def test_categorical_columns_are_compared_too():
    rng = np.random.default_rng(0)
    reference = pl.DataFrame({"result": rng.choice(["H", "D", "A"], 600, p=[0.46, 0.25, 0.29])})
    same = pl.DataFrame({"result": rng.choice(["H", "D", "A"], 300, p=[0.46, 0.25, 0.29])})
    home_heavy = pl.DataFrame({"result": rng.choice(["H", "D", "A"], 300, p=[0.70, 0.15, 0.15])})
    assert not data_drift(reference, same).feature("result").drifted
    assert data_drift(reference, home_heavy).feature("result").drifted


def test_bad_inputs_are_refused(features):
    with pytest.raises(ValueError, match="lack columns"):
        data_drift(features, features.drop("home_shots"))
    with pytest.raises(ValueError, match="needs reference and current rows"):
        data_drift(features, features.clear())
    dated = real_matches("E0", SEASONS).select("kickoff_date")
    with pytest.raises(TypeError, match="kickoff_date"):
        data_drift(dated, dated)
