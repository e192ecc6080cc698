"""Playwright driving Debian's Chromium against local pages built from the real samples."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from soccer_assets.lib.whoscored.page import block_reason, extract_match_centre
from soccer_assets.sources.browser import CHROMIUM_ARGS, BrowserFetcher, PageBlocked, PageUnavailable
from soccer_assets.sources.http import SourceNotFound
from tests.sources.server import INCAPSULA_PAGE, match_page

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MATCH_PATH = "/Matches/1485184/Live"
FIXTURES_PATH = "/tournaments/18685/data/?d=202101"


def _browser(**kw) -> BrowserFetcher:
    options = {
        "executable_path": CHROMIUM,
        "timeout_s": 10.0,
        "retries": 2,
        "backoff_s": 0.01,
        "min_interval_s": 0,
    }
    return BrowserFetcher(detect_block=block_reason, **(options | kw))


def test_match_page_is_rendered_and_its_data_extracted(source_server, match_centre):
    url = source_server.route(MATCH_PATH, match_page(1485184, match_centre), "text/html; charset=utf-8")
    with _browser() as browser:
        page = browser.get(url)
    assert page.status == 200 and page.attempts == 1
    assert extract_match_centre(page.body) == match_centre


def test_fixtures_json_comes_back_verbatim(source_server, whoscored_dir):
    body = (whoscored_dir / "fixtures" / "ENG-Premier-League_2021_stage18685_month00.json").read_bytes()
    url = source_server.route(FIXTURES_PATH, body)
    with _browser() as browser:
        page = browser.get(url, raw=True)
    assert json.loads(page.body) == json.loads(body)


def test_server_errors_are_retried(source_server, match_centre):
    url = source_server.route(MATCH_PATH, match_page(1485184, match_centre), "text/html")
    source_server.faults[MATCH_PATH] = [503, 500]
    with _browser() as browser:
        page = browser.get(url)
    assert page.attempts == 3 and source_server.count(MATCH_PATH) == 3


def test_a_page_that_does_not_answer_times_out_and_is_retried(source_server, match_centre):
    url = source_server.route(MATCH_PATH, match_page(1485184, match_centre), "text/html")
    source_server.faults[MATCH_PATH] = [("hang", 3.0)]
    with _browser(timeout_s=1.0) as browser:
        page = browser.get(url)
    assert page.attempts == 2 and extract_match_centre(page.body) == match_centre


def test_page_loads_are_spaced_by_the_minimum_interval(source_server, match_centre):
    url = source_server.route(MATCH_PATH, match_page(1485184, match_centre), "text/html")
    waits: list[float] = []
    with _browser(min_interval_s=30.0, sleep=waits.append) as browser:
        browser.get(url)
        browser.get(url)
    assert len(waits) == 1 and 25.0 < waits[0] <= 30.0  # the second load waited its turn


def test_404_is_final(source_server):
    with _browser() as browser, pytest.raises(SourceNotFound):
        browser.get(source_server.url + "Matches/1/Live")
    assert source_server.count("/Matches/1/Live") == 1


def test_a_block_page_raises_instead_of_returning_content(source_server):
    url = source_server.route(MATCH_PATH, INCAPSULA_PAGE.encode(), "text/html")
    with _browser() as browser, pytest.raises(PageBlocked, match="incapsula"):
        browser.get(url)
    assert source_server.count(MATCH_PATH) == 3  # retried, then refused


def test_outage_gives_up_with_the_last_problem(source_server):
    source_server.faults[MATCH_PATH] = [502, 502, 502]
    with _browser() as browser, pytest.raises(PageUnavailable, match="HTTP 502"):
        browser.get(source_server.url.rstrip("/") + MATCH_PATH)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def remote_chromium(tmp_path) -> Iterator[str]:
    """A separate Chromium process serving CDP, standing in for a remote (Selenoid-like) browser."""
    port = _free_port()
    process = subprocess.Popen(
        [
            CHROMIUM,
            *CHROMIUM_ARGS,
            f"--remote-debugging-port={port}",
            f"--user-data-dir={tmp_path / 'profile'}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the renderers go down with it
    )
    try:
        deadline = time.monotonic() + 30
        assert process.stderr is not None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if re.search(r"DevTools listening on ws://", line):
                break
        else:
            pytest.fail("Chromium did not open its DevTools port")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@pytest.mark.slow
def test_remote_browser_over_cdp(source_server, match_centre, remote_chromium):
    url = source_server.route(MATCH_PATH, match_page(1485184, match_centre), "text/html")
    with _browser(cdp_url=remote_chromium, executable_path="/nonexistent") as browser:
        page = browser.get(url)
    assert extract_match_centre(page.body) == match_centre
