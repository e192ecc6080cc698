"""Page fetching through a real browser (Playwright + Chromium), for sites that need one.

Either launches a local Chromium (``executable_path``, e.g. Debian's
``/usr/bin/chromium``) or connects to a remote one over CDP, as the previous system did
with a Selenoid browser. Politeness and failure handling mirror ``sources.http``: a
minimum interval between page loads, bounded retries with backoff on timeouts, 5xx and
429, and no retry on 404. Sites answer automated browsers with block or challenge
pages, often with HTTP 200: a caller-supplied detector recognises them, and a page that
stays blocked after the retries raises ``PageBlocked`` rather than returning content.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from soccer_assets.sources.http import NOT_FOUND_STATUSES, RETRY_STATUSES, SourceError, SourceNotFound

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

# (body, http status) -> a reason if the page is a block/challenge page, else None
BlockDetector = Callable[[str, int], str | None]


class PageBlocked(SourceError):
    """The site kept answering with a block or challenge page."""


class PageUnavailable(SourceError):
    """Retries exhausted on timeouts or server errors."""


@dataclass(frozen=True)
class BrowserPage:
    url: str
    status: int
    body: str  # the rendered HTML, or the raw response text for JSON
    fetched_at: dt.datetime
    attempts: int


def _never_blocked(body: str, status: int) -> str | None:
    return None


@dataclass
class BrowserFetcher:
    """A browser session; use as a context manager so the browser is always closed."""

    executable_path: str = "/usr/bin/chromium"
    cdp_url: str | None = None
    timeout_s: float = 30.0  # per page load
    launch_timeout_s: float = 60.0  # starting or reaching the browser: slow on a busy machine
    retries: int = 2
    backoff_s: float = 2.0
    min_interval_s: float = 5.0
    detect_block: BlockDetector = _never_blocked
    sleep: Callable[[float], None] = time.sleep
    _playwright: Playwright | None = field(default=None, init=False, repr=False)
    _browser: Browser | None = field(default=None, init=False, repr=False)
    _context: BrowserContext | None = field(default=None, init=False, repr=False)
    _last_request: float = field(default=0.0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __enter__(self) -> BrowserFetcher:
        self._playwright = sync_playwright().start()
        try:
            if self.cdp_url:
                self._browser = self._playwright.chromium.connect_over_cdp(
                    self.cdp_url, timeout=self.launch_timeout_s * 1000
                )
            else:
                self._browser = self._playwright.chromium.launch(
                    executable_path=self.executable_path,
                    args=list(CHROMIUM_ARGS),
                    timeout=self.launch_timeout_s * 1000,
                )
            self._context = self._browser.new_context()
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Over CDP only our own context is closed: the remote browser belongs to someone else.
        for closer in (
            self._context.close if self._context else None,
            self._browser.close if self._browser else None,
            self._playwright.stop if self._playwright else None,
        ):
            if closer is not None:
                with contextlib.suppress(PlaywrightError):
                    closer()
        self._context = self._browser = self._playwright = None

    def _wait_turn(self) -> None:
        with self._lock:
            wait = self._last_request + self.min_interval_s - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            self._last_request = time.monotonic()

    def _load(self, url: str, raw: bool) -> tuple[int, str]:
        if self._context is None:
            raise RuntimeError("BrowserFetcher is not open; use it as a context manager")
        page = self._context.new_page()
        try:
            response: Any = page.goto(url, wait_until="domcontentloaded", timeout=self.timeout_s * 1000)
            status = response.status if response is not None else 0
            body = response.text() if raw and response is not None else page.content()
            return status, body
        finally:
            page.close()

    def get(self, url: str, *, raw: bool = False) -> BrowserPage:
        """Load ``url``: the rendered HTML, or with ``raw`` the response body (for JSON)."""
        problem, blocked = "", False
        for attempt in range(1, self.retries + 2):
            self._wait_turn()
            try:
                status, body = self._load(url, raw)
            except PlaywrightError as exc:  # navigation timeout, connection refused/reset
                problem, blocked = f"{type(exc).__name__}: {str(exc).splitlines()[0]}", False
            else:
                reason = self.detect_block(body, status)
                if reason is not None:
                    problem, blocked = reason, True
                elif status in NOT_FOUND_STATUSES:
                    raise SourceNotFound(url, status, f"HTTP {status}: not found")
                elif status in RETRY_STATUSES:
                    problem, blocked = f"HTTP {status}", False
                elif status >= 400:
                    raise SourceError(url, status, f"HTTP {status}")
                else:
                    return BrowserPage(url, status, body, dt.datetime.now(dt.UTC), attempt)
            if attempt <= self.retries:
                self.sleep(self.backoff_s * (2 ** (attempt - 1)))
        if blocked:
            raise PageBlocked(url, None, f"blocked after {self.retries + 1} attempts: {problem}")
        raise PageUnavailable(url, None, f"gave up after {self.retries + 1} attempts, last: {problem}")
