"""The model pipeline materialized end to end on a real slice, with a real MLflow store.

Exercises the registry gate both ways and the manual promotion job.
"""

import json

import dagster as dg
import mlflow
import polars as pl
import pytest

from soccer_assets.defs.training import TRAINING_JOB
from soccer_assets.defs.training.promotion import PROMOTION_JOB
from soccer_assets.mlops.registry import CANDIDATE, CHAMPION
from soccer_assets.pipeline import quiet_run_config, run_ingestion
from soccer_assets.storage.published import PublishedStore
from tests.assets.conftest import Platform, check_outcomes, materialized

pytestmark = pytest.mark.slow


def _train(platform: Platform) -> dg.ExecuteInProcessResult:
    job = platform.defs.resolve_job_def(TRAINING_JOB)
    return job.execute_in_process(
        instance=platform.instance, raise_on_error=False, run_config=quiet_run_config()
    )


def test_training_registry_gate_and_promotion(model_platform):
    platform = model_platform()
    assert run_ingestion(platform.defs, platform.settings, platform.instance, log=lambda _: None).ok
    mlflow_resource = platform.defs.resources["mlflow"]
    registry = mlflow_resource.registry()
    client = mlflow_resource.tracker().client

    # 1. first model: no champion, so the gate passes and v1 becomes candidate
    first = _train(platform)
    assert first.success
    assert {"tuned_xgboost", "best_model", "final_model", "model_evaluation"} <= materialized(first)
    assert check_outcomes(first)["candidate_gate_check"] is True
    assert registry.alias_version(CANDIDATE) == "1"
    assert registry.alias_version(CHAMPION) is None

    # every trial is a nested run under one parent per tuned asset, tagged with the Dagster run
    experiment = client.get_experiment_by_name(platform.settings.mlflow_experiment)
    runs = client.search_runs([experiment.experiment_id], max_results=500)
    parents = {r.info.run_id: r for r in runs if r.info.run_name.startswith("tune-")}
    assert len(parents) == 4
    trials = [r for r in runs if r.data.tags.get("mlflow.parentRunId") in parents]
    assert len(trials) == 4 * 2
    assert {r.data.tags["dagster_run_id"] for r in parents.values()} == {first.run_id}
    assert all(r.data.tags["data_version"] for r in parents.values())

    # the logged signature carries the feature list, and no closing price is in it
    mlflow.set_tracking_uri(platform.settings.mlflow_tracking_uri)
    model = mlflow.pyfunc.load_model(f"models:/{platform.settings.model_name}@{CANDIDATE}")
    inputs = model.metadata.get_input_schema().input_names()
    assert inputs and all(name.startswith("f_") for name in inputs)
    assert not [name for name in inputs if "close" in name]

    evaluation = platform.table("model_evaluation")
    overall = evaluation.filter(pl.col("league") == "ALL")
    assert set(overall["source"]) == {"model", "base_rates", "market_pre", "market_close"}
    assert overall["n"].n_unique() == 1  # every source scored on the same matches

    # 2. manual sign-off makes v1 champion, recorded with who and why
    promote = platform.defs.resolve_job_def(PROMOTION_JOB).execute_in_process(
        instance=platform.instance,
        run_config={
            "ops": {"promote_to_champion": {"config": {"approved_by": "alice", "reason": "reviewed holdout"}}}
        },
    )
    assert promote.success
    assert registry.alias_version(CHAMPION) == "1"
    assert registry.version("1").tags["promoted_by"] == "alice"
    assert [(h["version"], h["approved_by"]) for h in registry.promotion_history()] == [("1", "alice")]

    # 3. a gate nobody can pass: v2 is registered but gets no alias, evaluation is blocked
    strict = model_platform(gate_tolerance=-1.0, model_families=("logreg",))
    blocked = _train(strict)
    assert not blocked.success
    assert check_outcomes(blocked)["candidate_gate_check"] is False
    assert "model_evaluation" not in materialized(blocked)
    assert registry.version("2").tags["gate"].startswith("failed: holdout log loss")
    assert registry.alias_version(CANDIDATE) == "1"

    # 4. a lenient gate: v3 becomes candidate, the champion stays until someone promotes
    lenient = model_platform(gate_tolerance=1.0, model_families=("logreg",))
    assert _train(lenient).success
    assert registry.alias_version(CANDIDATE) == "3"
    assert registry.alias_version(CHAMPION) == "1"
    assert registry.version("3").tags["gate"] == "passed"


def _register_shuffled_version(platform: Platform) -> str:
    """A deliberately bad version: logistic regression fitted on shuffled results."""
    from soccer_assets.lib.models.training import fit_final, fit_serving, prepare
    from soccer_assets.mlops.contract import HOLDOUT_ARTIFACT, HOLDOUT_URI_TAG, to_model_input

    data = prepare(platform.table("match_features"), platform.table("time_splits"), [])
    shuffled = data.train["target"].shuffle(seed=7)
    data.train = data.train.with_columns(shuffled.alias("target"))
    holdout = fit_final("logreg", {"C": 1.0}, data)
    serving = fit_serving("logreg", {"C": 1.0}, data)
    mlflow_resource = platform.defs.resources["mlflow"]
    tracker = mlflow_resource.tracker()
    sample = to_model_input(data.train.head(20), holdout.features)
    with tracker.parent_run("shuffled-labels", {}) as run_id:
        _, uri = tracker.log_model(run_id, holdout, sample, None, artifact=HOLDOUT_ARTIFACT)
        version, _ = tracker.log_model(run_id, serving, sample, mlflow_resource.model_name)
    mlflow_resource.registry().tag(version, {HOLDOUT_URI_TAG: uri, "family": "logreg"})
    document = {"version": version, "features": holdout.features, "run_id": run_id}
    platform.defs.resources["json_io_manager"].storage.blobstore().put(
        "assets/final_model.json", json.dumps(document).encode()
    )
    return version


def test_before_any_champion_a_worse_version_is_refused_and_the_first_keeps_serving(model_platform):
    """With no champion the gate compares with the candidate in use, not with nothing."""
    from soccer_assets.defs.automation import INFERENCE_JOB
    from tests.assets.conftest import run_job

    platform = model_platform()
    assert run_ingestion(platform.defs, platform.settings, platform.instance, log=lambda _: None).ok
    assert _train(platform).success
    registry = platform.defs.resources["mlflow"].registry()
    assert registry.alias_version(CANDIDATE) == "1" and registry.alias_version(CHAMPION) is None

    version = _register_shuffled_version(platform)
    gate = platform.defs.resolve_job_def(TRAINING_JOB).execute_in_process(
        instance=platform.instance,
        raise_on_error=False,
        op_selection=["final_model_candidate_gate_check"],
        run_config=quiet_run_config(),
    )
    assert check_outcomes(gate) == {"candidate_gate_check": False}
    assert "candidate's" in registry.version(version).tags["gate"]
    assert registry.alias_version(CANDIDATE) == "1"
    # the refused version is evaluated (someone materializes model_evaluation on its own) ...
    evaluated = platform.defs.resolve_job_def(TRAINING_JOB).execute_in_process(
        instance=platform.instance,
        raise_on_error=False,
        asset_selection=[dg.AssetKey("model_evaluation")],
        run_config=quiet_run_config(),
    )
    assert evaluated.success and set(platform.table("model_evaluation")["model_version"]) == {version}
    assert run_job(platform, INFERENCE_JOB).success
    served = platform.table("predictions")
    assert set(served["model_version"]) == {"1"}
    assert set(served["model_fit"]) == {"serving", "holdout"}
    # ... but what is published beside version 1 is version 1's own evaluation
    store = PublishedStore(platform.defs.resources["storage"].blobstore())
    manifest = store.manifest()
    assert manifest is not None and manifest.model["version"] == "1"
    assert set(store.read_table("model_evaluation", manifest)["model_version"]) == {"1"}


def test_a_first_version_below_the_floor_gets_no_alias(model_platform):
    platform = model_platform(gate_floor_tolerance=-1.0)  # a market floor no model can clear
    assert run_ingestion(platform.defs, platform.settings, platform.instance, log=lambda _: None).ok
    result = _train(platform)
    assert not result.success and check_outcomes(result)["candidate_gate_check"] is False
    registry = platform.defs.resources["mlflow"].registry()
    assert registry.model_in_use() is None
    assert (
        "no model in use" in registry.version("1").tags["gate"]
        and "market_pre" in registry.version("1").tags["gate"]
    )


def test_the_registered_version_is_the_serving_refit_judged_by_its_holdout_twin(model_platform):
    platform = model_platform()
    assert run_ingestion(platform.defs, platform.settings, platform.instance, log=lambda _: None).ok
    assert _train(platform).success
    registry = platform.defs.resources["mlflow"].registry()
    tags = registry.version("1").tags
    assert tags["serving_fit_seasons"] == "2021,2122,2223,2324,2425"
    assert tags["serving_calibration_seasons"] == "2526" and tags["train_leagues"] == "E0"
    serving = registry.load("1").unwrap_python_model().model
    holdout = registry.load_holdout("1").unwrap_python_model().model
    assert serving.temperature != holdout.temperature
    run = registry.tracker.client.get_run(registry.version("1").run_id)
    assert run.data.params["serving_temperature"] == str(round(serving.temperature, 6))
