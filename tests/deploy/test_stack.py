"""``./scripts/stack``: the production-like stack on one machine, end to end, no mocks.

The stack comes up in a temp folder on free ports, with the real football-data files of
``../shared/data`` served by its own mirror process. The pipeline (Premier League 2022/23-2025/26,
smoke preset) runs THROUGH THE DAEMON: ``./scripts/stack run`` submits each run to the webserver's
GraphQL API, the daemon's run queue dequeues it and the code server launches it in a process of its
own. Then every service is checked from outside, the way an operator would: cards over the API,
the web app, MLflow's server, the S3 buckets, the runs in the Dagster database, Prometheus' rules
and targets. ``down`` must leave no process and no open port behind, and is safe to call twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import psycopg2
import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.deploy.tools import DEPLOY, tool
from tests.services import free_port_block

pytestmark = pytest.mark.slow

STACK = REPO_ROOT / "scripts" / "stack"
# the smallest real slice the gate can judge: three seasons to train and calibrate on, one (380
# matches, over SOCCER_GATE_MIN_MATCHES) held out, and the running season's fixtures
SCOPE = {"SOCCER_LEAGUES": "E0", "SOCCER_SEASONS": "2223-2526", "SOCCER_TRAINING_PRESET": "smoke"}
JOBS = {
    "football_data_results_job",
    "canonical_tables_job",
    "fonbet_odds_job",
    "training_job",
    "inference_job",
}
SERVICES = [
    "s3", "mirror", "node_exporter", "alertmanager", "prometheus", "code_server",
    "mlflow", "api", "ui", "webserver", "daemon",
]  # fmt: skip


def _clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without settings of its own (a developer's shell may have some)."""
    prefixes = ("SOCCER_", "DAGSTER_", "MLFLOW_", "AWS_", "STACK_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(prefixes)}, **extra}


def _stack(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(STACK), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT
    )
    print(f"$ scripts/stack {' '.join(args)} -> {done.returncode}\n{done.stdout}{done.stderr}")
    return done


def _env_file(path: Path) -> dict[str, str]:
    """``stack.env`` as a shell would see it after ``source``."""
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            values[key] = value
    return values


def _stack_processes(folder: Path) -> dict[int, str]:
    """Every process of the stack: each pid file's leader, its process group and its descendants."""
    found: dict[int, str] = {}
    for record in (folder / "pids").glob("*.json"):
        leader = json.loads(record.read_text())["pid"]
        found[leader] = record.stem
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in psutil.Process(leader).children(recursive=True):
                found[child.pid] = record.stem
        for proc in psutil.process_iter(["pid"]):
            with contextlib.suppress(psutil.NoSuchProcess):
                if os.getpgid(proc.pid) == leader:
                    found[proc.pid] = record.stem
    return found


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE  # a zombie has ended
    except psutil.NoSuchProcess:
        return False


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(1)


@pytest.fixture
def stack_env(tmp_path, shared_data):
    """The environment of ./scripts/stack for a stack in a temp folder on a free block of ports; the
    stack is brought down and purged (databases dropped) whatever the test did."""
    # the monitoring tools the stack runs (./scripts/tools installs them): missing is a failure, not a skip
    for name in ("prometheus", "prometheus-alertmanager", "prometheus-node-exporter"):
        tool(name)
    env = _clean_env(STACK_DIR=str(tmp_path / "stack"), STACK_PORT_BASE=str(free_port_block(18)), **SCOPE)
    try:
        yield env
    finally:
        _stack(env, "down", "--purge", timeout=120)


@pytest.mark.timeout(1200)  # about 5.5 minutes here; the headroom is for a machine busy with other work
def test_the_stack_runs_the_pipeline_through_the_daemon_and_stops_clean(stack_env, shared_data):
    folder = Path(stack_env["STACK_DIR"])
    started = time.monotonic()

    # --- up: every service answers; up again is a no-op ------------------------------------------
    up = _stack(stack_env, "up", "--mirror", str(shared_data), timeout=400)
    assert up.returncode == 0, up.stdout + up.stderr
    for name in SERVICES:
        assert re.search(rf"^{name}\s+\d+\s+running, answers", up.stdout, re.M), name
    again = _stack(stack_env, "up", timeout=120)
    assert again.returncode == 0 and again.stdout.count("already running") == len(SERVICES)
    status = _stack(stack_env, "status", timeout=120)
    assert status.returncode == 0, status.stdout
    assert status.stdout.count("running, answers") == len(SERVICES)
    assert oct((folder / "stack.env").stat().st_mode & 0o777) == "0o600"  # it holds keys
    env = _env_file(folder / "stack.env")
    assert env["SOCCER_STORAGE_URL"].startswith("s3://") and env["SOCCER_LEAGUES"] == "E0"
    before_run = time.monotonic()

    # --- the pipeline, submitted to the webserver, executed by the daemon's queue -------------------
    run = _stack(stack_env, "run", "--executor", "in_process", timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    pipeline_s = time.monotonic() - before_run

    # cards through the API (over HTTP, with the stack's key)
    api = httpx.Client(base_url=env["STACK_API_URL"], headers={"X-API-Key": env["SOCCER_API_KEYS"]})
    cards = api.get("/predict/cards/", params={"limit": 1000}).raise_for_status().json()
    assert cards["total"] > 0 and {card["league"] for card in cards["items"]} == {"E0"}
    ready = api.get("/healthcheck/ready").raise_for_status().json()
    assert ready["status"] in ("ok", "degraded") and ready["publication_id"] == cards["publication_id"]
    assert api.get("/predict/cards/", headers={"X-API-Key": ""}).status_code == 401
    card_ids = {card["match_id"] for card in cards["items"]}

    # the web app answers and shows the same cards (its API, as a browser's client would call it)
    ui_url = env["STACK_UI_URL"]
    page = httpx.get(ui_url + "/", timeout=30)
    assert page.status_code == 200 and "gradio" in page.text.lower()
    from gradio_client import Client

    shown = Client(ui_url + "/", verbose=False).predict(status="all", api_name="/filter_cards")
    assert shown["published"] == cards["total"], shown
    assert shown["rows"] > 0 and set(shown["match_ids"]) <= card_ids

    # MLflow: the tuning runs and the registered model, on the tracking server
    from mlflow import MlflowClient

    # the registry too: an earlier test in this process may have set mlflow's global registry URI
    uri = env["SOCCER_MLFLOW_TRACKING_URI"]
    mlflow = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = mlflow.get_experiment_by_name("soccer-1x2")
    assert experiment is not None and experiment.artifact_location.startswith("s3://mlflow/")
    assert mlflow.search_runs([experiment.experiment_id], max_results=5)
    versions = mlflow.search_model_versions("name='soccer-1x2'")
    assert versions
    candidate = mlflow.get_model_version_by_alias("soccer-1x2", "candidate")
    assert candidate.version in {v.version for v in versions}

    # S3: the published store and the model artifacts
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=env["SOCCER_S3_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )

    def keys(bucket: str, prefix: str) -> list[str]:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    store = keys("soccer", "store/")
    assert "store/published/manifest.json" in store
    assert any(key.startswith("store/raw/football-data/results/E0/2324/") for key in store)
    artifacts = keys("mlflow", "artifacts/")
    assert any(key.endswith("/MLmodel") for key in artifacts), artifacts[:20]

    # PostgreSQL: every run is in the Dagster database, went through the queue and succeeded
    dagster_db = psycopg2.connect(env["SOCCER_DAGSTER_PG_URL"].replace("+psycopg2", ""))
    with dagster_db, dagster_db.cursor() as cur:
        cur.execute(
            "SELECT r.run_id, r.pipeline_name, r.status FROM runs r JOIN run_tags t ON t.run_id = r.run_id "
            "WHERE t.key = 'soccer/submitted-by' AND t.value = 'scripts/stack'"
        )
        runs = cur.fetchall()
        assert {job for _, job, _ in runs} == JOBS
        assert sum(job == "football_data_results_job" for _, job, _ in runs) == 4  # one per season
        assert {status for _, job, status in runs if job != "fonbet_odds_job"} == {"SUCCESS"}
        cur.execute(
            "SELECT dagster_event_type, count(DISTINCT run_id) FROM event_logs "
            "WHERE dagster_event_type IN ('PIPELINE_ENQUEUED', 'PIPELINE_STARTING') GROUP BY 1"
        )
        # enqueued by the webserver, then launched (STARTING) by the daemon's queue coordinator
        assert dict(cur.fetchall()) == {"PIPELINE_ENQUEUED": len(runs), "PIPELINE_STARTING": len(runs)}
    dagster_db.close()

    # Prometheus: the project's rules, the API and node-exporter scraped, Alertmanager attached
    prometheus = env["STACK_PROMETHEUS_URL"]
    groups = httpx.get(f"{prometheus}/api/v1/rules").json()["data"]["groups"]
    loaded = {rule["name"] for group in groups for rule in group["rules"] if rule["type"] == "alerting"}
    expected = {
        rule["alert"]
        for group in yaml.safe_load((DEPLOY / "prometheus" / "rules.yml").read_text())["groups"]
        for rule in group["rules"]
    }
    assert loaded == expected

    def query(expr: str) -> list[dict]:
        return httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}).json()["data"]["result"]

    _wait_for(lambda: query('up{job="soccer-api"} == 1'), 30, "the API target to be up")
    _wait_for(lambda: query('up{job="node"} == 1'), 30, "node-exporter to be up")
    # the API's figures of this publication, and the pipeline's textfile through node-exporter
    _wait_for(lambda: query('soccer_publication_loaded{job="soccer-api"} == 1'), 30, "the publication gauge")
    _wait_for(lambda: query('soccer_model_info{job="node"}'), 30, "the textfile through node-exporter")
    managers = httpx.get(f"{prometheus}/api/v1/alertmanagers").json()["data"]["activeAlertmanagers"]
    assert [m["url"] for m in managers] == [env["STACK_ALERTMANAGER_URL"] + "/api/v2/alerts"]

    # --- down: nothing left running, no port open; down again is fine ------------------------------
    processes = _stack_processes(folder)
    assert set(processes.values()) == set(SERVICES)
    ports = [int(stack_env["STACK_PORT_BASE"]) + offset for offset in range(18)]
    listening = [port for port in ports if _port_open(port)]
    assert len(listening) >= 15  # every service's, and weed's internal ones
    down = _stack(stack_env, "down", timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    left = {pid: name for pid, name in processes.items() if _running(pid)}
    assert not left, f"still running after down: {left}"
    assert not [port for port in listening if _port_open(port)]
    assert not list((folder / "pids").glob("*.json"))
    down_again = _stack(stack_env, "down", timeout=60)
    assert down_again.returncode == 0 and "nothing running" in down_again.stdout
    status = _stack(stack_env, "status", timeout=60)
    assert status.returncode == 1 and status.stdout.count("stopped") == len(SERVICES)
    print(f"stack test: pipeline {pipeline_s:.0f} s, all {time.monotonic() - started:.0f} s")
