"""Run a pandera schema lazily and condense the outcome into a small report.

Asset checks show the report as metadata (failure counts per check, a sample of the
offending rows); the same report decides whether a raw snapshot may feed the
canonical tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandera.polars as pa
import polars as pl

SAMPLE_ROWS = 10
MAX_TEXT = 300


@dataclass(frozen=True)
class ValidationReport:
    schema: str
    rows: int
    failures: int = 0
    # one entry per (column, check): {"column", "check", "count"}
    by_check: list[dict[str, Any]] = field(default_factory=list)
    # a few offending rows, as dicts of the frame's identifying columns
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failures == 0

    def summary(self) -> str:
        if self.passed:
            return f"{self.schema}: {self.rows} rows valid"
        first = self.by_check[0] if self.by_check else {}
        if first.get("column") == "<file>":  # the file itself was refused: its reason says it all
            return f"{self.schema}: {first.get('example')}"
        worst = ", ".join(f"{c['check']}[{c['column']}]x{c['count']}" for c in self.by_check[:5])
        return f"{self.schema}: {self.failures} failures in {self.rows} rows ({worst})"


def validate(
    schema: pa.DataFrameSchema, frame: pl.DataFrame, sample_columns: list[str] | None = None
) -> ValidationReport:
    """Validate ``frame`` collecting every failure (``lazy=True``), never raising."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _report(schema.name or "schema", frame, exc.failure_cases, sample_columns)
    return ValidationReport(schema=schema.name or "schema", rows=frame.height)


def _report(
    name: str, frame: pl.DataFrame, cases: pl.DataFrame, sample_columns: list[str] | None
) -> ValidationReport:
    cases = cases.with_columns(pl.col("column").fill_null("<table>"))
    by_check = (
        cases.group_by("column", "check")
        .agg(pl.len().alias("count"), pl.col("failure_case").first().str.slice(0, MAX_TEXT).alias("example"))
        .sort("count", "column", descending=[True, False])
        .to_dicts()
    )
    indices = cases["index"].drop_nulls().unique().sort().head(SAMPLE_ROWS).to_list()
    wanted = [c for c in (sample_columns or frame.columns) if c in frame.columns]
    samples = (
        frame.with_row_index("row").filter(pl.col("row").is_in(indices)).select(["row", *wanted]).to_dicts()
        if indices and wanted
        else []
    )
    return ValidationReport(
        schema=name,
        rows=frame.height,
        failures=cases.height,
        by_check=by_check,
        samples=[{k: _plain(v) for k, v in row.items()} for row in samples],
    )


def _plain(value: Any) -> Any:
    """JSON-friendly scalar for metadata."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
