"""Errors as RFC 9457 problem details (``application/problem+json``), never a stack trace."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

from soccer_serving.on_demand import RequestProblem
from soccer_serving.queries import InvalidParameter


class NotAvailable(LookupError):
    """Nothing to answer for this match (404), with the reason."""


PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("soccer_serving")


class InvalidParam(msgspec.Struct):
    name: str
    reason: str
    # where the parameter was: query, path, body or header
    location: str = msgspec.field(default="query", name="in")


class Problem(msgspec.Struct, omit_defaults=True):
    title: str
    status: int
    detail: str
    type: str = "about:blank"
    invalid_params: list[InvalidParam] | None = None
    suggestions: list[str] | None = None  # for an unknown team: the closest names of that league


def problem_body(
    status: int, detail: str, invalid: list[InvalidParam] | None = None, suggestions: list[str] | None = None
) -> bytes:
    return msgspec.json.encode(
        Problem(HTTPStatus(status).phrase, status, detail, invalid_params=invalid, suggestions=suggestions)
    )


def _response(
    status: int, detail: str, invalid: list[InvalidParam] | None = None, headers=None, suggestions=None
) -> Response:
    return Response(
        problem_body(status, detail, invalid, suggestions),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def unanswerable_request(_: Request, exc: RequestProblem) -> Response:
    """A well-formed request the model cannot answer: unknown team or league, a team against itself."""
    return _response(
        422, exc.reason, [InvalidParam(exc.field, exc.reason, "body")], suggestions=exc.suggestions or None
    )


def not_available(_: Request, exc: NotAvailable) -> Response:
    return _response(404, str(exc.args[0]) if exc.args else "not available")


def invalid_parameter(_: Request, exc: InvalidParameter) -> Response:
    return _response(400, f"invalid parameter {exc.name}: {exc.reason}", [InvalidParam(exc.name, exc.reason)])


def validation_error(request: Request, exc: ValidationException) -> Response:
    """Litestar's own validation (types of query, path and body values), naming each parameter."""
    invalid = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            source = item.get("source") or "query"
            invalid.append(
                InvalidParam(
                    str(item.get("key") or "body"),
                    str(item.get("message")),
                    str(getattr(source, "value", source)),
                )
            )
    names = ", ".join(p.name for p in invalid) or "the request"
    return _response(400, f"invalid {names}", invalid or None)


def http_error(_: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else HTTPStatus(status).phrase
    if isinstance(exc, NotFoundException) and detail in ("Not Found", ""):
        detail = "no such resource"
    return _response(status, detail, headers=exc.headers)


def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _response(500, "internal error; it has been logged")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    RequestProblem: unanswerable_request,
    NotAvailable: not_available,
    InvalidParameter: invalid_parameter,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}


def documented(*statuses: int) -> dict[int, Any]:
    """OpenAPI entries for the problem responses a route can give (schemathesis checks them)."""
    from litestar.openapi.datastructures import ResponseSpec

    why = {
        400: "a parameter is malformed (named in invalid_params)",
        401: "missing or invalid X-API-Key",
        404: "no such match or artifact in the current publication",
        422: "the request is well formed but cannot be answered (unknown team or league; see suggestions)",
        429: "rate limit exceeded (see Retry-After and RateLimit-* headers)",
        503: "no publication has been loaded yet",
    }
    return {
        status: ResponseSpec(
            data_container=Problem, description=why[status], media_type=PROBLEM_JSON, generate_examples=False
        )
        for status in statuses
    }


PROTECTED_ERRORS = (400, 401, 429, 503)
