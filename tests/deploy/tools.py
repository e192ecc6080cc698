"""Where the deployment tests find their tools: ``.tools/`` (``./scripts/tools``) and the system.

A missing tool is a test failure that says how to install it, never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

TOOLS_BIN = REPO_ROOT / ".tools" / "bin"
CHART = REPO_ROOT / "helm" / "soccer"
DEPLOY = REPO_ROOT / "deploy"
INSTALL_HINT = (
    "run ./scripts/tools (installs helm, kubernetes-validate, checkov, promtool, prometheus, alertmanager)"
)


def tool(name: str) -> Path:
    """The executable ``name`` from .tools/bin, else from PATH; fails the test when absent."""
    local = TOOLS_BIN / name
    if local.exists() and os.access(local, os.X_OK):
        return local
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: {INSTALL_HINT}", pytrace=False)
    return Path(found)


def tools_env() -> dict[str, str]:
    """The environment with .tools/bin first on PATH (checkov's helm runner calls `helm`)."""
    return {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(command: list[str | Path], timeout: float = 300, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a tool, capturing its output as text (never raises on a non-zero exit)."""
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=kwargs.pop("env", tools_env()),
        cwd=kwargs.pop("cwd", REPO_ROOT),
        check=False,
        **kwargs,
    )
