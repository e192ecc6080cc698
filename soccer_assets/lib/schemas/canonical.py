"""Schemas of the canonical tables: ``matches`` (finished) and ``fixtures`` (future).

These are the contract every downstream asset relies on: typed columns, one row per
``match_id``, results consistent with goals, kickoffs inside their season, odds > 1.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from soccer_assets.lib.football_data.columns import closing_odds_columns, pre_match_odds_columns
from soccer_assets.lib.football_data.parse import STAT_OUTPUT
from soccer_assets.lib.seasons import in_window_expr

MAX_GOALS = 20
MAX_STAT = 200
RESULT_CODES = ["H", "D", "A"]


def _key_columns() -> dict[str, pa.Column]:
    return {
        "match_id": pa.Column(str, nullable=False, unique=True),
        "league": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{1,4}[0-9]?$"), nullable=False),
        "season": pa.Column(str, pa.Check.str_matches(r"^\d{4}$"), nullable=False),
        "kickoff_date": pa.Column(pl.Date, nullable=False),
        "kickoff_time_local": pa.Column(pl.Time, nullable=True),
        "kickoff_utc": pa.Column(pl.Datetime("us", "UTC"), nullable=True),
        "home_team": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "away_team": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "referee": pa.Column(str, nullable=True),
    }


def _odds(columns: list[str]) -> dict[str, pa.Column]:
    return {c: pa.Column(pl.Float64, pa.Check.gt(1.0), nullable=True) for c in columns}


def _goals(nullable: bool) -> pa.Column:
    return pa.Column(pl.Int16, pa.Check.in_range(0, MAX_GOALS), nullable=nullable)


def _checks_common() -> list[pa.Check]:
    return [
        pa.Check(
            lambda d: d.lazyframe.select(pl.col("home_team") != pl.col("away_team")),
            name="home_differs_from_away",
        ),
        pa.Check(
            lambda d: d.lazyframe.select(in_window_expr("kickoff_date")),
            name="kickoff_in_season",
            error="kickoff_date must fall inside the season window (1 July .. 31 August)",
        ),
    ]


def _result_consistent() -> pa.Check:
    def check(d: pa.PolarsData) -> pl.LazyFrame:
        hg, ag = pl.col("home_goals"), pl.col("away_goals")
        expected = pl.when(hg > ag).then(pl.lit("H")).when(hg < ag).then(pl.lit("A")).otherwise(pl.lit("D"))
        ht_hg, ht_ag = pl.col("ht_home_goals"), pl.col("ht_away_goals")
        ht_expected = (
            pl.when(ht_hg > ht_ag)
            .then(pl.lit("H"))
            .when(ht_hg < ht_ag)
            .then(pl.lit("A"))
            .otherwise(pl.lit("D"))
        )
        ht_ok = pl.col("ht_result").is_null() | ht_hg.is_null() | (pl.col("ht_result") == ht_expected)
        ht_le_ft = ht_hg.is_null() | ((ht_hg <= hg) & (ht_ag <= ag))
        return d.lazyframe.select((pl.col("result") == expected) & ht_ok & ht_le_ft)

    return pa.Check(
        check,
        name="result_consistent_with_goals",
        error="result must follow from goals; half-time goals cannot exceed full-time goals",
    )


def matches_schema() -> pa.DataFrameSchema:
    columns = _key_columns() | {
        "home_goals": _goals(False),
        "away_goals": _goals(False),
        "result": pa.Column(str, pa.Check.isin(RESULT_CODES), nullable=False),
        "ht_home_goals": _goals(True),
        "ht_away_goals": _goals(True),
        "ht_result": pa.Column(str, pa.Check.isin(RESULT_CODES), nullable=True),
    }
    columns |= {c: pa.Column(pl.Int16, pa.Check.in_range(0, MAX_STAT), nullable=True) for c in STAT_OUTPUT}
    columns |= _odds(pre_match_odds_columns() + closing_odds_columns())
    return pa.DataFrameSchema(
        columns,
        checks=[*_checks_common(), _result_consistent()],
        unique=["league", "kickoff_date", "home_team", "away_team"],
        strict=False,
        name="matches",
    )


def fixtures_schema() -> pa.DataFrameSchema:
    columns = _key_columns() | _odds(pre_match_odds_columns())
    return pa.DataFrameSchema(
        columns,
        checks=_checks_common(),
        unique=["league", "kickoff_date", "home_team", "away_team"],
        strict=False,
        name="fixtures",
    )


def shots_on_target_anomalies(matches: pl.DataFrame) -> pl.DataFrame:
    """Rows claiming more shots on target than shots.

    Real files contain the odd such row (E0 2021/22 has one), so this is a warning for
    a human, not a reason to block the pipeline.
    """
    bad = (pl.col("home_shots_on_target") > pl.col("home_shots")) | (
        pl.col("away_shots_on_target") > pl.col("away_shots")
    )
    return matches.filter(bad.fill_null(False))
