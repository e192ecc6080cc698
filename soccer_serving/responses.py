"""How handlers answer: cached bytes with an ETag, or a fresh body for time-dependent views."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from litestar import Request, Response

from soccer_serving.gateway import SNAPSHOT_KEY, normalise_path
from soccer_serving.metrics import ApiMetrics
from soccer_serving.snapshot import Snapshot

ENCODER = msgspec.json.Encoder()
JSON = "application/json"


def snapshot_of(request: Request) -> Snapshot:
    """The snapshot the gateway captured when this request arrived (dependency ``snapshot``)."""
    return request.scope[SNAPSHOT_KEY]  # type: ignore[typeddict-item]


def metrics_of(request: Request) -> ApiMetrics:
    return request.app.state.metrics


def cached(
    request: Request,
    snapshot: Snapshot,
    key: object,
    build: Callable[[], tuple[bytes, int]],
    *,
    media_type: str = JSON,
    source: str = "precomputed",
) -> Response:
    """Answer from the snapshot's cache, building the body once; ``build`` returns the encoded
    body and how many predictions it holds. Honours If-None-Match with a 304. Only GET answers
    are remembered under the raw path and query (the gateway's fast path)."""
    route = request.scope.get("path_template") or request.scope["path"]
    raw = (
        (normalise_path(request.scope["path"]), request.scope["query_string"])
        if request.method == "GET"
        else None
    )
    # what Litestar will send, so the gateway's fast path sends the same Content-Type
    content_type = media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type
    entry, hit = snapshot.cached(key, build, route, raw, content_type.encode(), source)
    metrics = metrics_of(request)
    metrics.cache_lookup(hit)
    cache_control = request.app.state.cache_control
    headers = {"ETag": entry.etag.decode(), "Cache-Control": cache_control}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and entry.etag.decode() in [
        t.strip().removeprefix("W/") for t in if_none_match.split(",")
    ]:
        return Response(b"", status_code=304, headers=headers)
    metrics.served_predictions(entry.source, entry.predictions)
    return Response(entry.body, media_type=media_type, headers=headers)


def fresh(body: msgspec.Struct, status_code: int = 200) -> Response:
    """A body computed now (ages, uptime): never cached by the client."""
    return Response(
        ENCODER.encode(body), status_code=status_code, media_type=JSON, headers={"Cache-Control": "no-store"}
    )
