"""Fixtures for the Fonbet and WhoScored tests: the local source server, real samples, a platform."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from soccer_assets.definitions import build_definitions
from tests.assets.conftest import Platform
from tests.conftest import make_settings
from tests.sources.server import SourceServer, serve

FONBET_PATH = "/fonbet/currentLine.json"
UPDATE_FILES = (
    "updatesFromVersion-2529996195.json",
    "updatesFromVersion-2529996461.json",
    "updatesFromVersion-2529996765.json",
)


@pytest.fixture(scope="session")
def _source_server() -> Iterator[SourceServer]:
    with serve() as server:
        yield server


@pytest.fixture
def source_server(_source_server: SourceServer) -> Iterator[SourceServer]:
    _source_server.reset()
    yield _source_server
    _source_server.reset()


@pytest.fixture(scope="session")
def fonbet_dir(shared_data: Path) -> Path:
    return shared_data / "fonbet"


@pytest.fixture(scope="session")
def whoscored_dir(shared_data: Path) -> Path:
    return shared_data / "whoscored"


@pytest.fixture(scope="session")
def current_line(fonbet_dir: Path) -> bytes:
    return (fonbet_dir / "currentLine.json").read_bytes()


@pytest.fixture(scope="session")
def match_centre(whoscored_dir: Path) -> dict[str, Any]:
    return json.loads((whoscored_dir / "matchcentre" / "1485184_matchCentreData.json").read_bytes())


@pytest.fixture
def make_source_platform(mirror, instance, tmp_path, source_server):
    """A platform whose Fonbet URL points at the local source server (no politeness delay)."""

    def build(leagues=("E0",), seasons=("1920",), **overrides) -> Platform:
        overrides.setdefault("fonbet_url", source_server.url.rstrip("/") + FONBET_PATH)
        overrides.setdefault("min_request_interval_s", 0.0)
        settings = make_settings(mirror.url, str(tmp_path / "store"), tuple(leagues), list(seasons))
        settings = settings.with_overrides(**overrides)
        return Platform(settings=settings, defs=build_definitions(settings), instance=instance)

    return build
