"""compare_snapshots on real season files: what a new version may and may not do."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from soccer_assets.lib.football_data.load import load_results
from soccer_assets.lib.football_data.snapshot_diff import compare_snapshots
from soccer_assets.lib.seasons import Season


def _season(football_data_dir, league: str, code: str) -> pl.DataFrame:
    data = (football_data_dir / "mmz4281" / code / f"{league}.csv").read_bytes()
    loaded = load_results(data, league=league, season=Season.from_code(code))
    assert loaded.rows is not None
    return loaded.rows


@pytest.fixture(scope="module")
def e0(football_data_dir) -> pl.DataFrame:
    return _season(football_data_dir, "E0", "2324")


def test_a_file_that_only_grows_is_fine(e0):
    earlier = e0.sort("kickoff_date").head(150)
    diff = compare_snapshots(earlier, e0)
    assert diff.ok and diff.summary() == "no finished match lost or changed"
    assert compare_snapshots(e0, e0).ok


def test_late_columns_may_fill_in_but_not_empty(e0):
    before = e0.with_columns(pl.lit(None, dtype=pl.Float64).alias("close_ps_home"))
    assert compare_snapshots(before, e0).ok  # Pinnacle's closing prices arrived later
    diff = compare_snapshots(e0, before)
    assert diff.emptied_columns == ["close_ps_home"]


def test_a_cut_file_names_how_many_matches_vanished(e0):
    diff = compare_snapshots(e0, e0.sort("kickoff_date").head(200))
    assert diff.vanished.height == 180
    assert diff.summary().startswith("180 finished matches of the previous snapshot are missing (file cut")
    assert len(diff.samples()["vanished"]) == 5


def test_date_and_score_changes_are_named_separately(e0):
    first = pl.col("match_id") == e0["match_id"][0]
    moved = e0.with_columns(
        pl.when(first).then(pl.col("kickoff_date") + dt.timedelta(days=1)).otherwise("kickoff_date")
    )
    diff = compare_snapshots(e0, moved)
    assert diff.vanished.is_empty()  # the match is the same fixture, on another day
    assert diff.summary() == "1 matches changed their date"
    rescored = e0.with_columns(
        pl.when(first).then(pl.lit(9, pl.Int16)).otherwise("away_goals").alias("away_goals")
    )
    assert compare_snapshots(e0, rescored).summary() == "1 matches changed their score or result"


def test_pairs_that_meet_several_times_a_season_are_told_apart(e0):
    """Scottish leagues play each pair three or four times a season (no such file in the mirror:
    E0 with a second meeting of three pairs stands in)."""
    again = (
        e0.sort("kickoff_date")
        .head(3)
        .with_columns(
            pl.col("kickoff_date") + dt.timedelta(days=120), (pl.col("match_id") + "_again").alias("match_id")
        )
    )
    four_times = pl.concat([e0, again])
    assert compare_snapshots(four_times, four_times).ok
    diff = compare_snapshots(four_times, four_times.filter(pl.col("match_id") != again["match_id"][0]))
    assert diff.vanished.height == 1 and diff.changed.is_empty()  # a lost meeting, not a re-dated one
