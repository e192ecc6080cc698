"""Feature assets: team ratings and leakage-safe match features (finished and upcoming)."""

import hashlib

import dagster as dg
import polars as pl

from soccer_assets.defs.metadata import frame_markdown, table_schema
from soccer_assets.defs.policies import refresh_after_checks
from soccer_assets.lib.features.build import (
    FeatureConfig,
    build_match_features,
    feature_columns,
    feature_state,
)
from soccer_assets.lib.features.timeline import schedule
from soccer_assets.lib.ratings import rating_history
from soccer_assets.settings import Settings

FEATURES_VERSION = "2"  # 2: Dixon-Coles goal model and market-implied strengths


def frame_fingerprint(frame: pl.DataFrame) -> str:
    """Content hash of a frame (row hashes are order-sensitive; frames here are sorted)."""
    digest = hashlib.sha256(frame.hash_rows(seed=0).to_numpy().tobytes())
    digest.update(",".join(frame.columns).encode())
    return digest.hexdigest()[:16]


def build_feature_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    config = FeatureConfig(use_market=settings.use_market_features)

    @dg.asset(
        group_name="features",
        kinds={"polars", "parquet"},
        code_version=FEATURES_VERSION,
        automation_condition=refresh_after_checks(),
        description=(
            "Elo and pi-ratings of every team after each of its finished matches, and its time-decayed "
            "Dixon-Coles attack/defence and market-implied strength after each weekly refit of its league "
            "(fitted on earlier matches only)."
        ),
    )
    def team_ratings(matches: pl.DataFrame) -> dg.Output[pl.DataFrame]:
        ratings = rating_history(matches, config.elo, config.pi, config.strength)
        latest = (
            ratings.sort("kickoff_date")
            .group_by("team")
            .last()
            .join(
                pl.concat(
                    [
                        matches.select("home_team", "league", "kickoff_date").rename({"home_team": "team"}),
                        matches.select("away_team", "league", "kickoff_date").rename({"away_team": "team"}),
                    ]
                )
                .sort("kickoff_date")
                .group_by("team")
                .last()
                .select("team", "league"),
                on="team",
            )
            .sort("elo", descending=True)
        )
        return dg.Output(
            ratings,
            metadata={
                "dagster/row_count": ratings.height,
                "teams": latest.height,
                "top_elo": frame_markdown(
                    latest.select(
                        "team",
                        "league",
                        "kickoff_date",
                        "elo",
                        "pi_home",
                        "dc_attack",
                        "dc_defence",
                        "mkt_strength",
                    ),
                    15,
                ),
            },
        )

    @dg.asset(
        group_name="features",
        kinds={"polars", "parquet"},
        code_version=FEATURES_VERSION,
        automation_condition=refresh_after_checks(),
        description=(
            "One row per finished or upcoming match: form (last N and exponentially weighted, home/away "
            "splits), rest days, Elo and pi-ratings, Dixon-Coles expected goals and 1X2 probabilities, "
            "league context and (switchable) de-vigged pre-match odds with market-implied team strengths, "
            "all from matches on strictly earlier dates. Closing odds are never features."
        ),
    )
    def match_features(
        matches: pl.DataFrame, fixtures: pl.DataFrame, team_ratings: pl.DataFrame
    ) -> dg.Output[pl.DataFrame]:
        features = build_match_features(matches, fixtures, config, ratings=team_ratings)
        columns = feature_columns(features)
        finished = features.filter(pl.col("is_finished"))
        coverage = (
            features.group_by("league", "is_finished")
            .agg(pl.len().alias("rows"))
            .sort("league", "is_finished")
        )
        null_share = (
            finished.select(pl.col(columns).null_count() / max(finished.height, 1))
            .transpose(include_header=True, header_name="feature", column_names=["null_share"])
            .sort("null_share", descending=True)
        )
        return dg.Output(
            features,
            metadata={
                "dagster/row_count": features.height,
                "dagster/column_schema": table_schema(features),
                "features": len(columns),
                "market_features": config.use_market,
                "upcoming_rows": features.height - finished.height,
                "coverage": frame_markdown(coverage),
                "most_missing": frame_markdown(null_share, 10),
                "fingerprint": frame_fingerprint(features),
            },
        )

    @dg.asset(
        group_name="features",
        kinds={"polars", "parquet"},
        code_version=FEATURES_VERSION,
        automation_condition=refresh_after_checks(),
        description=(
            "Per team, everything a feature row of its next match needs: form windows and averages, "
            "home/away splits, Elo and pi-ratings, last match date and season, its league's recent rates. "
            "Upcoming features are built from it (feature_row), and the API builds any match's features "
            "from the published copy with the same function."
        ),
    )
    def team_state(
        matches: pl.DataFrame, fixtures: pl.DataFrame, team_ratings: pl.DataFrame
    ) -> dg.Output[pl.DataFrame]:
        state = feature_state(schedule(matches, fixtures), team_ratings, config)
        per_league = (
            state.group_by("league").agg(pl.len().alias("teams"), pl.col("last_played").max()).sort("league")
        )
        return dg.Output(
            state,
            metadata={
                "dagster/row_count": state.height,
                "as_of": str(state["last_played"].max()) if state.height else "no finished match",
                "leagues": frame_markdown(per_league),
            },
        )

    return [team_ratings, match_features, team_state]
