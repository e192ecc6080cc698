"""Shared fixtures: the real football-data files served over real HTTP, temp stores, instances.

The mirror serves ``../shared/data/football-data`` exactly like the real site lays it
out, so the production httpx code path is what the tests exercise. Faults (5xx,
truncated bodies, replaced files) are injected per test through ``mirror.faults`` and
``mirror.overrides``.
"""

from __future__ import annotations

import csv
import functools
import http.server
import os
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pytest

from soccer_assets.lib.seasons import Season
from soccer_assets.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The read-only real data beside the checkout (``../shared/data``)."""
    candidates = [
        os.environ.get("SOCCER_SHARED_DATA"),
        REPO_ROOT.parent / "shared" / "data",
        Path("/work/shared/data"),
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "football-data" / "MANIFEST.csv").is_file():
            return Path(candidate)
    raise RuntimeError(
        "real data not found: set SOCCER_SHARED_DATA to the shared/data folder "
        "(it holds football-data/MANIFEST.csv)"
    )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_data_dir()


@pytest.fixture(scope="session")
def football_data_dir(shared_data: Path) -> Path:
    return shared_data / "football-data"


@pytest.fixture(scope="session")
def manifest(football_data_dir: Path) -> dict[tuple[str, str], int]:
    """(league, season) -> match count of the mirrored season files (MANIFEST.csv).

    Only ``mmz4281/`` files: the ``reserialized/`` copies are not part of the mirror.
    """
    with open(football_data_dir / "MANIFEST.csv", newline="") as fh:
        return {
            (row["div"], row["season"]): int(row["rows"])
            for row in csv.DictReader(fh)
            if row["file"].startswith("mmz4281/")
        }


@dataclass
class Mirror:
    """A local football-data.co.uk with fault injection."""

    url: str
    root: Path
    # path -> queue of actions for the next requests: an int status, or "truncate"
    faults: dict[str, list[object]] = field(default_factory=lambda: defaultdict(list))
    # path -> bytes served instead of the file
    overrides: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.faults.clear()
        self.overrides.clear()
        self.requests.clear()

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r == path)


class _MirrorHandler(http.server.SimpleHTTPRequestHandler):
    mirror: Mirror

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        mirror = self.mirror
        path = self.path.split("?")[0]
        mirror.requests.append(path)
        queue = mirror.faults.get(path)
        if queue:
            action = queue.pop(0)
            if isinstance(action, int):
                self.send_error(action)
                return
            if action == "truncate":
                body = mirror.overrides.get(path) or (mirror.root / path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
                return
        if path in mirror.overrides:
            body = mirror.overrides[path]
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture(scope="session")
def _mirror_server(football_data_dir: Path) -> Iterator[Mirror]:
    mirror = Mirror(url="", root=football_data_dir)
    handler = functools.partial(
        type("Handler", (_MirrorHandler,), {"mirror": mirror}), directory=str(football_data_dir)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    mirror.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield mirror
    server.shutdown()
    server.server_close()


@pytest.fixture
def mirror(_mirror_server: Mirror) -> Iterator[Mirror]:
    _mirror_server.reset()
    yield _mirror_server
    _mirror_server.reset()


def make_settings(
    mirror_url: str, storage: str, leagues: tuple[str, ...], seasons: list[str], **overrides: object
) -> Settings:
    return Settings(
        football_data_url=mirror_url,
        leagues=leagues,
        seasons=tuple(Season.from_code(s) for s in seasons),
        storage_url=storage,
        http_timeout_s=5.0,
        http_retries=2,
        http_backoff_s=0.01,
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as inst:
        yield inst


@pytest.fixture(scope="session")
def pipeline_store(_mirror_server: Mirror, tmp_path_factory):
    """The real pipeline's published store on a real slice (see tests/pipeline_store.py); read-only."""
    from tests.pipeline_store import build_pipeline_store

    with dg.instance_for_test() as session_instance:
        yield build_pipeline_store(_mirror_server.url, tmp_path_factory.mktemp("pipeline"), session_instance)
