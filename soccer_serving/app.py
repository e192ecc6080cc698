"""The app factory: ``create_app(settings)`` gives the ASGI application ``soccer serve`` runs.

Shape (after litestar-fullstack): one controller per domain (``predict``, ``monitoring``,
``health``), msgspec Structs as response types, settings parsed once, a lifespan that
loads the published store and starts the watcher that swaps in new publications. In
front of the Litestar app sits the ``Gateway`` (keys, rate limits, CORS, the response
cache fast path, metrics). This package never imports dagster or calls MLflow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import msgspec
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from soccer_assets.storage.published import PublishedStore
from soccer_serving.controllers.health import HealthController
from soccer_serving.controllers.monitoring import MonitoringController
from soccer_serving.controllers.predict import PredictController
from soccer_serving.gateway import Gateway
from soccer_serving.metrics import ApiMetrics, PublicationCollector
from soccer_serving.predicting import requested_matches
from soccer_serving.problems import EXCEPTION_HANDLERS
from soccer_serving.reloader import Publications
from soccer_serving.schemas import BatchPrediction, BatchRequest
from soccer_serving.settings import ApiSettings
from soccer_serving.store import open_published_store
from soccer_serving.tasks import MemoryTaskStore, RedisTaskStore, TaskRunner

log = logging.getLogger("soccer_serving")
API_VERSION = "1.0.0"


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Soccer predictions API",
        version=API_VERSION,
        description=(
            "1X2 predictions of football matches beside bookmaker odds, read from the published store. "
            "Every response names the publication it comes from (X-Publication-Id). "
            "Demo only, not betting advice."
        ),
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
        components=Components(
            security_schemes={
                "ApiKey": SecurityScheme(type="apiKey", name="X-API-Key", security_scheme_in="header")
            }
        ),
    )


def create_app(settings: ApiSettings | None = None, store: PublishedStore | None = None) -> Gateway:
    """The whole API as one ASGI app; ``store`` overrides the one ``settings`` names (tests)."""
    settings = settings or ApiSettings.from_env()
    store = store or open_published_store(settings)
    metrics = ApiMetrics()
    publications = Publications(store, settings, metrics)
    metrics.publication_collector = PublicationCollector(lambda: publications.current)
    if not settings.api_keys:
        log.warning(
            "no API keys configured (SOCCER_API_KEYS / SOCCER_API_KEYS_FILE): "
            "/predict and /monitoring refuse every request"
        )

    async def run_task(payload: dict) -> dict:
        """One queued batch, scored off the event loop on the snapshot current when it runs."""
        data = msgspec.convert(payload, BatchRequest)
        snapshot = publications.current
        if snapshot is None:
            raise RuntimeError("no publication is loaded")
        items = await asyncio.to_thread(requested_matches, snapshot, data.items, data.explain, 5, "items")
        metrics.served_predictions("async", len(items))
        return msgspec.to_builtins(BatchPrediction(publication_id=snapshot.publication_id, items=items))

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        store = RedisTaskStore(settings.redis_url) if settings.redis_url else MemoryTaskStore()
        tasks = TaskRunner(
            store,
            run_task,
            max_queued=settings.task_queue,
            ttl_s=settings.task_ttl_s,
            on_depth=metrics.queue_depth.set,
            on_outcome=lambda outcome: metrics.tasks.labels(outcome).inc(),
        )
        app.state.tasks = tasks
        tasks.start()
        await asyncio.to_thread(publications.refresh)
        if publications.current is None:
            log.warning(
                "no publication loaded at start-up (%s); retrying every %s s",
                publications.last_error or publications.store_error,
                settings.reload_s,
            )
        watcher = asyncio.create_task(publications.watch(), name="publication-watcher")
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await tasks.stop()

    app = Litestar(
        route_handlers=[PredictController, MonitoringController, HealthController],
        lifespan=[lifespan],
        openapi_config=_openapi(),
        exception_handlers=EXCEPTION_HANDLERS,
        logging_config=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.publications = publications
    app.state.cache_control = f"private, max-age={max(1, int(settings.reload_s))}"
    return Gateway(app, publications, settings, metrics)


def create_app_from_env() -> Gateway:
    """Factory for uvicorn (``--factory``): every worker parses the same environment."""
    return create_app(ApiSettings.from_env())
