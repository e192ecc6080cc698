"""Time-based splits: train / calibration / test by season, and expanding-window CV folds.

Seasons are ordered by their start year across all leagues. The newest ``test``
season(s) are the holdout: nothing in tuning, model selection or calibration ever sees
them. The season(s) before form the calibration slice for the final model. CV folds
for tuning live entirely inside the training seasons: fold k validates on one training
season and trains on every season before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from soccer_assets.lib.seasons import Season, start_year_expr

TRAIN, CALIBRATION, TEST, PREDICT = "train", "calibration", "test", "predict"


@dataclass(frozen=True)
class SplitConfig:
    test_seasons: int = 1
    calibration_seasons: int = 1
    cv_folds: int = 3
    # training rows need this many earlier matches for both teams (early rows are all-NaN form)
    min_history: int = 3
    # explicit holdout seasons (walk-forward benchmark); overrides ``test_seasons``
    explicit_test: tuple[str, ...] = ()
    # early in a season the newest one is too small to judge a model: the holdout reaches back
    # over whole earlier seasons until it holds this many finished matches
    min_test_matches: int = 0


@dataclass(frozen=True)
class Fold:
    number: int
    validation_season: str
    train_ids: list[str]
    valid_ids: list[str]


def season_plan(
    seasons: list[str], config: SplitConfig, matches: dict[str, int] | None = None
) -> dict[str, str]:
    """Season code -> split name for the seasons that have finished matches.

    ``matches``: finished matches per season, for ``config.min_test_matches``.
    """
    ordered = sorted(set(seasons), key=_season_key)
    if config.explicit_test:
        test = [s for s in ordered if s in config.explicit_test]
        if not test:
            raise ValueError(f"none of the test seasons {config.explicit_test} has finished matches")
        earlier = [s for s in ordered if _season_key(s) < min(_season_key(t) for t in test)]
    else:
        n_test = config.test_seasons
        counts = matches or {}
        spare = len(ordered) - config.calibration_seasons - 2  # seasons the holdout may take
        while n_test < spare and sum(counts.get(s, 0) for s in ordered[-n_test:]) < config.min_test_matches:
            n_test += 1
        test, earlier = ordered[-n_test:], ordered[:-n_test]
    calibration, train = earlier[-config.calibration_seasons :], earlier[: -config.calibration_seasons]
    if len(train) < 2:
        raise ValueError(
            f"need at least two training seasons before calibration {calibration} and test {test}; "
            f"have {train}"
        )
    plan = {s: TRAIN for s in train} | {s: CALIBRATION for s in calibration} | {s: TEST for s in test}
    return plan


def _season_key(code: str) -> int:
    return Season.from_code(code).start_year


def assign_splits(features: pl.DataFrame, config: SplitConfig) -> pl.DataFrame:
    """``match_id, season, kickoff_date, split, usable`` for every row of ``features``.

    Upcoming matches get ``predict``; finished matches of seasons outside the plan (after
    an explicit test season) are dropped. ``usable`` marks training rows with enough history.
    """
    finished = features.filter(pl.col("is_finished"))
    counts = dict(finished.group_by("season").len().iter_rows())
    plan = season_plan(list(counts), config, counts)
    history = pl.min_horizontal(pl.col("f_home_form_played"), pl.col("f_away_form_played"))
    split = (
        pl.when(~pl.col("is_finished"))
        .then(pl.lit(PREDICT))
        .otherwise(pl.col("season").replace_strict(plan, default=None, return_dtype=pl.String))
    )
    out = features.select(
        "match_id",
        "season",
        "kickoff_date",
        split.alias("split"),
        ((pl.col("is_finished")) & (history >= config.min_history)).alias("usable"),
    ).filter(pl.col("split").is_not_null())
    return out


def cv_folds(splits: pl.DataFrame, n_folds: int) -> list[Fold]:
    """Expanding-window folds over the training seasons (each validates on one season)."""
    train = splits.filter((pl.col("split") == TRAIN) & pl.col("usable"))
    seasons = sorted(train["season"].unique().to_list(), key=_season_key)
    if len(seasons) < 2:
        raise ValueError("cross-validation needs at least two training seasons")
    n = min(n_folds, len(seasons) - 1)
    folds = []
    for number, valid_season in enumerate(seasons[-n:], start=1):
        cutoff = _season_key(valid_season)
        folds.append(
            Fold(
                number=number,
                validation_season=valid_season,
                train_ids=train.filter(start_year_expr() < cutoff)["match_id"].to_list(),
                valid_ids=train.filter(pl.col("season") == valid_season)["match_id"].to_list(),
            )
        )
    return folds


def folds_frame(folds: list[Fold]) -> pl.DataFrame:
    """Long form of the folds (fold, match_id, role) for storage as an asset."""
    return pl.concat(
        [
            pl.DataFrame(
                {"fold": f.number, "match_id": ids, "role": role, "validation_season": f.validation_season}
            )
            for f in folds
            for role, ids in (("train", f.train_ids), ("valid", f.valid_ids))
        ]
    )


def folds_from_frame(frame: pl.DataFrame) -> list[Fold]:
    folds = []
    for number in sorted(frame["fold"].unique().to_list()):
        rows = frame.filter(pl.col("fold") == number)
        folds.append(
            Fold(
                number=number,
                validation_season=rows["validation_season"][0],
                train_ids=rows.filter(pl.col("role") == "train")["match_id"].to_list(),
                valid_ids=rows.filter(pl.col("role") == "valid")["match_id"].to_list(),
            )
        )
    return folds
