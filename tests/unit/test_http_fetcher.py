"""The retrying fetcher against a real local HTTP server."""

import socket

import pytest

from soccer_assets.sources.http import HttpFetcher, SourceError, SourceNotFound, SourceUnavailable

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
