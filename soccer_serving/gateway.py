"""The ASGI layer in front of the Litestar app: keys, rate limits, CORS, the cache fast path, metrics.

Everything that applies to every request is done here, once, in plain ASGI: it costs a
few microseconds, where routing a request through the framework costs tens. A repeated
GET (same path and query string) on the same publication is answered from the snapshot's
response cache without entering Litestar at all; everything else goes on to the app,
which finds the snapshot this request started on in ``scope["soccer.snapshot"]``.

Route groups: ``/predict`` and ``/monitoring`` need ``X-API-Key`` and are rate limited per
key (per client address without a valid key); ``/healthcheck``, ``/schema`` and
``/metrics`` are open (``/metrics`` takes a bearer token when one is configured).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from soccer_serving.metrics import CONTENT_TYPE, ApiMetrics
from soccer_serving.problems import PROBLEM_JSON, problem_body
from soccer_serving.reloader import Publications
from soccer_serving.security import ApiKeys, Decision, RateLimiter, client_address
from soccer_serving.settings import ApiSettings
from soccer_serving.snapshot import CachedResponse

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PROTECTED = ("/predict", "/monitoring")
SNAPSHOT_KEY = "soccer.snapshot"
ALLOWED_METHODS = b"GET, POST, OPTIONS"
ALLOWED_HEADERS = b"x-api-key, content-type, if-none-match"


def normalise_path(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


def _group(path: str) -> str:
    """A bounded route label for answers the gateway gives itself (no route was matched)."""
    for prefix in (*PROTECTED, "/healthcheck", "/schema", "/metrics"):
        if path == prefix or path.startswith(prefix + "/"):
            return prefix + "/*" if path != prefix else prefix
    return "unmatched"


class Gateway:
    def __init__(self, app: ASGIApp, publications: Publications, settings: ApiSettings, metrics: ApiMetrics):
        self.app = app
        self.publications = publications
        self.settings = settings
        self.metrics = metrics
        self.keys = ApiKeys(settings.api_keys)
        self.limiter = RateLimiter(settings.rate_limit)
        self.origins = set(settings.cors_origins)
        self.any_origin = "*" in self.origins
        self.metrics_token = settings.metrics_token.encode() if settings.metrics_token else None
        self.cache_control = f"private, max-age={max(1, int(settings.reload_s))}".encode()
        self._limit_value = str(settings.rate_limit.requests).encode()
        self._policy_value = self.limiter.policy.encode()

    # -- helpers --------------------------------------------------------------------------

    def _origin_allowed(self, origin: bytes | None) -> bool:
        return origin is not None and (self.any_origin or origin.decode("latin-1") in self.origins)

    def _rate_headers(self, decision: Decision) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-limit", self._limit_value),
            (b"ratelimit-remaining", str(decision.remaining).encode()),
            (b"ratelimit-reset", str(decision.reset_s).encode()),
            (b"ratelimit-policy", self._policy_value),
        ]

    async def _answer(
        self, send: Send, status: int, body: bytes, media_type: bytes, headers: list[tuple[bytes, bytes]]
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", media_type),
                    (b"content-length", str(len(body)).encode()),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _problem(
        self, send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]]
    ) -> None:
        await self._answer(send, status, problem_body(status, detail), PROBLEM_JSON.encode(), headers)

    # -- the request ----------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method: str = scope["method"]
        path: str = scope["path"]
        api_key = if_none_match = origin = forwarded = authorization = preflight = None
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                api_key = value
            elif name == b"if-none-match":
                if_none_match = value
            elif name == b"origin":
                origin = value
            elif name == b"x-forwarded-for":
                forwarded = value
            elif name == b"authorization":
                authorization = value
            elif name == b"access-control-request-method":
                preflight = value

        snapshot = self.publications.current
        extra: list[tuple[bytes, bytes]] = []
        if snapshot is not None:
            extra.append((b"x-publication-id", snapshot.publication_id_bytes))
        if origin is not None and self._origin_allowed(origin):
            extra += [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
        status_holder = [500]

        async def observe(route: str) -> None:
            self.metrics.observe(method, route, status_holder[0], time.perf_counter() - started)

        if method == "OPTIONS" and origin is not None and preflight is not None:
            status_holder[0] = 204 if self._origin_allowed(origin) else 403
            headers = extra + (
                [
                    (b"access-control-allow-methods", ALLOWED_METHODS),
                    (b"access-control-allow-headers", ALLOWED_HEADERS),
                    (b"access-control-max-age", b"600"),
                ]
                if status_holder[0] == 204
                else []
            )
            await self._answer(send, status_holder[0], b"", b"text/plain", headers)
            await observe(_group(path))
            return

        if path.startswith(PROTECTED):
            key_index = self.keys.identify(api_key)
            if key_index is not None:
                identity = f"key:{key_index}"
            else:
                peer = scope.get("client")
                identity = "ip:" + client_address(
                    peer[0] if peer else None, forwarded, self.settings.trusted_proxies
                )
            decision = self.limiter.hit(identity)
            extra += self._rate_headers(decision)
            if not decision.allowed:
                status_holder[0] = 429
                retry = [(b"retry-after", str(decision.retry_after_s).encode())]
                await self._problem(
                    send,
                    429,
                    f"rate limit of {decision.policy} exceeded; retry in {decision.retry_after_s} s",
                    extra + retry,
                )
                await observe(_group(path))
                return
            if key_index is None:
                status_holder[0] = 401
                detail = "missing X-API-Key header" if not api_key else "invalid X-API-Key"
                await self._problem(
                    send, 401, detail, [*extra, (b"www-authenticate", b'ApiKey header="X-API-Key"')]
                )
                await observe(_group(path))
                return
            if snapshot is None:
                status_holder[0] = 503
                retry = [(b"retry-after", str(max(1, int(self.settings.reload_s))).encode())]
                await self._problem(send, 503, "no publication has been loaded yet", extra + retry)
                await observe(_group(path))
                return
            if method == "GET":
                entry = snapshot.responses.get_raw(normalise_path(path), scope["query_string"])
                if entry is not None:
                    self.metrics.cache_lookup(True)
                    await self._cached(send, entry, if_none_match, extra, status_holder)
                    await observe(entry.route)
                    return
        elif path == "/metrics" or path == "/metrics/":
            if self.metrics_token is not None and not _bearer_matches(authorization, self.metrics_token):
                status_holder[0] = 401
                await self._problem(send, 401, "/metrics needs Authorization: Bearer <token>", extra)
                await observe("/metrics")
                return
            status_holder[0] = 200
            await self._answer(send, 200, self.metrics.exposition(), CONTENT_TYPE.encode(), extra)
            await observe("/metrics")
            return

        scope[SNAPSHOT_KEY] = snapshot

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            await observe(scope.get("path_template") or _group(path))

    async def _cached(
        self,
        send: Send,
        entry: CachedResponse,
        if_none_match: bytes | None,
        extra: list[tuple[bytes, bytes]],
        status_holder: list[int],
    ) -> None:
        headers = [(b"etag", entry.etag), (b"cache-control", self.cache_control), *extra]
        if if_none_match is not None and _etag_matches(if_none_match, entry.etag):
            status_holder[0] = 304
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        status_holder[0] = 200
        self.metrics.served_predictions(entry.source, entry.predictions)
        await self._answer(send, 200, entry.body, entry.media_type, headers)


def _etag_matches(header: bytes, etag: bytes) -> bool:
    if header == etag:
        return True
    if header.strip() == b"*":
        return True
    return any(candidate.strip().removeprefix(b"W/") == etag for candidate in header.split(b","))


def _bearer_matches(header: bytes | None, token: bytes) -> bool:
    if not header or not header.lower().startswith(b"bearer "):
        return False
    return hmac.compare_digest(header[7:].strip(), token)
