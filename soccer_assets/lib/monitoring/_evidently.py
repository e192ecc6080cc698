"""Glue to Evidently 0.7: polars frames in, the snapshot as parsed JSON, HTML and JSON out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from evidently import DataDefinition, Dataset, Report

_CATEGORICAL = (pl.String, pl.Categorical, pl.Enum, pl.Boolean)


@dataclass(frozen=True)
class EvidentlyOutput:
    """One Evidently run: ``result`` is the snapshot JSON parsed; html/json are the artifacts."""

    result: dict[str, Any]
    html: str
    json: str


def column_types(frame: pl.DataFrame, columns: Sequence[str]) -> tuple[list[str], list[str]]:
    """(numerical, categorical) columns by dtype; other dtypes cannot be compared for drift."""
    numerical, categorical = [], []
    for column in columns:
        dtype = frame.schema[column]
        if dtype.is_numeric():
            numerical.append(column)
        elif isinstance(dtype, _CATEGORICAL):
            categorical.append(column)
        else:
            raise TypeError(f"column {column!r} has dtype {dtype}; drift needs numbers or categories")
    return numerical, categorical


def run(
    metrics: list[Any],
    definition: DataDefinition,
    current: pl.DataFrame,
    reference: pl.DataFrame | None = None,
) -> EvidentlyOutput:
    """Run a report with its tests (they carry Evidently's own drift verdicts)."""
    report = Report(metrics, include_tests=True)
    snapshot = report.run(
        current_data=Dataset.from_pandas(current.to_pandas(), data_definition=definition),
        reference_data=None
        if reference is None
        else Dataset.from_pandas(reference.to_pandas(), data_definition=definition),
    )
    document = snapshot.json()
    return EvidentlyOutput(
        result=json.loads(document), html=snapshot.get_html_str(as_iframe=False), json=document
    )
