"""Schemas of Fonbet data: the raw line packet (as frames) and the ``fonbet_odds`` table.

The raw schemas catch drift of the source format before anything is parsed further: a
renamed field shows up as a missing column, a changed type as a dtype failure, an odds
value that is not a price as a range failure.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

# 2000-01-01 .. 2100-01-01 in unix seconds: a start time outside is not a kickoff.
MIN_START, MAX_START = 946_684_800, 4_102_444_800
# Bookmaker margin on 1X2: a negative one is an arbitrage the book would never offer
# (a data error), above 20% is not a real football market.
MIN_MARGIN, MAX_MARGIN = 0.0, 0.20


def raw_sports_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "id": pa.Column(pl.Int64, nullable=False, unique=True),
            "parentId": pa.Column(pl.Int64, required=False, nullable=True),
            "name": pa.Column(str, nullable=False),
        },
        strict=False,
        name="fonbet_line_sports",
    )


def raw_events_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "id": pa.Column(pl.Int64, nullable=False, unique=True),
            "parentId": pa.Column(pl.Int64, required=False, nullable=True),
            "sportId": pa.Column(pl.Int64, nullable=False),
            "level": pa.Column(pl.Int64, required=False, nullable=True),
            "team1": pa.Column(str, nullable=True),
            "team2": pa.Column(str, nullable=True),
            "startTime": pa.Column(pl.Int64, pa.Check.in_range(MIN_START, MAX_START), nullable=False),
        },
        strict=False,
        name="fonbet_line_events",
    )


def raw_quotes_schema(increment: bool) -> pa.DataFrameSchema:
    """Quotes are prices above 1; an increment may also carry 0, which removes a quote."""

    def is_price(data: pa.PolarsData) -> pl.LazyFrame:
        value = pl.col(data.key)
        return data.lazyframe.select((value > 1.0) | (value == 0.0) if increment else value > 1.0)

    return pa.DataFrameSchema(
        {
            "event_id": pa.Column(pl.Int64, nullable=False),
            "factor_id": pa.Column(pl.Int64, nullable=False),
            "value": pa.Column(
                pl.Float64,
                pa.Check(is_price, name="odds_are_prices", error="odds must be > 1 (or 0 = removed)"),
                nullable=False,
            ),
        },
        strict=False,
        name="fonbet_line_quotes",
    )


def _one_latest_per_match(data: pa.PolarsData) -> pl.LazyFrame:
    latest = pl.col("is_latest").cast(pl.Int32).sum().over("match_id")
    return data.lazyframe.select(latest == 1)


def fonbet_odds_schema() -> pa.DataFrameSchema:
    odds = {
        c: pa.Column(pl.Float64, pa.Check.gt(1.0), nullable=False)
        for c in ("odds_home", "odds_draw", "odds_away")
    }
    probs = {
        c: pa.Column(pl.Float64, pa.Check.in_range(0.0, 1.0), nullable=False)
        for c in ("prob_home", "prob_draw", "prob_away")
    }
    return pa.DataFrameSchema(
        {
            "match_id": pa.Column(str, nullable=False),
            "event_id": pa.Column(pl.Int64, nullable=False),
            "league": pa.Column(str, nullable=False),
            "kickoff_utc": pa.Column(pl.Datetime("us", "UTC"), nullable=False),
            "snapshot_at": pa.Column(pl.Datetime("us", "UTC"), nullable=False),
            **odds,
            **probs,
            "margin": pa.Column(pl.Float64, pa.Check.in_range(MIN_MARGIN, MAX_MARGIN), nullable=False),
            "is_latest": pa.Column(pl.Boolean, nullable=False),
        },
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(pl.col("snapshot_at") < pl.col("kickoff_utc")),
                name="quoted_before_kickoff",
                error="only pre-match quotes belong in the odds history",
            ),
            pa.Check(
                lambda d: d.lazyframe.select(
                    ((pl.col("prob_home") + pl.col("prob_draw") + pl.col("prob_away")) - 1.0).abs() < 1e-9
                ),
                name="probabilities_sum_to_one",
            ),
            pa.Check(_one_latest_per_match, name="one_latest_quote_per_match"),
        ],
        unique=["match_id", "snapshot_at"],
        strict=False,
        name="fonbet_odds",
    )
