"""One call from raw bytes to validated canonical rows: read, validate, parse.

A file that fails the raw schema yields no rows at all, only the report: a bad file
must never leak half its content into the canonical tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from soccer_assets.lib.football_data.csv_reader import CsvFormatError, read_raw_csv
from soccer_assets.lib.football_data.parse import parse_fixtures, parse_results
from soccer_assets.lib.schemas.raw import raw_fixtures_schema, raw_results_schema
from soccer_assets.lib.schemas.report import ValidationReport, validate
from soccer_assets.lib.seasons import Season

RAW_SAMPLE_COLUMNS = ["Div", "Date", "HomeTeam", "AwayTeam", "FTHG", "FTAG", "FTR"]


@dataclass(frozen=True)
class LoadedFile:
    report: ValidationReport
    rows: pl.DataFrame | None  # canonical rows, present only when the report passed

    @property
    def ok(self) -> bool:
        return self.rows is not None


def _unreadable(name: str, exc: Exception, check: str = "readable_csv") -> LoadedFile:
    """A file the reader or the parser refused: one failure that says why."""
    report = ValidationReport(
        schema=name,
        rows=0,
        failures=1,
        by_check=[{"column": "<file>", "check": check, "count": 1, "example": str(exc)}],
    )
    return LoadedFile(report=report, rows=None)


def load_results(data: bytes, *, league: str, season: Season) -> LoadedFile:
    """Validated canonical rows of one season results file (``mmz4281/<SSYY>/<DIV>.csv``)."""
    schema_name = f"raw_results_{league}_{season.code}"
    try:
        raw = read_raw_csv(data)
    except CsvFormatError as exc:
        return _unreadable(schema_name, exc)
    report = validate(raw_results_schema(raw.columns, league=league, season=season), raw, RAW_SAMPLE_COLUMNS)
    if not report.passed:
        return LoadedFile(report=report, rows=None)
    try:
        return LoadedFile(report=report, rows=parse_results(raw, season.code))
    except ValueError as exc:
        return _unreadable(schema_name, exc, check="parsable")


def load_fixtures(data: bytes) -> LoadedFile:
    """Validated canonical rows of ``fixtures.csv`` (every division in the file)."""
    try:
        raw = read_raw_csv(data)
    except CsvFormatError as exc:
        return _unreadable("raw_fixtures", exc)
    report = validate(raw_fixtures_schema(raw.columns), raw, RAW_SAMPLE_COLUMNS[:4])
    if not report.passed:
        return LoadedFile(report=report, rows=None)
    try:
        return LoadedFile(report=report, rows=parse_fixtures(raw))
    except ValueError as exc:
        return _unreadable("raw_fixtures", exc, check="parsable")
