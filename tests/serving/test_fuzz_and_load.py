"""Schemathesis against the OpenAPI schema, and a bounded locust run: no 5xx, no failure."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from tests.conftest import REPO_ROOT
from tests.serving.conftest import API_KEY, BIN

pytestmark = pytest.mark.slow


def _schemathesis(api, tmp_path, *selection: str, workers: int = 2) -> str:
    command = [
        BIN / "schemathesis", "run", f"{api.url}/schema/openapi.json",
        "--max-examples", "40", "--workers", str(workers), "--header", f"X-API-Key: {API_KEY}", "--seed", "1",
        *selection,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-6000:]
    # every generated case passed every check (warnings such as "no 2xx for random ids" are not findings)
    counts = re.search(r"(\d+) generated, (\d+) passed", done.stdout)
    assert counts and counts.group(1) == counts.group(2) and int(counts.group(1)) >= 100, done.stdout[-3000:]
    return done.stdout


def test_schemathesis_finds_nothing(api, tmp_path):
    reads = _schemathesis(api, tmp_path, "--checks", "all", "--include-method", "GET")
    assert "18 selected" in reads  # every GET endpoint, the on-demand one and task status included
    # POST bodies name teams: a schema-valid name that is no team of the league is a 422 by design
    # (with the closest names), so "valid data accepted" cannot hold there; every other check does
    # (fuzzing phase, one worker: schemathesis' coverage phase for request bodies trips an internal
    # CPython 3.11 ast error in hypothesis here, a failure of the tool and not a finding)
    writes = _schemathesis(
        api,
        tmp_path,
        "--checks", "all", "--exclude-checks", "positive_data_acceptance", "--include-method", "POST",
        "--phases", "examples,fuzzing",
        workers=1,
    )  # fmt: skip
    assert "3 selected" in writes


def test_locust_load_without_failures(api, tmp_path):
    stats = tmp_path / "stats"
    command = [
        BIN / "locust", "-f", str(REPO_ROOT / "tests/load/locustfile.py"), "--headless",
        "-u", "16", "-r", "16", "-t", "12s", "--host", api.url, "--csv", str(stats), "--only-summary",
        "--json-file", str(tmp_path / "report"),
    ]  # fmt: skip
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SOCCER_LOAD_API_KEY": API_KEY},
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    report = json.loads((tmp_path / "report.json").read_text())
    requests = sum(entry["num_requests"] for entry in report)
    failures = sum(entry["num_failures"] for entry in report)
    assert requests > 500 and failures == 0
    assert {e["name"] for e in report} >= {
        "/predict/cards",
        "/predict/precomputed/{id}",
        "/predict/cards [etag]",
    }
