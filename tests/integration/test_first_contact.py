"""A newcomer's first hour: the demo, then the Dagster UI and the API, all from one settings file.

Runs ./scripts/demo itself (smoke preset, a small slice, its own var folder and mirror
port), then starts `soccer dagster-dev` and `soccer serve` with nothing but the settings
file the demo wrote, and checks that they see what the demo built.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
BAD_SETTINGS = [
    ({"SOCCER_LEAGUES": "XX9"}, "SOCCER_LEAGUES='XX9': unknown league code 'XX9'"),
    ({"SOCCER_SEASONS": "garbage"}, "SOCCER_SEASONS='garbage': expected season codes"),
    ({"SOCCER_N_JOBS": "two"}, "SOCCER_N_JOBS='two': expected a whole number"),
    ({"SOCCER_MODEL_FAMILIES": "xgboost,catboost"}, "unknown model family 'catboost'; known: hgb, lightgbm"),
    (
        {"SOCCER_FOOTBALL_DATA_URL": "www.football-data.co.uk"},
        "expected a URL starting with http:// or https://",
    ),
    ({"SOCCER_TRAINING_PRESET": "fast"}, "SOCCER_TRAINING_PRESET='fast': expected one of production, smoke"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SOCCER_", "DAGSTER_"))}
    return {**keep, **extra}


def _kill_tree(proc: subprocess.Popen) -> None:
    """Whatever a failed assertion left running: the process and every descendant."""
    with contextlib.suppress(psutil.NoSuchProcess):
        for child in psutil.Process(proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
    if proc.poll() is None:
        proc.kill()
    proc.wait()


@pytest.mark.parametrize(("env", "message"), BAD_SETTINGS)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(env, message, tmp_path):
    done = subprocess.run(
        [BIN / "soccer", "run"],
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]  # one line
    assert message in done.stderr and "Traceback" not in done.stderr + done.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory, shared_data):
    """./scripts/demo --mirror as the README says, on E0 (with I1, which the mirror lacks)."""
    var = tmp_path_factory.mktemp("demo") / "var"
    env = _clean_env(
        SOCCER_VAR_DIR=str(var),
        SOCCER_MIRROR_PORT=str(_free_port()),
        SOCCER_TRAINING_PRESET="smoke",
        SOCCER_LEAGUES="E0,I1",
        SOCCER_SEASONS="2223-2526",
    )
    done = subprocess.run(
        [REPO_ROOT / "scripts" / "demo", "--mirror", str(shared_data)],
        env=env, capture_output=True, text=True, timeout=900, cwd=REPO_ROOT,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout[-4000:], done.stderr[-4000:])
    return var, done.stdout


def test_the_demo_says_what_runs_and_what_happened(demo):
    var, out = demo
    lines = out.splitlines()
    assert any(line.startswith("leagues   E0,I1") for line in lines)  # the header
    assert sum("I1" in line and "404" in line for line in lines) == 1  # an absent league, said once
    assert "I1: nothing published for any of the 4 seasons asked (404)" in out
    for family in ("xgboost", "lightgbm", "hgb", "logreg"):
        assert f"{family}: trial 2/2, best CV log loss" in out  # tuning progress
        assert f"done     tuned_{family} (" in out
    assert "started  final_model" in out and "done     publication (" in out
    summary = json.loads(out[out.index("{\n") :])
    assert summary["serving"].endswith("candidate: no champion yet (sign one off with `soccer promote`)")
    assert summary["leagues_without_training_data"] == ["I1"] and summary["untrained_leagues_predicted"] == []
    assert set(summary["backtest"]) == {"all_picks", "value_bets"}  # both, even with no value bet
    assert any("soccer dagster-dev" in step for step in summary["open_next"])
    settings = (var / "soccer.env").read_text()
    assert "SOCCER_SEASONS=2223-2526" in settings and "SOCCER_AUTOMATION=false" in settings
    assert oct((var / "soccer.env").stat().st_mode & 0o777) == "0o600"  # it holds the API key


GRAPH = """{ assetNodes { assetKey { path } partitionKeys }
  workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError { ... on RepositoryLocation {
    repositories { sensors { name sensorState { status } } schedules { name scheduleState { status } } }
  } } } } }
  assetOrError(assetKey: {path: ["raw_football_data"]}) { ... on Asset {
    assetMaterializations { partition } } } }"""


def test_dagster_dev_the_readme_way_sees_the_demo_and_stays_quiet(demo, tmp_path):
    var, _ = demo
    port = _free_port()
    env = _clean_env(SOCCER_SETTINGS_FILE=str(var / "soccer.env"))
    log = open(tmp_path / "dagster-dev.log", "wb")  # noqa: SIM115 - a pipe nobody reads would block it
    proc = subprocess.Popen(
        [BIN / "soccer", "dagster-dev", "--port", str(port)],
        env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 150
        while True:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": GRAPH}, timeout=10)
                assert response.status_code in (200, 503), response.text[:1000]  # a bad query fails at once
                if response.status_code == 200 and (response.json().get("data") or {}).get("assetNodes"):
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (
                tmp_path / "dagster-dev.log"
            ).read_text()[-3000:]
            time.sleep(1)
        data = response.json()["data"]
        raw = next(n for n in data["assetNodes"] if n["assetKey"]["path"] == ["raw_football_data"])
        assert len(raw["partitionKeys"]) == 2 * 4  # E0 and I1 x the demo's 4 seasons
        fetched = {m["partition"] for m in data["assetOrError"]["assetMaterializations"]}
        assert fetched == {"E0|2223", "E0|2324", "E0|2425", "E0|2526"}  # what the demo fetched, no more
        repos = [
            r
            for e in data["workspaceOrError"]["locationEntries"]
            for r in e["locationOrLoadError"]["repositories"]
        ]
        states = {s["sensorState"]["status"] for r in repos for s in r["sensors"]}
        states |= {s["scheduleState"]["status"] for r in repos for s in r["schedules"]}
        assert states == {"STOPPED"}
        family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        assert len(family) >= 3  # dagster dev, its webserver and daemon (and the mirror)
        stop = time.monotonic()
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(timeout=15)
        while any(
            psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in family
        ):
            assert time.monotonic() - stop < 10, "processes outlived Ctrl-C by 10 s"
            time.sleep(0.2)
    finally:
        _kill_tree(proc)
        log.close()


def test_the_api_serves_the_demo_from_the_settings_file_alone(demo, tmp_path):
    var, _ = demo
    settings = dict(
        line.split("=", 1)
        for line in (var / "soccer.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    port = _free_port()
    env = _clean_env(SOCCER_SETTINGS_FILE=str(var / "soccer.env"))
    proc = subprocess.Popen([BIN / "soccer", "serve", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/healthcheck/ready", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.3)
        cards = httpx.get(
            f"http://127.0.0.1:{port}/predict/cards", headers={"X-API-Key": settings["SOCCER_API_KEYS"]}
        ).json()
        assert cards["total"] > 0 and {c["league"] for c in cards["items"]} == {"E0"}
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_mlflow_ui_opens_where_the_links_point_on_the_training_runs_view(demo, tmp_path):
    var, _ = demo
    port = _free_port()
    settings = var / "soccer.env"
    text = settings.read_text().replace(
        "SOCCER_MLFLOW_UI_URL=http://127.0.0.1:5000", f"SOCCER_MLFLOW_UI_URL=http://127.0.0.1:{port}"
    )
    (tmp_path / "soccer.env").write_text(text)
    env = _clean_env(SOCCER_SETTINGS_FILE=str(tmp_path / "soccer.env"))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    proc = subprocess.Popen(
        [BIN / "soccer", "mlflow-ui"], env=env, cwd=tmp_path, start_new_session=True, **quiet
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                found = httpx.get(
                    f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/get-by-name",
                    params={"experiment_name": "soccer-1x2"},
                    timeout=5,
                )
                if found.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
        tags = {t["key"]: t["value"] for t in found.json()["experiment"]["tags"]}
        assert tags["mlflow.experimentKind"] == "custom_model_development"  # not the GenAI view
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
