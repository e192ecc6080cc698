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
CONTAINERS = REPO_ROOT / ".tools" / "containers"
INSTALL_HINT = (
    "run ./scripts/tools (installs helm, kubernetes-validate, checkov, hadolint, promtool, prometheus,"
    " alertmanager, podman and the offline base image localhost/py311-base)"
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


def podman_env() -> dict[str, str]:
    """The environment of podman: the configuration ./scripts/tools wrote under .tools/containers
    (runc, ulimits that work here, image storage under .tools); fails the test when it is absent."""
    conf, storage = CONTAINERS / "containers.conf", CONTAINERS / "storage.conf"
    if not (conf.is_file() and storage.is_file()):
        pytest.fail(f"no podman configuration in {CONTAINERS}: {INSTALL_HINT}", pytrace=False)
    return {**tools_env(), "CONTAINERS_CONF": str(conf), "CONTAINERS_STORAGE_CONF": str(storage)}


def podman(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``podman ARGS`` with the project's configuration (never raises on a non-zero exit)."""
    return run([tool("podman"), *args], timeout=timeout, env=podman_env())
