"""HTTP GET with timeouts, bounded retries and exponential backoff.

Retried: connection errors, timeouts, bodies cut short, HTTP 5xx and 429. Not retried:
404/410 (the resource does not exist, a normal outcome for a season not yet
published), other 4xx (our request is wrong; retrying cannot help) and a body over the
size limit.

Bounded: ``timeout_s`` is a deadline for a whole attempt, not only for each read (a server
that drips a byte a second would otherwise hold an attempt for ever), and a body larger than
``max_bytes`` is refused, by its Content-Length before any byte is read or as it streams in.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_FOUND_STATUSES = frozenset({404, 410})
USER_AGENT = "soccer-platform/0.1 (open-source football prediction research)"


class SourceError(RuntimeError):
    """The source answered, but not with the resource (non-retryable)."""

    def __init__(self, url: str, status: int | None, message: str):
        super().__init__(f"{url}: {message}")
        self.url = url
        self.status = status


class SourceNotFound(SourceError):
    """HTTP 404/410: the resource does not exist at the source (yet)."""


class SourceUnavailable(SourceError):
    """Retries exhausted on transient failures."""


class SourceTooLarge(SourceError):
    """The body is larger than the fetcher accepts (non-retryable)."""


class _DeadlinePassed(Exception):
    pass


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content: bytes
    fetched_at: dt.datetime
    attempts: int
    headers: dict[str, str] = field(default_factory=dict)


KEPT_HEADERS = ("content-type", "etag", "last-modified", "content-length")


@dataclass
class HttpFetcher:
    timeout_s: float = 30.0
    retries: int = 4
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    # Minimum seconds between two requests from this fetcher (politeness).
    min_interval_s: float = 0.0
    max_bytes: int | None = 20 * 2**20
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    _last_request: float = field(default=0.0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _client(self) -> httpx.Client:
        return httpx.Client(
            timeout=httpx.Timeout(self.timeout_s),
            headers={"User-Agent": self.user_agent},
            follow_redirects=True,
            transport=self.transport,
        )

    def _wait_turn(self) -> None:
        with self._lock:
            wait = self._last_request + self.min_interval_s - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            self._last_request = time.monotonic()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None and (retry_after := response.headers.get("retry-after")):
            try:
                return min(float(retry_after), self.max_backoff_s)
            except ValueError:
                pass
        base = self.backoff_s * (2 ** (attempt - 1))
        return min(base * (1 + random.random() * 0.25), self.max_backoff_s)

    def _too_large(self, url: str, size: int) -> SourceTooLarge:
        limit_mb = (self.max_bytes or 0) / 2**20
        return SourceTooLarge(
            url, 200, f"body of {size / 2**20:.1f} MB or more is over the {limit_mb:.3g} MB limit"
        )

    def _read_body(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        """The whole body, within the attempt's deadline and the size limit."""
        declared = response.headers.get("content-length", "")
        if self.max_bytes is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(url, int(declared))
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if self.max_bytes is not None and size > self.max_bytes:
                raise self._too_large(url, size)
            if time.monotonic() > deadline:
                raise _DeadlinePassed
            chunks.append(chunk)
        return b"".join(chunks)

    def get(self, url: str) -> FetchResult:
        """Fetch ``url``; raise ``SourceNotFound``, ``SourceTooLarge``, ``SourceError`` or
        ``SourceUnavailable``."""
        last_problem = ""
        with self._client() as client:
            for attempt in range(1, self.retries + 2):
                self._wait_turn()
                response: httpx.Response | None = None
                deadline = time.monotonic() + self.timeout_s
                try:
                    with client.stream("GET", url) as response:
                        if response.status_code in NOT_FOUND_STATUSES:
                            raise SourceNotFound(
                                url, response.status_code, f"HTTP {response.status_code}: not found"
                            )
                        if response.status_code < 400:
                            return FetchResult(
                                url=str(response.url),
                                status=response.status_code,
                                content=self._read_body(url, response, deadline),
                                fetched_at=dt.datetime.now(dt.UTC),
                                attempts=attempt,
                                headers={
                                    k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS
                                },
                            )
                        if response.status_code not in RETRY_STATUSES:
                            raise SourceError(url, response.status_code, f"HTTP {response.status_code}")
                        last_problem = f"HTTP {response.status_code}"
                except httpx.TransportError as exc:  # connect, timeout, truncated body
                    last_problem = f"{type(exc).__name__}: {exc}"
                except _DeadlinePassed:
                    last_problem = f"the download took longer than {self.timeout_s:g} s"
                if attempt <= self.retries:
                    self.sleep(self._delay(attempt, response))
        raise SourceUnavailable(url, None, f"gave up after {self.retries + 1} attempts, last: {last_problem}")
