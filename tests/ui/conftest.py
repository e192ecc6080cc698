"""A real API process on the pipeline's store and a real ``soccer ui`` process in front of it."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.services import stop_process, wait_until_answering
from tests.serving.conftest import API_KEY, BIN, ApiProcess, api_process, free_port


@dataclass
class UiProcess:
    url: str
    proc: subprocess.Popen
    log: Path
    started_s: float  # process start to the first page answering

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


def start_ui(api_url: str, api_key: str, folder: Path, timeout_s: float = 90) -> UiProcess:
    """``soccer ui`` on a free port; returns once the page answers 200."""
    port = free_port()
    env = {
        **os.environ,
        "SOCCER_UI_API_URL": api_url,
        "SOCCER_UI_API_KEY": api_key,
        "SOCCER_UI_TIMEOUT_S": "5",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    log = folder / f"ui-{port}.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [BIN / "soccer", "ui", "--port", str(port)],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ui = UiProcess(url=f"http://127.0.0.1:{port}", proc=proc, log=log, started_s=0.0)
    try:
        wait_until_answering(
            ui.url + "/", proc, timeout_s, lambda: f"soccer ui did not start: {ui.log_text()}"
        )
    except RuntimeError:
        stop(proc)
        raise
    ui.started_s = time.monotonic() - started
    return ui


stop = stop_process


@dataclass
class Stack:
    api: ApiProcess
    ui: UiProcess
    screenshots: Path


@pytest.fixture(scope="module")
def stack(pipeline_store, tmp_path_factory) -> Iterator[Stack]:
    """One API and one UI process per module; a test may stop the API (it runs last)."""
    folder = tmp_path_factory.mktemp("ui")
    with api_process(str(pipeline_store.root), folder) as api:
        ui = start_ui(api.url, API_KEY, folder)
        try:
            yield Stack(api=api, ui=ui, screenshots=tmp_path_factory.mktemp("screenshots"))
        finally:
            stop(ui.proc)
