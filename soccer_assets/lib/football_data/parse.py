"""Turn validated raw football-data frames into the canonical typed tables.

The input is the all-string frame from ``csv_reader.read_raw_csv`` that passed the
raw-stage schema (``lib.schemas.raw``). Output columns are fixed whatever the era of
the file: absent bookmakers or stats become typed null columns, so every season
stacks into one table.
"""

from __future__ import annotations

import unicodedata

import polars as pl

from soccer_assets.lib.football_data.columns import (
    IDENTITY_COLUMNS,
    RESULT_COLUMNS,
    STAT_COLUMNS,
    closing_odds_columns,
    odds_header_map,
    pre_match_odds_columns,
)
from soccer_assets.lib.identity import team_slug
from soccer_assets.lib.seasons import code_expr as season_code_expr

# football-data publishes dates and times in UK local time.
SOURCE_TIMEZONE = "Europe/London"
GOAL_DTYPE = pl.Int16
ODDS_DTYPE = pl.Float64

KEY_COLUMNS: list[str] = [
    "match_id",
    "league",
    "season",
    "kickoff_date",
    "kickoff_time_local",
    "kickoff_utc",
    "home_team",
    "away_team",
    "referee",
]
RESULT_OUTPUT: list[str] = list(RESULT_COLUMNS.values())
STAT_OUTPUT: list[str] = list(STAT_COLUMNS.values())


def matches_columns() -> list[str]:
    return KEY_COLUMNS + RESULT_OUTPUT + STAT_OUTPUT + pre_match_odds_columns() + closing_odds_columns()


def fixtures_columns() -> list[str]:
    return KEY_COLUMNS + pre_match_odds_columns()


def parse_date(column: str) -> pl.Expr:
    """``dd/mm/yy`` and ``dd/mm/yyyy`` both occur, even within one season's files."""
    text = pl.col(column)
    return (
        pl.when(text.str.len_chars() == 10)
        .then(text.str.to_date("%d/%m/%Y", strict=False))
        .otherwise(text.str.to_date("%d/%m/%y", strict=False))
    )


def _kickoff_columns(frame: pl.DataFrame) -> pl.DataFrame:
    time = (
        pl.col("time").str.to_time("%H:%M", strict=False)
        if "time" in frame.columns
        else pl.lit(None, dtype=pl.Time)
    )
    frame = frame.with_columns(parse_date("date").alias("kickoff_date"), time.alias("kickoff_time_local"))
    local = pl.col("kickoff_date").dt.combine(pl.col("kickoff_time_local"))
    utc = local.dt.replace_time_zone(
        SOURCE_TIMEZONE, ambiguous="earliest", non_existent="null"
    ).dt.convert_time_zone("UTC")
    return frame.with_columns(
        pl.when(pl.col("kickoff_time_local").is_not_null()).then(utc).otherwise(None).alias("kickoff_utc")
    )


def _check_latin(name: str) -> None:
    """football-data.co.uk spells every team in ASCII Latin letters. A name in another script
    would become a new team for the ratings and the features (they key on the name), so the
    file is refused, naming the team."""
    foreign = sorted({ch for ch in name if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN")})
    if foreign:
        raise ValueError(
            f"team name {name!r} is not written in Latin letters ({''.join(foreign)}), unlike every "
            "other football-data.co.uk file"
        )


def _match_id_column(frame: pl.DataFrame) -> pl.DataFrame:
    """Vectorised ``identity.match_id``: slug each distinct name once, then concatenate."""
    names = pl.concat([frame["home_team"], frame["away_team"]]).unique().to_list()
    for name in names:
        _check_latin(name)
    slugs = {name: team_slug(name) for name in names}
    home = pl.col("home_team").replace_strict(slugs, return_dtype=pl.String)
    away = pl.col("away_team").replace_strict(slugs, return_dtype=pl.String)
    return frame.with_columns(
        pl.concat_str(
            [pl.col("league"), pl.col("kickoff_date").dt.strftime("%Y-%m-%d"), home, away],
            separator="_",
        ).alias("match_id")
    )


def _rename_known(raw: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    return raw.rename({k: v for k, v in mapping.items() if k in raw.columns})


def _typed(frame: pl.DataFrame, columns: list[str], dtype: pl.DataType) -> list[pl.Expr]:
    return [
        pl.col(c).cast(dtype, strict=True).alias(c)
        if c in frame.columns
        else pl.lit(None, dtype=dtype).alias(c)
        for c in columns
    ]


def _typed_odds(frame: pl.DataFrame, columns: list[str]) -> list[pl.Expr]:
    # "2.10" and "2.1" and reserialised "4.0" all parse; odds are prices, never ints.
    return _typed(frame, columns, ODDS_DTYPE)


def _common(raw: pl.DataFrame, odds_wanted: list[str], season: str | None) -> pl.DataFrame:
    odds_map = odds_header_map(raw.columns)
    frame = _rename_known(raw, IDENTITY_COLUMNS | RESULT_COLUMNS | STAT_COLUMNS | odds_map)
    frame = _kickoff_columns(frame)
    if frame["kickoff_date"].null_count():
        raise ValueError("unparseable dates reached the parser; validate the raw frame first")
    season_col = pl.lit(season, dtype=pl.String) if season else season_code_expr("kickoff_date")
    frame = frame.with_columns(season_col.alias("season"))
    frame = _match_id_column(frame)
    referee = pl.col("referee") if "referee" in frame.columns else pl.lit(None, dtype=pl.String)
    return frame.with_columns(referee.alias("referee"), *_typed_odds(frame, odds_wanted))


def parse_results(raw: pl.DataFrame, season: str) -> pl.DataFrame:
    """Canonical finished-match rows from a validated season results frame.

    The season comes from the file, not from dates: the 2019/20 restart played
    matches in July 2020, which a date rule would file under 2020/21.
    """
    frame = _common(raw, pre_match_odds_columns() + closing_odds_columns(), season)
    frame = frame.with_columns(
        *_typed(frame, ["home_goals", "away_goals", "ht_home_goals", "ht_away_goals"], GOAL_DTYPE),
        *_typed(frame, STAT_OUTPUT, GOAL_DTYPE),
        *(
            (pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.String)).alias(c)
            for c in ("result", "ht_result")
        ),
    )
    return frame.select(matches_columns()).sort("kickoff_date", "match_id")


def parse_fixtures(raw: pl.DataFrame) -> pl.DataFrame:
    """Canonical upcoming-match rows from a validated fixtures frame (all divisions).

    Upcoming matches carry no season in the file; it follows from the kickoff date.
    """
    frame = _common(raw, pre_match_odds_columns(), None)
    return frame.select(fixtures_columns()).sort("kickoff_date", "match_id")
