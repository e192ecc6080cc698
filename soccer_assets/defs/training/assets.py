"""Training assets: splits, Optuna tuning per family, selection, final calibrated model, evaluation."""

from typing import Any

import dagster as dg
import polars as pl

from soccer_assets.defs.features.assets import frame_fingerprint
from soccer_assets.defs.metadata import frame_markdown, latest_data_version, markdown_table
from soccer_assets.defs.plots import calibration_plot_markdown
from soccer_assets.defs.policies import refresh_after_checks
from soccer_assets.lib.evaluation import ALL, base_rates, evaluate, forecasts_frame
from soccer_assets.lib.metrics import score
from soccer_assets.lib.models.progress import TrialProgress
from soccer_assets.lib.models.selection import select_best
from soccer_assets.lib.models.training import fit_final_and_serving, prepare
from soccer_assets.lib.models.tuning import tune
from soccer_assets.lib.models.zoo import FAMILIES, Preset
from soccer_assets.lib.splits import (
    SplitConfig,
    assign_splits,
    folds_frame,
    folds_from_frame,
)
from soccer_assets.lib.splits import (
    cv_folds as make_folds,
)
from soccer_assets.mlops.contract import (
    HOLDOUT_ARTIFACT,
    HOLDOUT_URI_TAG,
    MATCHES_VERSION_TAG,
    PROBABILITY_COLUMNS,
    to_model_input,
)
from soccer_assets.resources.mlflow import MlflowResource
from soccer_assets.resources.storage import StorageResource
from soccer_assets.settings import Settings
from soccer_assets.storage.evaluations import save_evaluation

TRAINING_POOL = "model_training"


class TuningConfig(dg.Config):
    """Per-materialization switches; unset values come from the SOCCER_* settings."""

    enabled: bool | None = None
    n_trials: int | None = None


def _run_tags(context: dg.AssetExecutionContext, data_version: str, **extra: str) -> dict[str, str]:
    return {
        "dagster_run_id": context.run_id,
        "dagster_asset_key": context.asset_key.to_user_string(),
        "data_version": data_version,
        **extra,
    }


def _seasons(frame: pl.DataFrame) -> str:
    return ",".join(sorted(frame["season"].unique().to_list()))


def _mlflow_link(mlflow: MlflowResource, run_id: str) -> dg.MetadataValue:
    url = mlflow.run_url(run_id)
    return (
        dg.MetadataValue.url(url) if url else dg.MetadataValue.text(f"run {run_id} in {mlflow.tracking_uri}")
    )


def _blend_params(prefix: str, model: Any) -> dict[str, float]:
    """How much weight the model earned against the market on its calibration slice."""
    if model.blend is None:
        return {}
    return {
        f"{prefix}blend_model_weight": round(model.blend.model_weight, 6),
        f"{prefix}blend_market_weight": round(model.blend.market_weight, 6),
    }


def build_training_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    preset = Preset.named(settings.training_preset)
    split_config = SplitConfig(
        test_seasons=settings.test_seasons,
        calibration_seasons=settings.calibration_seasons,
        cv_folds=preset.cv_folds,
        min_test_matches=settings.gate_min_matches,
    )

    @dg.asset(
        group_name="training",
        kinds={"polars"},
        automation_condition=refresh_after_checks(),  # new fixtures must reach the predict split
        description="Season-based train / calibration / test split, and the upcoming matches to predict.",
    )
    def time_splits(match_features: pl.DataFrame) -> dg.Output[pl.DataFrame]:
        splits = assign_splits(match_features, split_config)
        summary = (
            splits.group_by("split")
            .agg(
                pl.col("season").unique().sort().str.join(", ").alias("seasons"),
                pl.len().alias("matches"),
                pl.col("usable").sum().alias("usable"),
                pl.col("kickoff_date").min().alias("from"),
                pl.col("kickoff_date").max().alias("to"),
            )
            .sort("from")
        )
        return dg.Output(
            splits, metadata={"splits": frame_markdown(summary), "dagster/row_count": splits.height}
        )

    @dg.asset(
        group_name="training",
        kinds={"polars"},
        description="Expanding-window CV folds inside the training seasons.",
    )
    def cv_folds(time_splits: pl.DataFrame) -> dg.Output[pl.DataFrame]:
        folds = make_folds(time_splits, split_config.cv_folds)
        table = [
            {
                "fold": f.number,
                "validation_season": f.validation_season,
                "train": len(f.train_ids),
                "valid": len(f.valid_ids),
            }
            for f in folds
        ]
        return dg.Output(folds_frame(folds), metadata={"folds": dg.MetadataValue.md(markdown_table(table))})

    def tuned(family_name: str) -> dg.AssetsDefinition:
        @dg.asset(
            name=f"tuned_{family_name}",
            group_name="training",
            io_manager_key="json_io_manager",
            kinds={"optuna", "mlflow"},
            pool=TRAINING_POOL,
            description=f"Optuna study (TPE, median pruning) of {family_name} minimising CV log loss; "
            "one MLflow parent run with a nested run per trial.",
        )
        def _tuned(
            context: dg.AssetExecutionContext,
            config: TuningConfig,
            match_features: pl.DataFrame,
            time_splits: pl.DataFrame,
            cv_folds: pl.DataFrame,
            mlflow: MlflowResource,
        ) -> dg.Output[dict]:
            enabled = config.enabled if config.enabled is not None else family_name in settings.model_families
            if not enabled:
                context.log.info(f"{family_name} is switched off")
                return dg.Output({"family": family_name, "enabled": False}, metadata={"enabled": False})
            n_trials = config.n_trials or preset.trials
            data = prepare(match_features, time_splits, folds_from_frame(cv_folds))
            X, y = data.xy("train")
            tracker = mlflow.tracker()
            data_version = frame_fingerprint(match_features)
            tags = _run_tags(context, data_version, family=family_name, preset=preset.name)
            progress = TrialProgress(family_name, n_trials, context.log.info)

            def on_trial(record) -> None:
                tracker.log_trial(parent, record, tags)
                progress(record)

            with tracker.parent_run(f"tune-{family_name}", tags) as parent:
                result = tune(
                    family_name,
                    X,
                    y,
                    data.folds,
                    features=data.features,
                    n_trials=n_trials,
                    preset=preset,
                    seed=settings.seed,
                    n_jobs=settings.n_jobs,
                    on_trial=on_trial,
                )
                tracker.log(
                    parent,
                    params={
                        **{f"best.{k}": v for k, v in result.best_params.items()},
                        "n_trials": result.n_trials,
                    },
                    metrics={
                        "cv_logloss": result.cv_logloss,
                        "cv_ece": result.cv_ece,
                        "n_pruned": result.n_pruned,
                    },
                )
            trials = [
                {
                    "trial": t.number,
                    "state": t.state,
                    "cv_logloss": t.cv_logloss,
                    "seconds": round(t.seconds, 1),
                }
                for t in result.trials
            ]
            document = {
                "family": family_name,
                "enabled": True,
                "cv_logloss": result.cv_logloss,
                "cv_ece": result.cv_ece,
                "best_params": result.best_params,
                "fold_logloss": result.best_fold_logloss,
                "n_trials": result.n_trials,
                "n_pruned": result.n_pruned,
                "features": data.features,
                "n_train": int(len(y)),
                "mlflow_run_id": parent,
                "data_version": data_version,
            }
            return dg.Output(
                document,
                metadata={
                    "cv_logloss": result.cv_logloss,
                    "cv_ece": result.cv_ece,
                    "n_trials": result.n_trials,
                    "n_pruned": result.n_pruned,
                    "trials": dg.MetadataValue.md(markdown_table(trials)),
                    "mlflow_run": _mlflow_link(mlflow, parent),
                },
            )

        return _tuned

    tuned_assets = [tuned(name) for name in FAMILIES]

    @dg.asset(
        group_name="training",
        io_manager_key="json_io_manager",
        ins={f"tuned_{name}": dg.AssetIn(f"tuned_{name}") for name in FAMILIES},
        description="The family with the lowest CV log loss (near-ties go to the best calibrated), and why.",
    )
    def best_model(**tuned_results: dict) -> dg.Output[dict]:
        candidates = list(tuned_results.values())
        choice = select_best(candidates)
        winner = next(c for c in candidates if c.get("family") == choice["family"])
        document = {**choice, "params": winner["best_params"], "features": winner["features"]}
        return dg.Output(
            document,
            metadata={
                "family": choice["family"],
                "reason": choice["reason"],
                "ranking": dg.MetadataValue.md(markdown_table(choice["ranking"])),
            },
        )

    @dg.asset(
        group_name="training",
        io_manager_key="json_io_manager",
        kinds={"mlflow"},
        pool=TRAINING_POOL,
        description="Best family refit on all training seasons, temperature-calibrated on the calibration "
        "season, logged with its signature and registered as a new version of the model.",
    )
    def final_model(
        context: dg.AssetExecutionContext,
        match_features: pl.DataFrame,
        time_splits: pl.DataFrame,
        best_model: dict,
        mlflow: MlflowResource,
    ) -> dg.Output[dict]:
        data = prepare(match_features, time_splits, [], feature_list=best_model["features"])
        family_name, params = best_model["family"], best_model["params"]
        fit = {"seed": settings.seed, "n_jobs": settings.n_jobs, "market_blend": settings.market_blend}
        model, serving = fit_final_and_serving(family_name, params, data, **fit)
        X_test, y_test = data.xy("test")
        holdout = score(model.predict_proba(X_test), y_test)
        trained_through = data.calibration["kickoff_date"].max()
        served_through = data.test["kickoff_date"].max()
        leagues = ",".join(sorted(set(data.train["league"]) | set(data.calibration["league"])))
        data_version = frame_fingerprint(match_features)
        tracker = mlflow.tracker()
        tags = _run_tags(context, data_version, family=best_model["family"])
        with tracker.parent_run("final-model", tags) as run_id:
            tracker.log(
                run_id,
                params={
                    "family": best_model["family"],
                    **{f"model.{k}": v for k, v in best_model["params"].items()},
                    "temperature": round(model.temperature, 6),
                    "serving_temperature": round(serving.temperature, 6),
                    **_blend_params("", model),
                    **_blend_params("serving_", serving),
                    "n_features": len(model.features),
                    "train_seasons": _seasons(data.train),
                    "calibration_seasons": _seasons(data.calibration),
                    "test_seasons": _seasons(data.test),
                },
                metrics={f"holdout_{k}": v for k, v in holdout.items()}
                | {
                    "n_train": data.train.height,
                    "n_calibration": data.calibration.height,
                    "n_test": data.test.height,
                },
            )
            sample = to_model_input(data.train.head(50), model.features)
            _, holdout_uri = tracker.log_model(run_id, model, sample, None, artifact=HOLDOUT_ARTIFACT)
            version, _ = tracker.log_model(run_id, serving, sample, mlflow.model_name)
        assert version is not None  # registered under the model name
        mlflow.registry().tag(
            version,
            {
                "family": best_model["family"],
                HOLDOUT_URI_TAG: holdout_uri,
                "fit": "serving: refit on the training and calibration seasons, temperature on the test "
                "seasons; judged by its holdout_model (training seasons only, calibrated on the calibration "
                "seasons, tested on the test seasons)",
                "serving_fit_seasons": ",".join(
                    s for s in (_seasons(data.train), _seasons(data.calibration)) if s
                ),
                "serving_calibration_seasons": _seasons(data.test),
                "served_through": served_through,
                "train_leagues": leagues,
                "holdout_logloss": f"{holdout['logloss']:.6f}",
                "trained_through": trained_through,
                "finished_matches_at_training": int(match_features["is_finished"].sum()),
                "data_version": data_version,
                MATCHES_VERSION_TAG: latest_data_version(context.instance, "matches") or "",
                "dagster_run_id": context.run_id,
                "train_seasons": _seasons(data.train),
                "calibration_seasons": _seasons(data.calibration),
                "test_seasons": _seasons(data.test),
            },
        )
        document: dict[str, Any] = {
            "model_name": mlflow.model_name,
            "version": version,
            "run_id": run_id,
            "family": best_model["family"],
            "temperature": model.temperature,
            "serving_temperature": serving.temperature,
            "blend": model.blend.as_dict() if model.blend else None,
            "serving_blend": serving.blend.as_dict() if serving.blend else None,
            "holdout_model_uri": holdout_uri,
            "train_leagues": leagues.split(","),
            "features": model.features,
            "holdout": holdout,
            "trained_through": str(trained_through),
            "finished_matches_at_training": int(match_features["is_finished"].sum()),
            "n_train": data.train.height,
            "n_calibration": data.calibration.height,
            "n_test": data.test.height,
            "data_version": data_version,
        }
        return dg.Output(
            document,
            metadata={
                "model_version": version,
                "family": best_model["family"],
                "temperature": model.temperature,
                **_blend_params("", model),
                **{f"holdout_{k}": v for k, v in holdout.items()},
                "mlflow_run": _mlflow_link(mlflow, run_id),
            },
        )

    @dg.asset(
        group_name="training",
        kinds={"polars", "mlflow"},
        description="Holdout log loss, RPS, Brier, ECE and accuracy per league and season, beside league "
        "base rates and de-vigged pre-match and closing odds, with a calibration plot.",
    )
    def model_evaluation(
        context: dg.AssetExecutionContext,
        match_features: pl.DataFrame,
        time_splits: pl.DataFrame,
        final_model: dict,
        matches: pl.DataFrame,
        mlflow: MlflowResource,
        storage: StorageResource,
    ) -> dg.Output[pl.DataFrame]:
        registry = mlflow.registry()
        model = registry.load_holdout(final_model["version"])  # the model that never saw the holdout
        data = prepare(match_features, time_splits, [], feature_list=final_model["features"])
        probs = model.predict(to_model_input(data.test, final_model["features"]))[
            PROBABILITY_COLUMNS
        ].to_numpy()
        forecasts = forecasts_frame(data.test, probs, matches, base_rates(data.train))
        table = evaluate(forecasts).with_columns(model_version=pl.lit(str(final_model["version"])))
        overall = {r["source"]: r for r in table.filter(pl.col("league") == ALL).to_dicts()}
        tracker = mlflow.tracker()
        tracker.log(
            final_model["run_id"],
            metrics={
                f"eval_{source}_{m}": overall[source][m]
                for source in overall
                for m in ("logloss", "rps", "brier")
            },
        )
        tracker.log_json(final_model["run_id"], "evaluation.json", table.to_dicts())
        save_evaluation(storage.blobstore(), str(final_model["version"]), table)
        plot_md = calibration_plot_markdown(forecasts)
        return dg.Output(
            table,
            metadata={
                "model_version": final_model["version"],
                "evaluated_matches": overall["model"]["n"],
                **{f"{source}_logloss": overall[source]["logloss"] for source in overall},
                "table": frame_markdown(table.with_columns(pl.col(pl.Float64).round(4)), 200),
                "calibration_plot": dg.MetadataValue.md(plot_md),
                "mlflow_run": _mlflow_link(mlflow, final_model["run_id"]),
            },
        )

    return [time_splits, cv_folds, *tuned_assets, best_model, final_model, model_evaluation]
