"""The local football-data seasons of some leagues, parsed by the production loader (for the benches)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def local_matches(data: Path, leagues: Iterable[str]):
    """Every readable season file of ``leagues`` under ``data/football-data/mmz4281``, as one
    ``matches`` frame sorted by kickoff date."""
    import polars as pl

    from soccer_assets.lib.football_data.load import load_results
    from soccer_assets.lib.seasons import Season

    wanted, frames = set(leagues), []
    for path in sorted((data / "football-data" / "mmz4281").glob("*/*.csv")):
        if path.stem in wanted:
            loaded = load_results(
                path.read_bytes(), league=path.stem, season=Season.from_code(path.parent.name)
            )
            if loaded.ok:
                frames.append(loaded.rows)
    return pl.concat(frames, how="diagonal_relaxed").sort("kickoff_date", "match_id")
