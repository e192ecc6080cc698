"""``bench/market_lines.py``: the handicap and goal-line arithmetic, and its output on real files."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "bench" / "market_lines.py"


@pytest.fixture(scope="module")
def lines():
    spec = importlib.util.spec_from_file_location("market_lines", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_handicap_shares_are_the_textbook_bets(lines):
    grid = lines.score_grid(np.array([1.5]), np.array([1.0]), -0.06)
    home = float(np.sum(grid * (lines.DIFF > 0)))
    draw = float(np.sum(grid * (lines.DIFF == 0)))
    away = 1.0 - home - draw
    share = lambda line: float(lines.handicap_share(grid, np.array([line]))[0])  # noqa: E731
    assert share(-0.5) == pytest.approx(home)  # the home win
    assert share(0.0) == pytest.approx(home / (home + away))  # draw no bet
    assert share(0.5) == pytest.approx(home + draw)  # home or draw
    # a quarter line: half the stake on draw-no-bet, half on the home win
    assert share(-0.25) == pytest.approx(home / (home + 0.5 * draw + away))


def test_the_two_markets_give_back_the_score_model_behind_them(lines):
    lam, mu = np.array([1.8, 0.9, 1.3]), np.array([0.7, 1.6, 1.3])
    grid = lines.score_grid(lam, mu, -0.06)
    over = np.sum(grid * (lines.TOTAL > 2.5), axis=(1, 2))
    line = np.array([-1.0, 0.75, -0.25])
    probs = lines.implied_by_lines(over, lines.handicap_share(grid, line), line, -0.06)
    expected = np.column_stack(
        [np.sum(grid * (lines.DIFF > 0), axis=(1, 2)), np.sum(grid * (lines.DIFF == 0), axis=(1, 2))]
    )
    assert np.allclose(probs[:, :2], expected, atol=1e-6)


def test_the_bench_scores_every_view_on_real_files(shared_data):
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--data", str(shared_data), "--seasons", "2223"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert {(r["league"], r["season"]) for r in report["rows"]} == {
        (lg, "2223") for lg in ("E0", "D1", "F1", "SP1")
    }
    for row in report["rows"]:
        assert row["n"] >= 300
        # real markets on real matches: every view near the 1X2 average, none degenerate
        for view in ("pinnacle_1x2", "handicap_goals", "pool"):
            assert abs(row[view] - row["avg_1x2"]) < 0.01
