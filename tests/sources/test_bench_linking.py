"""``bench/linking.py`` keeps its command-line interface and output format."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.sources.conftest import FONBET_PATH


@pytest.mark.slow
def test_bench_writes_links_and_unlinked(mirror, source_server, current_line, tmp_path):
    fonbet_url = source_server.route(FONBET_PATH, current_line)
    out = tmp_path / "links.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "bench" / "linking.py"),
            "--fonbet-url",
            fonbet_url,
            "--source-url",
            mirror.url,
            "--out",
            str(out),
            "--leagues",
            "E0,F1",
            "--seasons",
            "1920",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(out.read_text())
    assert set(result) == {"links", "unlinked", "seconds"} and result["seconds"] > 0
    assert result["links"] == [
        {
            "event_id": 16040873,
            "match_id": "E0_2019-08-19_wolves_man-united",
            "league": "E0",
            "kickoff": "2019-08-19T19:00:00+00:00",
            "home": "Вулверхэмптон",
            "away": "Манчестер Юн",
            "layer": "alias",
            "score": 100.0,
        }
    ]
    assert len(result["unlinked"]) == 132
    assert set(result["unlinked"][0]) == {"event_id", "home", "away", "reason"}
    assert json.loads(completed.stdout.strip().splitlines()[-1])["links"] == 1
