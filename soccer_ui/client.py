"""The UI's only way to data: the API over HTTP, with the key kept on the server side.

Every good answer is kept (with its ``ETag`` and ``X-Publication-Id``): the next request
for the same thing asks ``If-None-Match`` and reuses the body on a 304, and when the API
is down, slow or refuses the key the last good body is returned with a plain message
instead of an error. Cards are fetched whole (every page) so filtering happens in the UI
process without another request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

PAGE = 5000  # the API's largest page


@dataclass
class Fetched:
    """An API answer for the UI: the data (possibly the last good one) and what went wrong."""

    data: Any
    message: str | None = None  # None: fresh; else a plain sentence for the page
    publication_id: str | None = None
    fetched_at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.message is None


class ApiProblem(Exception):
    """A failed request, with the sentence the page shows."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class _Entry:
    etag: str | None
    data: Any
    publication_id: str | None
    fetched_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def describe(exc: Exception, base_url: str, timeout_s: float) -> ApiProblem:
    """A plain sentence for a failed request (never a stack trace)."""
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, httpx.TimeoutException):
        return ApiProblem(f"The API at {base_url} did not answer within {timeout_s:g} s.")
    if isinstance(exc, httpx.TransportError):
        return ApiProblem(f"The API at {base_url} cannot be reached.")
    if isinstance(exc, ValueError):
        return ApiProblem(f"The API at {base_url} sent an answer the UI cannot read.")
    return ApiProblem(f"The API request failed ({type(exc).__name__}).")


def _status_problem(response: httpx.Response) -> ApiProblem:
    status = response.status_code
    detail = ""
    with contextlib.suppress(ValueError):
        body = response.json()
        detail = str(body.get("detail") or "") if isinstance(body, dict) else ""
        if isinstance(body, dict) and body.get("suggestions"):
            detail += f"; closest names: {', '.join(map(str, body['suggestions']))}"
    if status in (401, 403):
        return ApiProblem(f"The API refused the UI's key ({status}): check SOCCER_UI_API_KEY.", status)
    if status == 429:
        return ApiProblem("The API is rate-limiting the UI (429); try again shortly.", status)
    if status >= 500:
        return ApiProblem(f"The API is not ready ({status}){': ' + detail if detail else ''}.", status)
    return ApiProblem(f"The API answered {status}{': ' + detail if detail else ''}.", status)


class ApiClient:
    """Thread-safe: Gradio runs callbacks on worker threads."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"X-API-Key": api_key, "Accept": "application/json"},
            timeout=timeout_s,
            transport=transport,
        )
        self._cache: dict[tuple, _Entry] = {}
        self._lock = threading.Lock()
        self.requests = 0  # HTTP requests sent (tests check that a filter change sends none)

    def close(self) -> None:
        self._http.close()

    # -- low level -----------------------------------------------------------------------

    def _get(self, path: str, params: dict | None = None) -> _Entry:
        key = (path, tuple(sorted((params or {}).items())))
        with self._lock:
            cached = self._cache.get(key)
        headers = {"If-None-Match": cached.etag} if cached and cached.etag else {}
        self.requests += 1
        response = self._http.get(path, params=params, headers=headers)
        if response.status_code == 304 and cached is not None:
            cached.fetched_at = dt.datetime.now(dt.UTC)
            return cached
        if response.status_code != 200:
            raise _status_problem(response)
        entry = _Entry(
            etag=response.headers.get("etag"),
            data=response.json() if "json" in response.headers.get("content-type", "") else response.text,
            publication_id=response.headers.get("x-publication-id"),
        )
        with self._lock:
            self._cache[key] = entry
        return entry

    def _last_good(self, name: str, fetch) -> Fetched:
        """``fetch()`` now; on failure the last good answer under ``name`` with the reason."""
        try:
            entry = fetch()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence
            problem = describe(exc, self.base_url, self.timeout_s)
            with self._lock:
                last = self._cache.get(("last", name))
            if last is None:
                return Fetched(data=None, message=problem.message)
            when = last.fetched_at.strftime("%Y-%m-%d %H:%M UTC")
            return Fetched(
                data=last.data,
                message=f"{problem.message} Showing the last data received ({when}).",
                publication_id=last.publication_id,
                fetched_at=last.fetched_at,
            )
        with self._lock:
            self._cache[("last", name)] = entry
        return Fetched(data=entry.data, publication_id=entry.publication_id, fetched_at=entry.fetched_at)

    def get(self, path: str, params: dict | None = None) -> Fetched:
        return self._last_good(f"{path}?{sorted((params or {}).items())}", lambda: self._get(path, params))

    # -- what the pages need -------------------------------------------------------------

    def _all_cards(self) -> _Entry:
        for _attempt in range(3):  # a publication swap between pages restarts the walk
            first = self._get("/predict/cards/", {"status": "all", "limit": PAGE, "offset": 0})
            items = list(first.data["items"])
            total = first.data["total"]
            same = True
            while len(items) < total:
                page = self._get("/predict/cards/", {"status": "all", "limit": PAGE, "offset": len(items)})
                if page.publication_id != first.publication_id or not page.data["items"]:
                    same = False
                    break
                items.extend(page.data["items"])
            if same:
                return _Entry(etag=None, data=items, publication_id=first.publication_id)
        raise ApiProblem("The API kept publishing while the UI read the cards; try again.")

    def cards(self) -> Fetched:
        """Every published card (all pages), or the last good list."""
        return self._last_good("cards", self._all_cards)

    def held(self, name: str) -> Fetched | None:
        """The last good answer under ``name`` without a request (what a filter change uses)."""
        with self._lock:
            last = self._cache.get(("last", name))
        if last is None:
            return None
        return Fetched(data=last.data, publication_id=last.publication_id, fetched_at=last.fetched_at)

    def cached_cards(self) -> Fetched:
        return self.held("cards") or self.cards()

    def region_roi(self) -> Fetched:
        return self._last_good("region_roi", lambda: self._get("/predict/region-roi/"))

    def cached_region_roi(self) -> Fetched:
        return self.held("region_roi") or self.region_roi()

    def post(self, path: str, body: dict, params: dict | None = None) -> Fetched:
        """A POST (what-if predictions): never cached; 404/405 mean the API lacks the endpoint."""
        try:
            self.requests += 1
            response = self._http.post(path, json=body, params=params)
        except Exception as exc:  # noqa: BLE001
            return Fetched(data=None, message=describe(exc, self.base_url, self.timeout_s).message)
        if response.status_code in (404, 405) and "problem" not in response.headers.get("content-type", ""):
            return Fetched(data=None, message="This API has no on-demand prediction endpoint yet.")
        if response.status_code != 200:
            return Fetched(data=None, message=_status_problem(response).message)
        return Fetched(data=response.json(), publication_id=response.headers.get("x-publication-id"))

    def ready(self) -> Fetched:
        """``/healthcheck/ready`` (open; 503 before any publication) with the time it took."""
        started = time.perf_counter()
        try:
            self.requests += 1
            response = self._http.get("/healthcheck/ready")
            body = response.json()
        except Exception as exc:  # noqa: BLE001
            return Fetched(data=None, message=describe(exc, self.base_url, self.timeout_s).message)
        body["latency_ms"] = (time.perf_counter() - started) * 1000
        return Fetched(data=body)
