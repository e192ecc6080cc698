"""The walk-forward evaluation behind bench/model_quality.py, on real seasons (smoke preset)."""

import pytest

from soccer_assets.lib.models.zoo import Preset
from soccer_assets.lib.walkforward import WalkForwardConfig, walk_forward

from .conftest import load_matches

CONFIG = WalkForwardConfig(preset=Preset.named("smoke"), n_trials=2, families=("logreg",))


@pytest.fixture(scope="module")
def two_leagues(football_data_dir):
    seasons = ("2122", "2223", "2324")
    return load_matches(
        football_data_dir, [("E0", "2021"), *((lg, s) for lg in ("E0", "D1") for s in seasons)]
    )


def test_one_league_per_league_blend_is_the_global_blend(two_leagues):
    """Fitted on the same rows (calibration slice and out-of-fold rows), one league's own
    weights are the weights of all leagues, and so are its forecasts."""
    (row,) = walk_forward(two_leagues.filter(two_leagues["league"] == "E0"), ["2324"], CONFIG)
    assert (row["league"], row["season"], row["n"]) == ("E0", "2324", 380)
    assert row["league_blend"]["model_weight"] == pytest.approx(row["blend"]["model_weight"], abs=1e-9)
    assert row["league_blend"]["market_weight"] == pytest.approx(row["blend"]["market_weight"], abs=1e-9)
    assert row["model_league_blend"]["logloss"] == pytest.approx(row["model"]["logloss"], abs=1e-9)


def test_every_league_of_the_test_season_gets_its_own_weights(two_leagues):
    rows = walk_forward(two_leagues, ["2324"], CONFIG)
    assert sorted((r["league"], r["n"]) for r in rows) == [("D1", 306), ("E0", 380)]
    weights = {
        r["league"]: (r["league_blend"]["model_weight"], r["league_blend"]["market_weight"]) for r in rows
    }
    assert weights["D1"] != weights["E0"]
    for row in rows:
        assert 0.85 < row["model_league_blend"]["logloss"] < 1.05  # real 1X2 forecasts, not degenerate ones
        assert abs(row["model_league_blend"]["logloss"] - row["market_pre"]["logloss"]) < 0.03
        # a temperature per league, from the same rows (the smoke model is poor: it softens it a lot)
        assert 0.25 <= row["league_temperature"] <= 4.0
        assert 0.85 < row["model_league_temperature"]["logloss"] < 1.1
