"""The model pipeline materialized end to end on a real slice, with a real MLflow store.

Exercises the registry gate both ways and the manual promotion job.
"""

import dagster as dg
import mlflow
import polars as pl
import pytest

from soccer_assets.defs.training import TRAINING_JOB
from soccer_assets.defs.training.promotion import PROMOTION_JOB
from soccer_assets.mlops.registry import CANDIDATE, CHAMPION
from soccer_assets.pipeline import quiet_run_config, run_ingestion
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
    assert registry.version("2").tags["gate"] == "failed"
    assert registry.alias_version(CANDIDATE) == "1"

    # 4. a lenient gate: v3 becomes candidate, the champion stays until someone promotes
    lenient = model_platform(gate_tolerance=1.0, model_families=("logreg",))
    assert _train(lenient).success
    assert registry.alias_version(CANDIDATE) == "3"
    assert registry.alias_version(CHAMPION) == "1"
    assert registry.version("3").tags["gate"] == "passed"
