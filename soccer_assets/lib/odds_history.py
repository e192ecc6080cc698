"""Every 1X2 quote known for a set of matches, as one long table (the odds history of a match).

football-data.co.uk gives one pre-match and one closing price per book and match, without
a capture time; Fonbet gives a price per 4-hourly snapshot with its capture time. The
history keeps them apart by ``timing`` (``pre`` or ``close``) so a reader can never take a
closing price for one that was known before kickoff. ``max`` is not a book (its three
prices come from different books) and is left out, as everywhere else.
"""

from __future__ import annotations

import polars as pl

from soccer_assets.lib import devig
from soccer_assets.lib.football_data.columns import odds_column
from soccer_assets.lib.pre_match_odds import FONBET, ODDS_COLUMNS, OUTCOMES, valid_prices
from soccer_assets.lib.price_rule import PRE_MATCH_ORDER

_UTC = pl.Datetime("us", "UTC")
HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "match_id": pl.String(),
    "source": pl.String(),
    "book": pl.String(),
    "timing": pl.String(),
    "captured_at": _UTC,
    **{column: pl.Float64() for column in ODDS_COLUMNS},
    **{f"market_{o}": pl.Float64() for o in OUTCOMES},
    "overround": pl.Float64(),
}
TIMINGS: tuple[str, ...] = ("pre", "close")


def _football_data_quotes(frame: pl.DataFrame) -> list[pl.DataFrame]:
    parts = []
    for timing in TIMINGS:
        for book in PRE_MATCH_ORDER:
            columns = [odds_column(timing, book, o) for o in OUTCOMES]
            if not set(columns) <= set(frame.columns):
                continue
            parts.append(
                frame.select(
                    "match_id",
                    source=pl.lit("football-data"),
                    book=pl.lit(book),
                    timing=pl.lit(timing),
                    captured_at=pl.lit(None, _UTC),
                    **{
                        name: pl.col(c).cast(pl.Float64)
                        for name, c in zip(ODDS_COLUMNS, columns, strict=True)
                    },
                )
            )
    return parts


def quote_history(matches: pl.DataFrame, fonbet: pl.DataFrame | None = None) -> pl.DataFrame:
    """``HISTORY_SCHEMA`` rows for every valid quote, sorted by match, timing, capture time, book.

    ``matches``: match_id plus any ``pre_<book>_<outcome>`` / ``close_<book>_<outcome>``
    columns. ``fonbet``: linked snapshots (match_id, snapshot_at, odds_*), pre-match only.
    """
    parts = _football_data_quotes(matches)
    if fonbet is not None and fonbet.height:
        parts.append(
            fonbet.filter(pl.col("match_id").is_in(matches["match_id"].implode())).select(
                "match_id",
                source=pl.lit(FONBET),
                book=pl.lit(FONBET),
                timing=pl.lit("pre"),
                captured_at=pl.col("snapshot_at").cast(_UTC),
                **{c: pl.col(c).cast(pl.Float64) for c in ODDS_COLUMNS},
            )
        )
    if not parts:
        return pl.DataFrame(schema=HISTORY_SCHEMA)
    quotes = pl.concat(parts).filter(valid_prices())
    prices = quotes.select(ODDS_COLUMNS).to_numpy().astype(float)
    probs = devig.devig(prices) if len(prices) else prices
    quotes = quotes.with_columns(
        *[pl.Series(f"market_{o}", probs[:, k], dtype=pl.Float64) for k, o in enumerate(OUTCOMES)],
        pl.Series("overround", devig.overround(prices) if len(prices) else [], dtype=pl.Float64),
    )
    order = {timing: k for k, timing in enumerate(TIMINGS)}
    return (
        quotes.with_columns(_timing_order=pl.col("timing").replace_strict(order, return_dtype=pl.Int8))
        .sort("match_id", "_timing_order", "captured_at", "book", nulls_last=False)
        .drop("_timing_order")
        .select(list(HISTORY_SCHEMA))
    )
