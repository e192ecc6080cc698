"""Raw-stage schemas: what a football-data CSV must look like before it is parsed.

They run on the all-string frame from ``csv_reader``, so a malformed cell shows up as
a named failure (column, check, row) rather than a silent null after casting. The
column set differs by era, so schemas are built for the headers a file actually has.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from soccer_assets.lib.football_data.columns import STAT_COLUMNS, odds_header_map
from soccer_assets.lib.football_data.parse import parse_date
from soccer_assets.lib.seasons import Season

DATE_PATTERN = r"^\d{2}/\d{2}/(\d{2}|\d{4})$"
TIME_PATTERN = r"^\d{1,2}:\d{2}$"
COUNT_PATTERN = r"^\d{1,3}$"
# Decimal odds: "2.1", "2.10", "11", and the reserialised "4.0".
ODDS_PATTERN = r"^\d+(\.\d+)?$"
RESULT_CODES = ["H", "D", "A"]


def _count(required: bool, nullable: bool) -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(COUNT_PATTERN), required=required, nullable=nullable)


def _odds_column() -> pa.Column:
    return pa.Column(
        str,
        [
            pa.Check.str_matches(ODDS_PATTERN),
            pa.Check(
                lambda d: d.lazyframe.select(pl.col(d.key).cast(pl.Float64, strict=False) > 1.0),
                name="odds_above_one",
                error="decimal odds must be greater than 1",
            ),
        ],
        required=False,
        nullable=True,
    )


def _identity_columns(league: str | None) -> dict[str, pa.Column]:
    div_checks = [pa.Check.str_matches(r"^[A-Z]{1,4}[0-9]?$")]
    if league is not None:
        div_checks.append(pa.Check.eq(league, error=f"every row must be division {league}"))
    return {
        "Div": pa.Column(str, div_checks, nullable=False),
        "Date": pa.Column(str, pa.Check.str_matches(DATE_PATTERN), nullable=False),
        "Time": pa.Column(str, pa.Check.str_matches(TIME_PATTERN), required=False, nullable=True),
        "HomeTeam": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "AwayTeam": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "Referee": pa.Column(str, required=False, nullable=True),
    }


def _home_is_not_away() -> pa.Check:
    return pa.Check(
        lambda d: d.lazyframe.select(pl.col("HomeTeam") != pl.col("AwayTeam")),
        name="home_differs_from_away",
        error="home and away team must differ",
    )


def _date_is_real() -> pa.Check:
    return pa.Check(
        lambda d: d.lazyframe.select(parse_date("Date").is_not_null()),
        name="date_is_real",
        error="Date must be a real calendar date",
    )


def _date_in_season(season: Season) -> pa.Check:
    lo, hi = season.window()
    return pa.Check(
        lambda d: d.lazyframe.select(parse_date("Date").is_between(lo, hi).fill_null(False)),
        name="kickoff_in_season",
        error=f"kickoff date must be a real date within season {season.label} ({lo}..{hi})",
    )


def _result_matches_goals() -> pa.Check:
    def check(d: pa.PolarsData) -> pl.LazyFrame:
        hg, ag = pl.col("FTHG").cast(pl.Int32, strict=False), pl.col("FTAG").cast(pl.Int32, strict=False)
        expected = pl.when(hg > ag).then(pl.lit("H")).when(hg < ag).then(pl.lit("A")).otherwise(pl.lit("D"))
        return d.lazyframe.select((pl.col("FTR") == expected).fill_null(False))

    return pa.Check(check, name="result_matches_goals", error="FTR must agree with FTHG/FTAG")


def raw_results_schema(headers: list[str], *, league: str, season: Season) -> pa.DataFrameSchema:
    """Schema for one season results file of ``league`` (e.g. ``mmz4281/2324/E0.csv``)."""
    columns = _identity_columns(league) | {
        "FTHG": _count(True, False),
        "FTAG": _count(True, False),
        "FTR": pa.Column(str, pa.Check.isin(RESULT_CODES), nullable=False),
        "HTHG": _count(False, True),
        "HTAG": _count(False, True),
        "HTR": pa.Column(str, pa.Check.isin(RESULT_CODES), required=False, nullable=True),
    }
    columns |= {h: _count(False, True) for h in STAT_COLUMNS}
    columns |= {h: _odds_column() for h in odds_header_map(headers)}
    return pa.DataFrameSchema(
        columns,
        checks=[_home_is_not_away(), _date_in_season(season), _result_matches_goals()],
        unique=["Date", "HomeTeam", "AwayTeam"],
        name=f"raw_results_{league}_{season.code}",
    )


def raw_fixtures_schema(headers: list[str]) -> pa.DataFrameSchema:
    """Schema for ``fixtures.csv`` (all divisions, upcoming matches, no results)."""
    columns = _identity_columns(None) | {h: _odds_column() for h in odds_header_map(headers)}
    return pa.DataFrameSchema(
        columns,
        checks=[_home_is_not_away(), _date_is_real()],
        unique=["Div", "Date", "HomeTeam", "AwayTeam"],
        name="raw_fixtures",
    )
