"""No leakage: editing or deleting matches after kickoff T never changes features at or before T."""

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soccer_assets.lib.features.build import build_match_features
from tests.models.conftest import load_matches

_CACHE: dict[str, pl.DataFrame] = {}


# the weekly-refitted goal model and market strengths are among the features checked
REFITTED = (
    "f_dc_prob_home",
    "f_dc_xg_away",
    "f_home_dc_attack",
    "f_away_mkt_strength",
    "f_mkt_implied_supremacy",
)


def _matches(football_data_dir) -> pl.DataFrame:
    if "m" not in _CACHE:
        _CACHE["m"] = load_matches(football_data_dir, [("E0", "2223"), ("E0", "2324"), ("F1", "2324")])
        _CACHE["base"] = build_match_features(_CACHE["m"])
        assert all(_CACHE["base"][c].drop_nulls().len() > 0.8 * _CACHE["base"].height for c in REFITTED)
    return _CACHE["m"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.floats(0.05, 0.95),
    action=st.sampled_from(["delete", "flip_results", "inflate_stats", "change_odds"]),
    share=st.floats(0.1, 1.0),
    seed=st.integers(0, 10_000),
)
def test_the_future_never_changes_the_past(football_data_dir, cut, action, share, seed):
    matches = _matches(football_data_dir)
    base = _CACHE["base"]
    dates = matches["kickoff_date"].unique().sort()
    t = dates[int(cut * (len(dates) - 1))]
    future = matches.filter(pl.col("kickoff_date") > t).sample(fraction=share, seed=seed)["match_id"]
    hit = pl.col("match_id").is_in(future.implode())
    if action == "delete":
        edited = matches.filter(~hit)
    elif action == "flip_results":
        edited = matches.with_columns(
            pl.when(hit).then(pl.col("away_goals")).otherwise(pl.col("home_goals")).alias("home_goals"),
            pl.when(hit).then(pl.col("home_goals")).otherwise(pl.col("away_goals")).alias("away_goals"),
            pl.when(hit & (pl.col("result") == "H"))
            .then(pl.lit("A"))
            .when(hit & (pl.col("result") == "A"))
            .then(pl.lit("H"))
            .otherwise(pl.col("result"))
            .alias("result"),
        )
    elif action == "inflate_stats":
        edited = matches.with_columns(
            pl.when(hit).then(pl.col(c) * 3).otherwise(pl.col(c)).alias(c)
            for c in ("home_shots", "away_shots", "home_corners", "away_yellow_cards")
        )
    else:
        edited = matches.with_columns(
            pl.when(hit).then(pl.col(c) * 1.7).otherwise(pl.col(c)).alias(c)
            for c in ("pre_avg_home", "pre_avg_away")
        )
    rebuilt = build_match_features(edited)
    past = pl.col("kickoff_date") <= t
    assert rebuilt.filter(past).equals(base.filter(past))
