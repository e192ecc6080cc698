"""Fixtures of the deployment tests: the API as a real process on the pipeline's published store."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.serving.conftest import ApiProcess, api_process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def quality_store(pipeline_store, tmp_path_factory) -> Path:
    """A private copy of the pipeline's published store, republished with a ``quality`` table.

    The session's pipeline runs once, so no match it predicted before kickoff has finished yet
    and its quality table is empty (in production the monitoring asset fills it as matches are
    played). The table is computed here by the pipeline's own function (``quality_beside_market``)
    from the published cards of finished matches (the holdout, predicted after kickoff, hence
    ``predicted_at`` dropped), so the API's ``soccer_quality_*`` gauges exist with their real
    names and labels.
    """
    import polars as pl

    from soccer_assets.lib.monitoring.quality import quality_beside_market
    from soccer_assets.storage.blobstore import LocalBlobStore
    from soccer_assets.storage.published import PublishedStore

    root = pipeline_store.copy_to(tmp_path_factory.mktemp("quality-store"))
    store = PublishedStore(LocalBlobStore(root))
    cards = store.read_table("cards").filter(pl.col("status") == "finished")
    quality = quality_beside_market(cards.drop("predicted_at"))
    assert quality.height > 0, "no finished card to score"
    store.publish(tables={"quality": quality})
    return root


@pytest.fixture(scope="module")
def live_api(quality_store, tmp_path_factory) -> Iterator[ApiProcess]:
    """``soccer serve`` on (a copy of) the store the real pipeline published."""
    with api_process(str(quality_store), tmp_path_factory.mktemp("deploy-api")) as running:
        yield running


@dataclass
class Webhook:
    """A local Alertmanager webhook receiver: every POSTed notification, decoded."""

    url: str
    notifications: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def alerts(self) -> list[dict]:
        with self.lock:
            return [alert for note in self.notifications for alert in note.get("alerts", [])]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    received: list[dict] = []
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook = Webhook(
        url=f"http://127.0.0.1:{server.server_address[1]}/alerts", notifications=received, lock=lock
    )
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
