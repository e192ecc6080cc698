"""Real matches from the shared football-data files, loaded through the production parser."""

import polars as pl
import pytest

from soccer_assets.lib.football_data.load import load_fixtures, load_results
from soccer_assets.lib.seasons import Season


def load_matches(football_data_dir, files: list[tuple[str, str]]) -> pl.DataFrame:
    frames = []
    for league, season in files:
        data = (football_data_dir / "mmz4281" / season / f"{league}.csv").read_bytes()
        loaded = load_results(data, league=league, season=Season.from_code(season))
        assert loaded.ok, loaded.report.summary()
        frames.append(loaded.rows)
    return pl.concat(frames).sort("kickoff_date", "match_id")


@pytest.fixture(scope="session")
def e0_matches(football_data_dir) -> pl.DataFrame:
    """Premier League 2021/22 - 2025/26 (the last season partial)."""
    return load_matches(football_data_dir, [("E0", s) for s in ("2122", "2223", "2324", "2425", "2526")])


@pytest.fixture(scope="session")
def e0_fixtures(football_data_dir) -> pl.DataFrame:
    rows = load_fixtures((football_data_dir / "fixtures.csv").read_bytes()).rows
    return rows.filter(pl.col("league") == "E0")
