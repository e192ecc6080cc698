"""Choice of the pre-match prices per match: Fonbet, then football-data average, then one book."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from soccer_assets.lib.pre_match_odds import (
    SELECTED_ODDS_SCHEMA,
    DuplicateMatchError,
    select_pre_match_odds,
)

KICKOFF = dt.datetime(2026, 5, 2, 14, 0, tzinfo=dt.UTC)
NULL3 = (None, None, None)


def matches(rows: dict[str, dict[str, tuple]], kickoff_utc: dt.datetime | None = KICKOFF) -> pl.DataFrame:
    """rows: match_id -> {book: (home, draw, away)}; every book column exists for every match."""
    books = sorted({book for prices in rows.values() for book in prices})
    data: dict[str, list] = {
        "match_id": list(rows),
        "kickoff_date": [KICKOFF.date()] * len(rows),
        "kickoff_utc": [kickoff_utc] * len(rows),
    }
    for book in books:
        for k, outcome in enumerate(("home", "draw", "away")):
            data[f"{book}_{outcome}"] = [rows[m].get(book, NULL3)[k] for m in rows]
    return pl.DataFrame(data, schema_overrides={"kickoff_utc": pl.Datetime("us", "UTC")})


def fonbet(*snapshots: tuple[str, dt.datetime, float | None, float, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "match_id": [s[0] for s in snapshots],
            "snapshot_at": [s[1] for s in snapshots],
            "odds_home": [s[2] for s in snapshots],
            "odds_draw": [s[3] for s in snapshots],
            "odds_away": [s[4] for s in snapshots],
        },
        schema_overrides={"odds_home": pl.Float64},
    )


def chosen(frame: pl.DataFrame) -> dict[str, tuple]:
    return {
        r["match_id"]: (r["odds_source"], r["odds_home"], r["odds_draw"], r["odds_away"])
        for r in frame.to_dicts()
    }


def test_fonbet_first_then_the_football_data_average_then_single_books_in_order():
    table = matches(
        {
            "linked": {"pre_avg": (2.0, 3.4, 3.9), "pre_ps": (2.1, 3.5, 4.0)},
            "average": {"pre_avg": (2.0, 3.4, 3.9), "pre_ps": (2.1, 3.5, 4.0), "pre_b365": (2.2, 3.3, 3.8)},
            "pinnacle": {"pre_avg": (2.0, None, 3.9), "pre_ps": (2.1, 3.5, 4.0), "pre_b365": (2.2, 3.3, 3.8)},
            "bet365": {"pre_b365": (2.2, 3.3, 3.8), "pre_bw": (2.15, 3.3, 3.7)},
            "only_max": {"pre_max": (2.4, 3.8, 4.4)},
            "only_closing": {"close_avg": (1.9, 3.5, 4.2)},
            "broken_book": {"pre_avg": (2.0, 0.9, 3.9)},
        }
    )
    lines = fonbet(("linked", KICKOFF - dt.timedelta(hours=4), 1.95, 3.6, 4.1))
    selected = select_pre_match_odds(table, lines)
    assert chosen(selected) == {
        "linked": ("fonbet", 1.95, 3.6, 4.1),
        "average": ("football-data:avg", 2.0, 3.4, 3.9),
        "pinnacle": ("football-data:ps", 2.1, 3.5, 4.0),
        "bet365": ("football-data:b365", 2.2, 3.3, 3.8),
    }
    assert selected.schema == pl.Schema(SELECTED_ODDS_SCHEMA)
    assert selected.filter(pl.col("match_id") == "linked")[
        "odds_snapshot_at"
    ].item() == KICKOFF - dt.timedelta(hours=4)
    assert selected.filter(pl.col("match_id") == "average")["odds_snapshot_at"].item() is None


def test_the_latest_valid_fonbet_snapshot_before_kickoff_wins():
    table = matches({"m": {"pre_avg": (2.0, 3.4, 3.9)}})
    lines = fonbet(
        ("m", KICKOFF - dt.timedelta(hours=8), 2.05, 3.4, 3.8),
        ("m", KICKOFF - dt.timedelta(hours=4), 2.10, 3.4, 3.7),  # the one to use
        ("m", KICKOFF - dt.timedelta(hours=1), None, 3.4, 3.7),  # market suspended
        ("m", KICKOFF, 1.50, 4.0, 6.0),  # at kickoff: in-play, not pre-match
        ("m", KICKOFF + dt.timedelta(minutes=30), 1.20, 6.0, 15.0),
        ("unknown_match", KICKOFF - dt.timedelta(hours=1), 2.0, 3.0, 4.0),
    )
    assert chosen(select_pre_match_odds(table, lines)) == {"m": ("fonbet", 2.10, 3.4, 3.7)}


def test_only_post_kickoff_fonbet_lines_fall_back_to_football_data():
    table = matches({"m": {"pre_avg": (2.0, 3.4, 3.9)}})
    lines = fonbet(("m", KICKOFF + dt.timedelta(minutes=5), 1.5, 4.0, 6.0))
    assert chosen(select_pre_match_odds(table, lines)) == {"m": ("football-data:avg", 2.0, 3.4, 3.9)}


def test_without_a_kickoff_time_only_fonbet_lines_from_earlier_days_count():
    table = matches({"m": {}}, kickoff_utc=None)
    same_day = dt.datetime.combine(KICKOFF.date(), dt.time(9, 0), tzinfo=dt.UTC)
    lines = fonbet(("m", same_day, 2.0, 3.0, 4.0))
    assert select_pre_match_odds(table, lines).is_empty()
    day_before = same_day - dt.timedelta(days=1)
    assert chosen(select_pre_match_odds(table, fonbet(("m", day_before, 2.0, 3.0, 4.0)))) == {
        "m": ("fonbet", 2.0, 3.0, 4.0)
    }


def test_no_sources_at_all_gives_an_empty_typed_frame():
    empty = select_pre_match_odds(matches({"m": {}}))
    assert empty.is_empty() and empty.schema == pl.Schema(SELECTED_ODDS_SCHEMA)


def test_matches_must_be_unique():
    table = matches({"m": {"pre_avg": (2.0, 3.4, 3.9)}})
    with pytest.raises(DuplicateMatchError):
        select_pre_match_odds(pl.concat([table, table]))
