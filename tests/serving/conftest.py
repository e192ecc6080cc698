"""The API as a real process: ``soccer serve`` under uvicorn, called over HTTP with httpx."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.assets.conftest import model_platform  # noqa: F401 - the model pipeline, for promotion tests
from tests.conftest import REPO_ROOT
from tests.services import stop_process, wait_until_answering

BIN = Path(sys.executable).parent
API_KEY = "test-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ApiProcess:
    url: str
    proc: subprocess.Popen
    log: Path

    def client(self, key: str | None = API_KEY, **kwargs) -> httpx.Client:
        headers = {"X-API-Key": key} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


@contextmanager
def api_process(store: str, tmp: Path, workers: int = 1, **env: str) -> Iterator[ApiProcess]:
    port = free_port()
    environment = {
        **os.environ,
        "SOCCER_STORAGE_URL": store,
        "SOCCER_API_KEYS": f"{API_KEY},{OTHER_KEY}",
        "SOCCER_API_RELOAD_S": "0.5",
        "SOCCER_API_RATE_LIMIT": "100000/second",
        **env,
    }
    log = tmp / f"api-{port}.log"
    command = [
        BIN / "soccer",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command,
            env=environment,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    api = ApiProcess(url=f"http://127.0.0.1:{port}", proc=proc, log=log)
    try:
        wait_until_answering(
            f"{api.url}/healthcheck/", proc, 60, lambda: f"soccer serve did not start: {api.log_text()}"
        )
        yield api
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def api(pipeline_store, tmp_path_factory) -> Iterator[ApiProcess]:
    """One API process on the shared pipeline store (read-only tests)."""
    with api_process(str(pipeline_store.root), tmp_path_factory.mktemp("api")) as running:
        yield running
