"""League x season partitions of the football-data.co.uk history."""

from __future__ import annotations

import dagster as dg

from soccer_assets.lib.seasons import Season
from soccer_assets.settings import Settings

LEAGUE_DIM = "league"
SEASON_DIM = "season"


def league_season_partitions(settings: Settings) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition(
        {
            LEAGUE_DIM: dg.StaticPartitionsDefinition(list(settings.leagues)),
            SEASON_DIM: dg.StaticPartitionsDefinition(settings.season_codes),
        }
    )


def partition_key(league: str, season: Season | str) -> dg.MultiPartitionKey:
    code = season.code if isinstance(season, Season) else season
    return dg.MultiPartitionKey({LEAGUE_DIM: league, SEASON_DIM: code})


def split_partition_key(key: str | dg.MultiPartitionKey) -> tuple[str, Season]:
    """``"E0|2324"`` (Dagster orders dimensions by name) -> ``("E0", Season(2023))``."""
    dims = key.keys_by_dimension if isinstance(key, dg.MultiPartitionKey) else None
    if dims is None:
        league, season = str(key).split("|")
    else:
        league, season = dims[LEAGUE_DIM], dims[SEASON_DIM]
    return league, Season.from_code(season)
