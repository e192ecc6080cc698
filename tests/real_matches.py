"""Real finished matches from the shared football-data mirror, parsed by the production loader."""

from __future__ import annotations

import functools

import polars as pl

from soccer_assets.lib.football_data.load import load_results
from soccer_assets.lib.seasons import Season
from tests.conftest import shared_data_dir


@functools.cache
def real_matches(league: str, seasons: tuple[str, ...]) -> pl.DataFrame:
    """Canonical rows of ``league`` for ``seasons`` (files that exist in the mirror), in kickoff order."""
    frames = []
    for code in seasons:
        path = shared_data_dir() / "football-data" / "mmz4281" / code / f"{league}.csv"
        loaded = load_results(path.read_bytes(), league=league, season=Season.from_code(code))
        assert loaded.ok, loaded.report
        frames.append(loaded.rows)
    return pl.concat(frames, how="diagonal_relaxed").sort("kickoff_date", "match_id")
