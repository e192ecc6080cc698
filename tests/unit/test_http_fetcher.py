"""The retrying fetcher against a real local HTTP server."""

import http.server
import socket
import threading
import time

import pytest

from soccer_assets.sources.http import (
    HttpFetcher,
    SourceError,
    SourceNotFound,
    SourceTooLarge,
    SourceUnavailable,
)

PATH = "/mmz4281/2324/E0.csv"


def _fetcher(**kw) -> HttpFetcher:
    return HttpFetcher(timeout_s=5, retries=kw.pop("retries", 3), backoff_s=0.01, **kw)


def test_plain_download_returns_the_exact_bytes(mirror, football_data_dir):
    result = _fetcher().get(mirror.url + PATH.lstrip("/"))
    assert result.status == 200 and result.attempts == 1
    assert result.content == (football_data_dir / PATH.lstrip("/")).read_bytes()
    assert result.fetched_at.tzinfo is not None


def test_server_errors_are_retried_until_success(mirror):
    mirror.faults[PATH] = [500, 503]
    result = _fetcher().get(mirror.url + PATH.lstrip("/"))
    assert result.attempts == 3
    assert mirror.count(PATH) == 3


def test_a_cut_body_is_retried(mirror):
    mirror.faults[PATH] = ["truncate"]
    result = _fetcher().get(mirror.url + PATH.lstrip("/"))
    assert result.attempts == 2 and result.content.endswith(b"\r\n")


def test_404_is_final_and_not_retried(mirror):
    with pytest.raises(SourceNotFound) as err:
        _fetcher().get(mirror.url + "mmz4281/2627/E0.csv")
    assert err.value.status == 404
    assert mirror.count("/mmz4281/2627/E0.csv") == 1


def test_other_client_errors_are_not_retried(mirror):
    mirror.faults[PATH] = [403]
    with pytest.raises(SourceError) as err:
        _fetcher().get(mirror.url + PATH.lstrip("/"))
    assert err.value.status == 403 and not isinstance(err.value, SourceNotFound)
    assert mirror.count(PATH) == 1


def test_gives_up_after_the_retry_budget(mirror):
    mirror.faults[PATH] = [500] * 10
    sleeps: list[float] = []
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        _fetcher(retries=2, sleep=sleeps.append).get(mirror.url + PATH.lstrip("/"))
    assert mirror.count(PATH) == 3
    assert len(sleeps) >= 2 and sleeps[1] > sleeps[0]  # exponential backoff


def test_connection_refused_is_retried_then_reported():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceUnavailable, match="ConnectError"):
        _fetcher(retries=1).get(f"http://127.0.0.1:{port}/fixtures.csv")


class _Awkward(http.server.BaseHTTPRequestHandler):
    """A server that drips its body slowly, or sends more than it should."""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        if self.path == "/drip":
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100):  # 1 kB every 0.3 s: each read is quick, the whole takes 30 s
                self.wfile.write(b"x" * 1000)
                self.wfile.flush()
                time.sleep(0.3)
        elif self.path == "/declared-large":
            self.send_header("Content-Length", str(50 * 2**20))
            self.end_headers()
            self.wfile.write(b"x" * 1000)
        else:  # chunked, no length announced: 3 MB
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(48):
                self.wfile.write(b"10000\r\n" + b"y" * 0x10000 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def awkward_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Awkward)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_dripping_server_cannot_hold_an_attempt_past_the_timeout(awkward_server):
    fetcher = HttpFetcher(timeout_s=1.0, retries=1, backoff_s=0.01)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="took longer than 1 s"):
        fetcher.get(awkward_server + "/drip")
    assert time.monotonic() - started < 4  # two attempts of about 1 s, not two of 30 s


def test_a_body_over_the_limit_is_refused_by_its_length_or_as_it_streams(awkward_server):
    fetcher = HttpFetcher(timeout_s=10, retries=3, backoff_s=0.01, max_bytes=2 * 2**20)
    with pytest.raises(SourceTooLarge, match="over the 2 MB limit") as declared:
        fetcher.get(awkward_server + "/declared-large")
    assert "50.0 MB" in str(declared.value)
    with pytest.raises(SourceTooLarge, match="over the 2 MB limit"):
        fetcher.get(awkward_server + "/chunked")
    assert HttpFetcher(timeout_s=10, max_bytes=4 * 2**20).get(awkward_server + "/chunked").content == (
        b"y" * (48 * 0x10000)
    )
