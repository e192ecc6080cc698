"""Schemathesis against the OpenAPI schema, and a bounded locust run: no 5xx, no failure."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import REPO_ROOT
from tests.serving.conftest import API_KEY, BIN

pytestmark = pytest.mark.slow


def test_schemathesis_finds_nothing(api, tmp_path):
    command = [
        BIN / "schemathesis", "run", f"{api.url}/schema/openapi.json",
        "--checks", "all", "--max-examples", "40", "--workers", "2",
        "--header", f"X-API-Key: {API_KEY}", "--seed", "1",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-6000:]
    assert "No issues found" in done.stdout
    assert "16 selected" in done.stdout  # every read endpoint was fuzzed


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
