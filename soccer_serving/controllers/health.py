"""``/healthcheck``: liveness (the process answers) and readiness (what it serves, and how well)."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from soccer_serving.controllers.monitoring import health_status
from soccer_serving.responses import fresh
from soccer_serving.schemas import HealthStatus


class Liveness(msgspec.Struct):
    status: str = "ok"


class HealthController(Controller):
    path = "/healthcheck"
    tags = ["health"]

    @get("/", sync_to_thread=False, summary="Liveness: 200 while the process runs")
    def live(self) -> Response[Liveness]:
        return fresh(Liveness())

    @get(
        "/ready",
        sync_to_thread=False,
        summary="Readiness: 200 ok, 200 degraded (with reasons), 503 before any publication was loaded",
        responses={503: ResponseSpec(data_container=HealthStatus, description="no publication loaded yet")},
    )
    def ready(self, request: Request) -> Response[HealthStatus]:
        status = health_status(request.app.state.publications, dt.datetime.now(dt.UTC))
        return fresh(status, status_code=503 if status.status == "unavailable" else 200)
