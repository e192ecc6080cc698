"""A promotion reaches a running API: soccer promote, the pipeline re-publishes, the API swaps models."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

import dagster as dg
import polars as pl
import pytest

from soccer_assets.defs.automation import INFERENCE_JOB
from soccer_assets.defs.training import TRAINING_JOB
from soccer_assets.defs.training.promotion import PROMOTION_JOB
from soccer_assets.mlops.contract import CANDIDATE, CHAMPION
from soccer_assets.pipeline import run_ingestion
from soccer_assets.storage.published import PublishedStore
from tests.assets.conftest import Platform, run_job
from tests.conftest import REPO_ROOT
from tests.serving.conftest import BIN, api_process

pytestmark = pytest.mark.slow
RELOAD_S = 0.5


def _promote_with_the_cli(platform: Platform, home, version: str) -> None:
    settings = platform.settings
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SOCCER_STORAGE_URL": settings.storage_url,
        "SOCCER_FOOTBALL_DATA_URL": settings.football_data_url,
        "SOCCER_LEAGUES": ",".join(settings.leagues),
        "SOCCER_SEASONS": ",".join(settings.season_codes),
        "SOCCER_MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "SOCCER_MLFLOW_ARTIFACT_URI": settings.mlflow_artifact_uri or "",
        "SOCCER_AUTOMATION": "false",
    }
    command = [
        BIN / "soccer",
        "promote",
        "--by",
        "release-manager",
        "--reason",
        "beats v1 on the holdout",
        "--version",
        version,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]


def _sensor_requests(platform: Platform, name: str) -> list[dg.RunRequest]:
    sensor = next(s for s in platform.defs.sensors if s.name == name)
    with dg.build_sensor_context(
        instance=platform.instance, definitions=platform.defs, resources=platform.defs.resources
    ) as context:
        return list(sensor.evaluate_tick(context).run_requests)


def test_a_promotion_reaches_the_running_api_without_a_failed_request(model_platform, tmp_path):
    platform = model_platform()
    assert run_ingestion(platform.defs, platform.settings, platform.instance, log=lambda _: None).ok
    assert run_job(platform, TRAINING_JOB).success
    promote = {"ops": {"promote_to_champion": {"config": {"approved_by": "alice", "reason": "first"}}}}
    assert run_job(platform, PROMOTION_JOB, promote).success
    assert run_job(platform, INFERENCE_JOB).success  # v1 champion is published
    lenient = model_platform(gate_tolerance=1.0, model_families=("logreg",))
    assert run_job(lenient, TRAINING_JOB).success
    registry = platform.defs.resources["mlflow"].registry()
    assert (registry.alias_version(CHAMPION), registry.alias_version(CANDIDATE)) == ("1", "2")
    match_id = platform.table("predictions").filter(pl.col("status") == "upcoming")["match_id"][0]

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    answers: list[tuple[int, str | None, str | None, str | None]] = []
    stop = threading.Event()
    with api_process(platform.settings.storage_url, tmp_path, SOCCER_API_RELOAD_S=str(RELOAD_S)) as api:

        def ask() -> None:
            with api.client() as client:
                while not stop.is_set():
                    r = client.get(f"/predict/{match_id}")
                    body = r.json() if r.status_code == 200 else {}
                    answers.append(
                        (
                            r.status_code,
                            r.headers.get("x-publication-id"),
                            body.get("publication_id"),
                            body.get("model", {}).get("version"),
                        )
                    )

        thread = threading.Thread(target=ask)
        thread.start()
        try:
            time.sleep(1.0)
            _promote_with_the_cli(platform, home, "2")
            requests = _sensor_requests(platform, "repredict_on_promotion")
            assert [r.run_key for r in requests] == ["champion-v2"]
            assert run_job(platform, INFERENCE_JOB).success  # what the daemon runs for that request
            switched_at = time.monotonic()
            new_id = PublishedStore(platform.defs.resources["storage"].blobstore()).manifest().publication_id
            while not any(a[1] == new_id for a in answers[-5:]):
                # a deadline, not a speed target: a few reload periods, with room for a loaded machine
                assert time.monotonic() - switched_at < RELOAD_S + 15.0, "the API did not switch"
                time.sleep(0.02)
            time.sleep(0.5)
        finally:
            stop.set()
            thread.join(timeout=30)
        with api.client() as client:
            info = client.get("/predict/model/info").json()["model"]
            metrics = client.get("/metrics").text
    assert (info["version"], info["alias"]) == ("2", "champion")
    assert 'soccer_model_info{alias="champion",name="soccer-1x2",version="2"} 1.0' in metrics
    assert len(answers) > 20 and {status for status, *_ in answers} == {200}
    assert all(header == body for _, header, body, _ in answers)  # one publication per answer
    versions = [version for *_, version in answers]
    assert versions[0] == "1" and versions[-1] == "2" and set(versions) == {"1", "2"}
    first_new = versions.index("2")
    assert set(versions[first_new:]) == {"2"}  # the swap happens once, and sticks
