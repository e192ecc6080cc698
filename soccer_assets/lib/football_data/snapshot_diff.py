"""Compare a new season file with the one in force: finished matches only accumulate.

football-data.co.uk rewrites a season file as results come in. A new version may add
rows and fill in late columns; it may not lose a finished match, empty a column that had
values, or change a played match's date, teams or score. Each of those is far more often
a damaged download (cut at a row boundary, a header-only body, a file from another
season, day and month swapped) than a correction, so it rejects the snapshot until
someone records an override (see ``storage.snapshot_overrides``).

Both frames are canonical rows of one league-season (``parse.parse_results``). A match
is identified by its fixture, not by ``match_id`` (which contains the date): the
ordered pair of teams and, for leagues where a pair meets more than once a season
(Scotland), the how-many-th meeting it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from soccer_assets.lib.football_data.parse import KEY_COLUMNS

# what a finished match may never change silently
FACT_COLUMNS = ["kickoff_date", "home_goals", "away_goals", "result", "ht_home_goals", "ht_away_goals"]
FIXTURE_KEY = ["home_team", "away_team", "meeting"]
SAMPLE = 5


@dataclass(frozen=True)
class SnapshotDiff:
    """What a candidate file drops or rewrites of the rows in force."""

    previous_rows: int
    candidate_rows: int
    vanished: pl.DataFrame  # fixture key + kickoff_date of matches the candidate lacks
    emptied_columns: list[str]  # had values in force, none in the candidate (on matches in both)
    changed: pl.DataFrame  # match_id, column, before, after (as text)

    @property
    def ok(self) -> bool:
        return self.vanished.is_empty() and not self.emptied_columns and self.changed.is_empty()

    def summary(self) -> str:
        """One line, worst finding first, with a guess at the cause where the pattern says it."""
        parts = []
        if not self.vanished.is_empty():
            parts.append(
                f"{self.vanished.height} finished matches of the previous snapshot are missing"
                f" ({self._vanished_hint()})"
            )
        date_changes = self.changed.filter(pl.col("column") == "kickoff_date")
        if not date_changes.is_empty():
            hint = " (day and month swapped?)" if _all_day_month_swaps(date_changes) else ""
            parts.append(f"{date_changes.height} matches changed their date{hint}")
        score_changes = self.changed.filter(pl.col("column") != "kickoff_date")["match_id"].n_unique()
        if score_changes:
            parts.append(f"{score_changes} matches changed their score or result")
        if self.emptied_columns:
            shown = ", ".join(self.emptied_columns[:6])
            more = f" and {len(self.emptied_columns) - 6} more" if len(self.emptied_columns) > 6 else ""
            parts.append(
                f"{len(self.emptied_columns)} columns that had values are empty ({shown}{more};"
                " odds or stats columns dropped?)"
            )
        return "; ".join(parts) if parts else "no finished match lost or changed"

    def samples(self) -> dict[str, list[dict[str, str]]]:
        """A few rows of each kind of difference, as text, for check metadata."""

        def rows(frame: pl.DataFrame) -> list[dict[str, str]]:
            return [{k: str(v) for k, v in row.items()} for row in frame.head(SAMPLE).to_dicts()]

        return {
            "vanished": rows(self.vanished),
            "changed": rows(self.changed),
            "emptied_columns": [{"column": c} for c in self.emptied_columns[:SAMPLE]],
        }

    def _vanished_hint(self) -> str:
        if self.candidate_rows == 0:
            return "an empty or header-only file?"
        if self.vanished.height == self.previous_rows:
            return "a file of another league or season?"
        return "file cut at a row boundary?"


def _with_fixture_key(rows: pl.DataFrame) -> pl.DataFrame:
    meeting = pl.int_range(pl.len()).over("home_team", "away_team", order_by="kickoff_date")
    return rows.with_columns(meeting.alias("meeting"))


def _all_day_month_swaps(date_changes: pl.DataFrame) -> bool:
    def swapped(before: str, after: str) -> bool:
        b, a = dt.date.fromisoformat(before), dt.date.fromisoformat(after)
        return (a.year, a.month, a.day) == (b.year, b.day, b.month)

    return all(swapped(r["before"], r["after"]) for r in date_changes.iter_rows(named=True))


def compare_snapshots(previous: pl.DataFrame, candidate: pl.DataFrame) -> SnapshotDiff:
    """Differences of ``candidate`` from ``previous`` (both one league-season's canonical rows)."""
    before = _with_fixture_key(previous)
    after = _with_fixture_key(candidate)
    vanished = before.join(after.select(FIXTURE_KEY), on=FIXTURE_KEY, how="anti").select(
        *FIXTURE_KEY, "kickoff_date"
    )
    both = before.join(after, on=FIXTURE_KEY, how="inner", suffix="_new")

    changed = [
        both.filter(pl.col(c).ne_missing(pl.col(f"{c}_new"))).select(
            "match_id",
            pl.lit(c).alias("column"),
            pl.col(c).cast(pl.String).alias("before"),
            pl.col(f"{c}_new").cast(pl.String).alias("after"),
        )
        for c in FACT_COLUMNS
    ]
    value_columns = [c for c in previous.columns if c not in KEY_COLUMNS and c in candidate.columns]
    emptied = (
        [
            c
            for c in value_columns
            if both[c].null_count() < both.height and both[f"{c}_new"].null_count() == both.height
        ]
        if both.height
        else []
    )
    return SnapshotDiff(
        previous_rows=previous.height,
        candidate_rows=candidate.height,
        vanished=vanished.sort("kickoff_date"),
        emptied_columns=emptied,
        changed=pl.concat(changed).sort("column", "match_id"),
    )
