"""Read a football-data.co.uk CSV into an all-string polars frame.

Handles the byte-level quirks of the real files: an optional UTF-8 BOM, CRLF (or LF, or
CR-only) line endings, a gzip-compressed body (recognised by its magic bytes, served by a
misconfigured proxy), padding rows made only of commas, and trailing unnamed columns. Values stay
strings here; typing happens in ``parse`` after validation, so that a bad cell is
reported by the schema instead of silently becoming null.

A cut-off download is refused here: the real files end with a line break and every
row has as many fields as the header, whereas a truncated body ends mid-row.
"""

from __future__ import annotations

import csv
import io
import zlib

import polars as pl


class CsvFormatError(ValueError):
    """The bytes are not a readable football-data CSV (empty, ragged, undecodable)."""


GZIP_MAGIC = b"\x1f\x8b"
MAX_DECOMPRESSED_BYTES = 256 * 2**20  # a season file is well under 1 MB: more is a bomb


def _gunzip(data: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=31)  # gzip framing
    try:
        out = inflater.decompress(data, MAX_DECOMPRESSED_BYTES)
    except zlib.error as exc:
        raise CsvFormatError(f"the body starts like gzip but does not decompress: {exc}") from exc
    if inflater.unconsumed_tail:
        raise CsvFormatError(f"gzip body inflates to more than {MAX_DECOMPRESSED_BYTES // 2**20} MB")
    return out


def decode(data: bytes) -> str:
    """Text with ``\n`` line endings: gunzipped when compressed, a UTF-8 BOM dropped,
    cp1252 for legacy files; bytes that are neither are a ``CsvFormatError``."""
    if data[:2] == GZIP_MAGIC:
        data = _gunzip(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise CsvFormatError(f"not text (neither UTF-8 nor Windows-1252): {exc}") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_raw_csv(data: bytes) -> pl.DataFrame:
    """All-string frame of the data rows; blank (all-comma) rows removed."""
    text = decode(data)
    if not text.strip():
        raise CsvFormatError("file is empty")
    check_structure(text)
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            infer_schema=False,
            has_header=True,
            empty_string_is_null=True,
            # check_structure has verified that surplus trailing fields are empty
            truncate_ragged_lines=True,
            raise_if_empty=True,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise CsvFormatError(f"cannot read CSV: {exc}") from exc
    frame = _drop_unnamed_empty_columns(frame)
    frame = frame.select(pl.all().str.strip_chars().replace("", None))
    return frame.filter(~pl.all_horizontal(pl.all().is_null()))


def check_structure(text: str) -> None:
    """Refuse truncated or ragged files with a message that says where."""
    if not text.endswith(("\n", "\r")):
        raise CsvFormatError("file does not end with a line break: the download was probably cut off")
    try:
        _check_rows(text)
    except csv.Error as exc:
        raise CsvFormatError(f"not a CSV file: {exc}") from exc


def _check_rows(text: str) -> None:
    rows = csv.reader(io.StringIO(text))
    header = next(rows)
    for line_no, row in enumerate(rows, start=2):
        if len(row) < len(header) and any(field.strip() for field in row):
            raise CsvFormatError(
                f"line {line_no} has {len(row)} fields but the header has {len(header)}: "
                "the file is truncated or malformed"
            )
        if len(row) > len(header) and any(field.strip() for field in row[len(header) :]):
            raise CsvFormatError(
                f"line {line_no} has {len(row)} fields with values beyond the {len(header)} header columns"
            )


def _drop_unnamed_empty_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """A trailing comma in the header yields columns named '' or '_duplicated_N'."""
    unnamed = [
        c
        for c in frame.columns
        if (c.strip() == "" or c.startswith("_duplicated_")) and frame[c].null_count() == frame.height
    ]
    return frame.drop(unnamed)


def count_data_rows(data: bytes) -> int | None:
    """Number of non-blank data rows (header excluded), without parsing values; None when the
    bytes are not text (the snapshot is kept all the same, and its check says why)."""
    try:
        lines = decode(data).splitlines()
    except CsvFormatError:
        return None
    return sum(1 for line in lines[1:] if line.strip().strip(","))
