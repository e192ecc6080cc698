"""Helpers that turn domain results into Dagster metadata (markdown tables, check results)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dagster as dg
import polars as pl

from soccer_assets.lib.schemas.report import ValidationReport


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    if not rows:
        return "_(none)_"
    columns = list(columns or rows[0].keys())
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [_cell(row.get(c)) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def frame_markdown(frame: pl.DataFrame, limit: int = 50) -> dg.MetadataValue:
    return dg.MetadataValue.md(markdown_table(frame.head(limit).to_dicts(), frame.columns))


def table_schema(frame: pl.DataFrame) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()])


def check_result(
    report: ValidationReport,
    *,
    extra: Mapping[str, Any] | None = None,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    suffix: str = "",
) -> dg.AssetCheckResult:
    """An asset check result carrying failure counts per check and sample rows (``suffix``
    ends a failure's one-line description)."""
    metadata: dict[str, Any] = {
        "rows": report.rows,
        "failures": report.failures,
        "summary": report.summary(),
    }
    if not report.passed:
        metadata["failures_by_check"] = dg.MetadataValue.md(
            markdown_table(report.by_check, ["column", "check", "count", "example"])
        )
        metadata["sample_rows"] = dg.MetadataValue.json(report.samples)
    metadata.update(extra or {})
    return dg.AssetCheckResult(
        passed=report.passed,
        severity=severity,
        metadata=metadata,
        description=None if report.passed else report.summary() + suffix,
    )


def join_keys(keys: Iterable[str]) -> str:
    keys = list(keys)
    return ", ".join(keys) if keys else "(none)"


DATA_VERSION_TAG = "dagster/data_version"  # where Dagster keeps a materialization's data version


def latest_materialization(instance: dg.DagsterInstance, asset: str) -> dg.AssetMaterialization | None:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    return event.asset_materialization if event is not None else None


def latest_data_version(instance: dg.DagsterInstance, asset: str) -> str | None:
    """The data version of ``asset``'s newest materialization (None before the first)."""
    materialization = latest_materialization(instance, asset)
    return materialization.tags.get(DATA_VERSION_TAG) if materialization is not None else None
