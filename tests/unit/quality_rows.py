"""Hand-made scored predictions shared by the quality and Prometheus tests."""

from __future__ import annotations

import datetime as dt

import polars as pl


def scored_rows(*rows: tuple) -> pl.DataFrame:
    """rows: (match_id, league, kickoff_date, probs, result[, predicted_at])."""
    return pl.DataFrame(
        {
            "match_id": [r[0] for r in rows],
            "league": [r[1] for r in rows],
            "kickoff_date": [r[2] for r in rows],
            "kickoff_utc": [dt.datetime.combine(r[2], dt.time(15), tzinfo=dt.UTC) for r in rows],
            "prob_home": [r[3][0] for r in rows],
            "prob_draw": [r[3][1] for r in rows],
            "prob_away": [r[3][2] for r in rows],
            "result": [r[4] for r in rows],
        }
    )


ROWS = scored_rows(
    ("a", "E0", dt.date(2024, 3, 2), (0.5, 0.3, 0.2), "H"),
    ("b", "E0", dt.date(2024, 3, 9), (0.2, 0.3, 0.5), "H"),
    ("c", "D1", dt.date(2024, 4, 6), (0.25, 0.25, 0.5), "A"),
    ("d", "D1", dt.date(2024, 4, 13), (0.6, 0.3, 0.1), "D"),
)
