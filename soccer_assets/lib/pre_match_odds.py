"""Which pre-match 1X2 prices stand next to a prediction, and where they came from.

Preference per match: the latest Fonbet snapshot captured before kickoff (when the match
is linked), else football-data's market average (``pre_avg_*``), else the first complete
single book in ``price_rule.PRE_MATCH_ORDER``. Only prices known before kickoff are eligible:
football-data ``pre_*`` columns (never ``close_*``) and Fonbet snapshots taken strictly
before kickoff. A source counts for a match only when all three prices are valid (> 1).

``max`` (the best price per outcome across books) is deliberately not a source: its three
prices come from different books, so de-vigging them understates the margin and inflates
every edge.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from soccer_assets.lib import devig
from soccer_assets.lib.football_data.columns import odds_column
from soccer_assets.lib.price_rule import PRE_MATCH_ORDER

OUTCOMES: tuple[str, str, str] = ("home", "draw", "away")
ODDS_COLUMNS: tuple[str, str, str] = ("odds_home", "odds_draw", "odds_away")
FONBET = "fonbet"
_UTC = pl.Datetime("us", "UTC")
SELECTED_ODDS_SCHEMA: dict[str, pl.DataType] = {
    "match_id": pl.String(),
    **{column: pl.Float64() for column in ODDS_COLUMNS},
    "odds_source": pl.String(),
    "odds_snapshot_at": _UTC,
}


class DuplicateMatchError(ValueError):
    """A table that must hold one row per match holds several for some match_id."""


def ensure_unique(frame: pl.DataFrame, what: str) -> None:
    """Raise when ``frame`` has more than one row per ``match_id`` (joins would duplicate cards)."""
    duplicated = frame.filter(pl.col("match_id").is_duplicated())["match_id"].unique().sort()
    if duplicated.len():
        raise DuplicateMatchError(
            f"{what}: {duplicated.len()} match_id(s) occur more than once, "
            f"e.g. {duplicated.head(3).to_list()}"
        )


def valid_prices(columns: tuple[str, ...] = ODDS_COLUMNS) -> pl.Expr:
    """True where every price is a usable decimal price (present, finite, above 1)."""
    return pl.all_horizontal(
        [pl.col(c).is_not_null() & pl.col(c).is_finite() & (pl.col(c) > 1.0) for c in columns]
    )


def _before_kickoff(snapshot_at: pl.Expr) -> pl.Expr:
    # Without a kickoff time only snapshots from earlier days are safely pre-match.
    start_of_day = pl.col("kickoff_date").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return (
        pl.when(pl.col("kickoff_utc").is_not_null())
        .then(snapshot_at < pl.col("kickoff_utc"))
        .otherwise(snapshot_at < start_of_day)
    )


def latest_fonbet_before_kickoff(fonbet: pl.DataFrame, matches: pl.DataFrame) -> pl.DataFrame:
    """Per match, the newest valid Fonbet snapshot (match_id, snapshot_at, odds_*) before kickoff."""
    snapshots = fonbet.select("match_id", pl.col("snapshot_at").cast(_UTC), *ODDS_COLUMNS)
    kickoffs = matches.select("match_id", "kickoff_date", pl.col("kickoff_utc").cast(_UTC))
    return (
        snapshots.join(kickoffs, on="match_id", how="inner")
        .filter(_before_kickoff(pl.col("snapshot_at")) & valid_prices())
        .sort("match_id", "snapshot_at")
        .group_by("match_id", maintain_order=True)
        .last()
        .select("match_id", *ODDS_COLUMNS, odds_snapshot_at="snapshot_at")
    )


def first_complete_book(
    frame: pl.DataFrame, timing: str, books: Sequence[str], names: tuple[str, ...] = ODDS_COLUMNS
) -> pl.DataFrame:
    """Per match, the first of ``books`` whose three ``<timing>_<book>_*`` prices are all valid.

    Returns match_id, book and the prices renamed to ``names``; matches without any
    complete book are left out.
    """
    candidates = [
        frame.select(
            "match_id",
            book=pl.lit(book),
            rank=pl.lit(rank),
            **{
                name: pl.col(odds_column(timing, book, outcome)).cast(pl.Float64)
                for name, outcome in zip(names, OUTCOMES, strict=True)
            },
        )
        for rank, book in enumerate(books)
        if {odds_column(timing, book, outcome) for outcome in OUTCOMES} <= set(frame.columns)
    ]
    if not candidates:
        return pl.DataFrame(
            schema={"match_id": pl.String, "book": pl.String} | dict.fromkeys(names, pl.Float64)
        )
    return (
        pl.concat(candidates)
        .filter(valid_prices(names))
        .sort("match_id", "rank")
        .group_by("match_id", maintain_order=True)
        .first()
        .drop("rank")
    )


def select_pre_match_odds(matches: pl.DataFrame, fonbet: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per match that has usable pre-match prices, sorted by match_id.

    ``matches``: match_id, kickoff_date, kickoff_utc and football-data ``pre_<book>_<outcome>``
    columns (finished matches, fixtures, or both). ``fonbet``: linked snapshots with
    match_id, snapshot_at (UTC) and odds_home/draw/away, any number per match.
    Returns match_id, odds_home, odds_draw, odds_away, odds_source, odds_snapshot_at
    (capture time for Fonbet; null for football-data, whose files carry none).
    """
    ensure_unique(matches, "matches")
    selected = first_complete_book(matches, "pre", PRE_MATCH_ORDER).select(
        "match_id",
        *ODDS_COLUMNS,
        odds_source=pl.format("football-data:{}", "book"),
        odds_snapshot_at=pl.lit(None, _UTC),
    )
    if fonbet is not None:
        linked = latest_fonbet_before_kickoff(fonbet, matches).select(
            "match_id", *ODDS_COLUMNS, odds_source=pl.lit(FONBET), odds_snapshot_at="odds_snapshot_at"
        )
        selected = pl.concat(
            [linked, selected.filter(~pl.col("match_id").is_in(linked["match_id"].implode()))]
        )
    return selected.sort("match_id")


def market_probabilities(
    matches: pl.DataFrame, fonbet: pl.DataFrame | None = None, devig_method: devig.Method = "multiplicative"
) -> pl.DataFrame:
    """match_id, odds_source and de-vigged ``market_home/draw/away`` from the prices the cards use."""
    odds = select_pre_match_odds(matches, fonbet)
    probs = devig.devig(odds.select(ODDS_COLUMNS).to_numpy().astype(float), devig_method)
    return odds.select("match_id", "odds_source").with_columns(
        pl.Series(f"market_{outcome}", probs[:, k], dtype=pl.Float64, nan_to_null=True)
        for k, outcome in enumerate(OUTCOMES)
    )
