"""From raw bytes to a validated packet: structure first, then pandera on its records.

Like the football-data loader, a packet that fails yields no data, only the report:
a drifted format must never feed half-parsed events into the links and odds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from soccer_assets.lib.fonbet.packet import Packet, PacketFormatError, parse_packet
from soccer_assets.lib.schemas.fonbet import raw_events_schema, raw_quotes_schema, raw_sports_schema
from soccer_assets.lib.schemas.report import ValidationReport, validate

SCHEMA_NAME = "fonbet_line"
EVENT_COLUMNS = {
    "id": pl.Int64,
    "parentId": pl.Int64,
    "sportId": pl.Int64,
    "level": pl.Int64,
    "team1": pl.String,
    "team2": pl.String,
    "startTime": pl.Int64,
}
SPORT_COLUMNS = {"id": pl.Int64, "parentId": pl.Int64, "kind": pl.String, "name": pl.String}


@dataclass(frozen=True)
class LoadedLine:
    report: ValidationReport
    packet: Packet | None  # present only when the report passed

    @property
    def ok(self) -> bool:
        return self.packet is not None


def records_frame(records: Sequence[dict[str, Any]], columns: dict[str, type[pl.DataType]]) -> pl.DataFrame:
    """A frame of the expected fields that occur in at least one record.

    A field no record has (say ``team1`` renamed to ``home``) is left out, so the schema
    reports it as missing; a field with a foreign type keeps that type and fails the
    dtype check instead of being coerced to null.
    """
    series = []
    for name, dtype in columns.items():
        if not any(name in r for r in records) and records:
            continue
        values = pl.Series(name, [r.get(name) for r in records], strict=False)
        series.append(values.cast(dtype) if values.dtype == pl.Null else values)
    return pl.DataFrame(series)


def quotes_frame(packet: Packet) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "event_id": [q.event_id for q in packet.quotes],
            "factor_id": [q.factor_id for q in packet.quotes],
            "value": [q.value for q in packet.quotes],
        },
        schema={"event_id": pl.Int64, "factor_id": pl.Int64, "value": pl.Float64},
    )


def merge_reports(name: str, reports: Sequence[ValidationReport]) -> ValidationReport:
    """One report over several frames; columns are prefixed with their frame's schema."""
    by_check = [
        {**entry, "column": r.schema if entry["column"] == r.schema else f"{r.schema}.{entry['column']}"}
        for r in reports
        for entry in r.by_check
    ]
    return ValidationReport(
        schema=name,
        rows=sum(r.rows for r in reports),
        failures=sum(r.failures for r in reports),
        by_check=sorted(by_check, key=lambda e: -e["count"]),
        samples=[s for r in reports for s in r.samples],
    )


def unreadable(exc: Exception) -> ValidationReport:
    return ValidationReport(
        schema=SCHEMA_NAME,
        rows=0,
        failures=1,
        by_check=[
            {"column": "<packet>", "check": "readable_line_packet", "count": 1, "example": str(exc)[:300]}
        ],
    )


def load_line(data: bytes) -> LoadedLine:
    """Parse and validate one packet (full or increment)."""
    try:
        packet = parse_packet(data)
    except PacketFormatError as exc:
        return LoadedLine(report=unreadable(exc), packet=None)
    reports = [
        validate(raw_sports_schema(), records_frame(packet.sports, SPORT_COLUMNS), ["id", "name"]),
        validate(
            raw_events_schema(),
            records_frame(packet.events, EVENT_COLUMNS),
            ["id", "sportId", "team1", "team2", "startTime"],
        ),
        validate(raw_quotes_schema(increment=not packet.is_full), quotes_frame(packet)),
    ]
    report = merge_reports(SCHEMA_NAME, reports)
    return LoadedLine(report=report, packet=packet if report.passed else None)
