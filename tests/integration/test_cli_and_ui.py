"""The README's way in: the ``soccer`` command, ``dagster asset materialize`` and ``dagster dev``.

Each runs as a real subprocess against a DAGSTER_HOME built from the repo's dagster.yaml,
the source pointed at the local mirror, exactly as a newcomer would run them.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.services import stop_process

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


@pytest.fixture
def env(tmp_path, mirror) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SOCCER_FOOTBALL_DATA_URL": mirror.url,
        "SOCCER_LEAGUES": "E0,D1",
        "SOCCER_SEASONS": "1617,2324",
        "SOCCER_STORAGE_URL": str(tmp_path / "store"),
        "SOCCER_HTTP_BACKOFF": "0.01",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_soccer_ingest_prints_a_summary(env, manifest):
    done = subprocess.run(
        [BIN / "soccer", "ingest"], env=env, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["files"] == 3 and summary["missing"] == ["D1/1617"]
    assert (
        summary["matches"] == manifest[("E0", "1617")] + manifest[("E0", "2324")] + manifest[("D1", "2324")]
    )
    assert summary["fixtures"] == 19 and summary["failed_runs"] == []


def test_dagster_cli_materializes_headless(env):
    command = ["asset", "materialize", "-m", "soccer_assets.definitions", "--select", "raw_fixtures"]
    done = subprocess.run(
        [BIN / "dagster", *command], env=env, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RUN_SUCCESS" in done.stderr
    assert list((Path(env["SOCCER_STORAGE_URL"]) / "raw/football-data/fixtures").glob("*.csv"))


GRAPH_QUERY = """{ assetNodes { assetKey { path } dependencyKeys { path }
  assetChecksOrError { ... on AssetChecks { checks { name blocking
    executionForLatestMaterialization { status partition } } } } }
  workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError { ... on RepositoryLocation {
    repositories { sensors { name sensorState { status } } schedules { name scheduleState { status } } }
  } } } } } }"""


def test_dagster_dev_shows_the_graph_with_green_checks(env):
    subprocess.run(
        [BIN / "soccer", "ingest"], env=env, capture_output=True, timeout=300, check=True, cwd=REPO_ROOT
    )
    port = _free_port()
    proc = subprocess.Popen(
        [BIN / "dagster", "dev", "-m", "soccer_assets.definitions", "-p", str(port), "-h", "127.0.0.1"],
        env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/graphql", json={"query": GRAPH_QUERY}, timeout=10
                )
                if response.status_code == 200 and response.json().get("data", {}).get("assetNodes"):
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "dagster dev did not answer within 120 s"
            time.sleep(1)
        nodes = {tuple(n["assetKey"]["path"]): n for n in response.json()["data"]["assetNodes"]}
        deps = {k[0]: sorted(d["path"][0] for d in n["dependencyKeys"]) for k, n in nodes.items()}
        assert deps["matches"] == ["raw_football_data"]
        assert deps["fixtures"] == ["matches", "raw_fixtures"]
        statuses = {  # None: the check's asset was never materialized here (e.g. no Fonbet access)
            c["name"]: (c["executionForLatestMaterialization"] or {}).get("status")
            for n in nodes.values()
            for c in n["assetChecksOrError"]["checks"]
        }
        blocking = {
            c["name"] for n in nodes.values() for c in n["assetChecksOrError"]["checks"] if c["blocking"]
        }
        ingestion_checks = {
            "raw_football_data_schema",
            "raw_fixtures_schema",
            "matches_schema_valid",
            "fixtures_schema_valid",
        }
        assert ingestion_checks <= blocking  # other domains add their own blocking checks
        assert all(statuses[name] == "SUCCEEDED" for name in ingestion_checks), statuses
        # the odds chain and the (optional, here unconfigured) WhoScored assets are in the graph
        assert deps["fonbet_events"] == ["raw_fonbet_line"]
        assert deps["fonbet_links"] == ["fixtures", "fonbet_events", "matches"]
        assert deps["fonbet_odds"] == ["fonbet_events", "fonbet_links", "raw_fonbet_line"]
        assert deps["whoscored_stats"] == ["matches", "raw_whoscored"]
        assert {"raw_fonbet_line_schema", "fonbet_links_one_to_one", "fonbet_odds_schema_valid"} <= blocking
        # ... through the model to what users read
        assert deps["final_model"] == ["best_model", "match_features", "time_splits"]
        assert "candidate_gate_check" in blocking
        assert deps["publication"] == [
            "backtest", "drift_report", "fonbet_odds", "match_features", "matches", "model_evaluation",
            "odds_history", "prediction_cards", "predictions", "quality_metrics", "region_roi", "team_state",
        ]  # fmt: skip
        # schedules and sensors are listed and running under the daemon
        repositories = [
            repo
            for entry in response.json()["data"]["workspaceOrError"]["locationEntries"]
            for repo in entry["locationOrLoadError"]["repositories"]
        ]
        sensors = {s["name"]: s["sensorState"]["status"] for r in repositories for s in r["sensors"]}
        schedules = {s["name"]: s["scheduleState"]["status"] for r in repositories for s in r["schedules"]}
        assert set(schedules) >= {"daily_results_schedule", "fonbet_every_4_hours", "weekly_retrain_schedule"}
        assert set(sensors) >= {"retrain_on_new_matches", "retrain_on_drift", "repredict_on_promotion"}
        assert set(schedules.values()) == set(sensors.values()) == {"RUNNING"}
    finally:
        stop_process(proc, timeout=60)  # dagster dev stops its daemon and webserver first


def test_soccer_run_then_promote(env, tmp_path, monkeypatch):
    """The README's main command end to end (smoke preset), then a manual sign-off."""
    env = {
        **env,
        "SOCCER_LEAGUES": "E0",
        "SOCCER_SEASONS": "2021-2526",
        "SOCCER_TRAINING_PRESET": "smoke",
        "SOCCER_MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/mlflow/mlflow.db",
        "SOCCER_MLFLOW_ARTIFACT_URI": str(tmp_path / "mlflow" / "artifacts"),
        "SOCCER_PROMETHEUS_TEXTFILE": str(tmp_path / "metrics" / "soccer.prom"),
        "SOCCER_FONBET_URL": env["SOCCER_FOOTBALL_DATA_URL"] + "no-fonbet-here.json",  # 404: cards fall back
    }
    done = subprocess.run(
        [BIN / "soccer", "run"], env=env, capture_output=True, text=True, timeout=900, cwd=REPO_ROOT
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    assert "Fonbet unavailable" in done.stdout
    summary = json.loads(done.stdout[done.stdout.index("{\n") :])
    assert summary["upcoming_predicted"] == 10  # the Premier League rows of the real fixtures.csv
    assert summary["upcoming_with_odds"] == 10 and summary["model"]["alias"] == "candidate"
    assert set(summary["backtest"]) == {"all_picks", "value_bets"}
    assert summary["backtest"]["all_picks"]["yield_ci"][0] <= summary["backtest"]["all_picks"]["yield"]

    promote = [BIN / "soccer", "promote", "--by", "carol", "--reason", "holdout reviewed"]
    done = subprocess.run(promote, env=env, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    again = subprocess.run(promote, env=env, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert again.returncode == 1 and "already the champion" in again.stderr

    # kill -9 during publication: the run keeps the publication pool slot it held, and the
    # next `soccer run` marks it failed, frees the slot and publishes without waiting for it
    killed = subprocess.Popen(
        [BIN / "soccer", "run", "--no-training"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO_ROOT,
    )
    assert killed.stdout is not None
    for line in killed.stdout:
        if "started  publication" in line:
            killed.kill()
            break
    assert killed.wait(timeout=60) == -signal.SIGKILL
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])  # dagster.yaml reads it
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        holders = instance.event_log_storage.get_concurrency_info("publication").active_run_ids
        assert len(holders) == 1, "the kill came after publication had finished: nothing to recover"
        (dead,) = holders
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.STARTED

    started = time.monotonic()
    done = subprocess.run(
        [BIN / "soccer", "run", "--no-training"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    assert f"marked run {dead} (inference_job) failed" in done.stdout
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
        assert instance.event_log_storage.get_concurrency_info("publication").active_run_ids == set()
    print(f"publication after a killed one: {time.monotonic() - started:.0f} s")
