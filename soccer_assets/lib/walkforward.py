"""Walk-forward evaluation: for each test season, train on every season before it.

The same functions as the Dagster training assets (features, splits, tuning, selection,
final fit with calibration, evaluation), called in a loop; used by
``bench/model_quality.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from soccer_assets.lib.evaluation import ALL, OUTCOMES, SOURCES, base_rates, evaluate, forecasts_frame
from soccer_assets.lib.features.build import FeatureConfig, build_match_features
from soccer_assets.lib.models.anchoring import market_columns
from soccer_assets.lib.models.calibration import (
    CalibratedModel,
    MarketBlend,
    apply_temperature,
    blend_probabilities,
    calibrate,
    fit_blends_by_group,
    fit_temperature,
)
from soccer_assets.lib.models.selection import select_best
from soccer_assets.lib.models.training import TrainingData, fit_final, out_of_fold, prepare
from soccer_assets.lib.models.tuning import tune
from soccer_assets.lib.models.zoo import FAMILIES, Preset
from soccer_assets.lib.splits import SplitConfig, assign_splits, cv_folds

METRICS = ("logloss", "rps", "brier", "ece", "accuracy")
GOAL_MODEL = "dixon_coles"  # the goal-model features alone, scored beside the model


@dataclass(frozen=True)
class WalkForwardConfig:
    preset: Preset
    n_trials: int
    families: Sequence[str] = FAMILIES
    features: FeatureConfig = field(default_factory=FeatureConfig)
    seed: int = 0
    n_jobs: int = 1


def goal_model_alone(features: pl.DataFrame) -> pl.DataFrame:
    """The Dixon-Coles feature probabilities as a forecast of their own (``dixon_coles_<outcome>``).

    Where a team has no goal-model fit yet (a promoted team's first week), base rates stand
    in, so every source is scored on the same matches.
    """
    return features.select(
        "match_id", *[pl.col(f"f_dc_prob_{o}").alias(f"{GOAL_MODEL}_{o}") for o in OUTCOMES]
    )


def draw_calibration(forecasts: pl.DataFrame, sources: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per league: the share of draws and each source's mean draw probability (same matches)."""
    common = forecasts.drop_nulls([f"{s}_{o}" for s in sources for o in OUTCOMES])
    table = common.group_by("league").agg(
        (pl.col("target") == 1).mean().alias("observed"),
        *[pl.col(f"{s}_draw").mean().alias(s) for s in sources],
    )
    return {row.pop("league"): row for row in table.to_dicts()}


@dataclass(frozen=True)
class StageRows:
    """What the calibration stages learn from: the calibration slice and the out-of-fold rows
    of the tuning folds (raw probabilities, features, outcomes, leagues)."""

    probs: np.ndarray
    X: np.ndarray
    y: np.ndarray
    leagues: np.ndarray

    @classmethod
    def of(
        cls, model: CalibratedModel, params: dict[str, Any], data: TrainingData, config: WalkForwardConfig
    ) -> StageRows:
        oof_probs, X_oof, y_oof = out_of_fold(
            model.family, params, data.features, data, config.seed, config.n_jobs
        )
        oof_rows = np.concatenate([valid for _, valid in data.folds]) if data.folds else np.empty(0, np.int64)
        X_cal, y_cal = data.xy("calibration")
        return cls(
            probs=np.vstack([model.estimator.predict_proba(X_cal), oof_probs]),
            X=np.vstack([X_cal, X_oof]),
            y=np.concatenate([y_cal, y_oof]),
            leagues=np.concatenate(
                [data.calibration["league"].to_numpy(), data.train["league"].to_numpy()[oof_rows]]
            ),
        )


def league_blends(
    model: CalibratedModel, rows: StageRows, data: TrainingData
) -> tuple[np.ndarray, dict[str, tuple[float, float]]] | None:
    """Test probabilities with blend weights fitted per league on ``rows`` (what the global
    blend learns from), and the weights; None without a market. An evaluation of a
    per-league stage, not a stage that ships."""
    columns = market_columns(data.features)
    if columns is None:
        return None
    prices = MarketBlend(0.0, 1.0, (columns[0], columns[1], columns[2]))
    market, valid = prices.market(rows.X)
    weights = fit_blends_by_group(rows.probs[valid], market[valid], rows.y[valid], rows.leagues[valid])
    X_test, _ = data.xy("test")
    raw = model.estimator.predict_proba(X_test)
    out = calibrate(raw, X_test, model.temperature, None)
    test_market, test_valid = prices.market(X_test)
    test_leagues = data.test["league"].to_numpy()
    for league, pair in weights.items():
        chosen = test_valid & (test_leagues == league)
        if chosen.any():
            out[chosen] = blend_probabilities(raw[chosen], test_market[chosen], pair)
    return out, weights


def league_temperatures(
    model: CalibratedModel, rows: StageRows, data: TrainingData
) -> tuple[np.ndarray, dict[str, float]]:
    """Test probabilities with a temperature fitted per league on ``rows`` (no blend), and the
    temperatures: far from 1 where a league's probabilities are off. Evaluation only."""
    temperatures = {
        str(league): fit_temperature(rows.probs[rows.leagues == league], rows.y[rows.leagues == league])
        for league in np.unique(rows.leagues)
    }
    X_test, _ = data.xy("test")
    raw = model.estimator.predict_proba(X_test)
    out = calibrate(raw, X_test, model.temperature, None)
    test_leagues = data.test["league"].to_numpy()
    for league, temperature in temperatures.items():
        chosen = test_leagues == league
        out[chosen] = apply_temperature(raw[chosen], temperature)
    return out, temperatures


def model_scores(probs: np.ndarray, data: TrainingData, matches: pl.DataFrame) -> pl.DataFrame:
    """Per-league metrics of test-season probabilities (rows of ``evaluate``, source "model")."""
    scored = evaluate(forecasts_frame(data.test, probs, matches, base_rates(data.train)))
    return scored.filter((pl.col("league") != ALL) & (pl.col("source") == "model"))


def walk_forward(
    matches: pl.DataFrame,
    test_seasons: Sequence[str],
    config: WalkForwardConfig,
    log: Callable[[str], None] = lambda _: None,
) -> list[dict[str, Any]]:
    features = build_match_features(matches, None, config.features)
    rows: list[dict[str, Any]] = []
    for season in test_seasons:
        split_config = SplitConfig(explicit_test=(season,), cv_folds=config.preset.cv_folds)
        splits = assign_splits(features, split_config)
        data = prepare(features, splits, cv_folds(splits, split_config.cv_folds))
        X, y = data.xy("train")
        summaries = []
        for name in config.families:
            result = tune(
                name,
                X,
                y,
                data.folds,
                features=data.features,
                n_trials=config.n_trials,
                preset=config.preset,
                seed=config.seed,
                n_jobs=config.n_jobs,
            )
            log(f"{season} {name}: CV log loss {result.cv_logloss:.4f} ({result.n_trials} trials)")
            summaries.append(
                {
                    "family": name,
                    "cv_logloss": result.cv_logloss,
                    "cv_ece": result.cv_ece,
                    "params": result.best_params,
                }
            )
        best = select_best(summaries)
        params = next(s["params"] for s in summaries if s["family"] == best["family"])
        # the bench always fits the blend and scores the same fit without it too
        model = fit_final(
            best["family"], params, data, seed=config.seed, n_jobs=config.n_jobs, market_blend=True
        )
        X_test, _ = data.xy("test")
        forecasts = forecasts_frame(data.test, model.predict_proba(X_test), matches, base_rates(data.train))
        forecasts = forecasts.join(goal_model_alone(data.test), on="match_id", how="left").with_columns(
            pl.coalesce(f"{GOAL_MODEL}_{o}", f"base_rates_{o}").alias(f"{GOAL_MODEL}_{o}") for o in OUTCOMES
        )
        table = evaluate(forecasts, (*SOURCES, GOAL_MODEL)).filter(pl.col("league") != ALL)
        # the same fit without the market blend (temperature only): what the blend changed
        unblended = calibrate(model.estimator.predict_proba(X_test), X_test, model.temperature, None)
        without = model_scores(unblended, data, matches)
        blend = model.blend.as_dict() if model.blend is not None else None
        log(f"{season}: chose {best['family']} ({best['reason']}); blend {blend}")
        stage_rows = StageRows.of(model, params, data, config)
        per_league = league_blends(model, stage_rows, data)
        temperatures = league_temperatures(model, stage_rows, data)
        blend_table = model_scores(per_league[0], data, matches) if per_league is not None else None
        temperature_table = model_scores(temperatures[0], data, matches)
        log(f"{season}: per league, blend weights {per_league and per_league[1]}")
        log(f"{season}: per league, temperatures {temperatures[1]}")
        draws = draw_calibration(forecasts, (*SOURCES, GOAL_MODEL))
        for (league,), group in table.group_by(["league"], maintain_order=True):
            by_source = {r["source"]: r for r in group.to_dicts()}
            no_blend = without.filter(pl.col("league") == league).row(0, named=True)
            own_temperature = temperature_table.filter(pl.col("league") == league).row(0, named=True)
            by_league: dict[str, Any] = {
                "model_league_temperature": {m: own_temperature[m] for m in METRICS},
                "league_temperature": temperatures[1].get(league),
            }
            if per_league is not None and league in per_league[1]:
                a, b = per_league[1][league]
                own = blend_table.filter(pl.col("league") == league).row(0, named=True)
                by_league |= {
                    "model_league_blend": {m: own[m] for m in METRICS},
                    "league_blend": {"model_weight": a, "market_weight": b},
                }
            rows.append(
                {
                    "league": league,
                    "season": season,
                    "n": by_source["model"]["n"],
                    "family": best["family"],
                    **{
                        source: {m: by_source[source][m] for m in METRICS}
                        for source in (*SOURCES, GOAL_MODEL)
                    },
                    "model_without_blend": {m: no_blend[m] for m in METRICS},
                    "blend": blend,
                    "draws": draws.get(league),
                    **by_league,
                }
            )
    return rows
