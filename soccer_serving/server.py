"""``soccer serve``: the API under uvicorn, one process or several workers.

With ``--workers N`` (N > 1) every worker is its own process with its own snapshot and
cache; Prometheus multiprocess mode is switched on with a fresh folder so ``/metrics``
adds up all workers, whichever one answers the scrape.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from soccer_serving.settings import ApiSettings, SettingsError


def serve(host: str, port: int, workers: int = 1, log_level: str = "info") -> int:
    try:
        settings = ApiSettings.from_env()  # fail before any worker starts, naming the setting
    except SettingsError as exc:
        print(f"soccer serve: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    multiproc_dir = None
    if workers > 1:
        multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
            prefix="soccer-metrics-"
        )
        shutil.rmtree(multiproc_dir, ignore_errors=True)  # values of an earlier run must not count
        os.makedirs(multiproc_dir)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = multiproc_dir
    keys = (
        f"{len(settings.api_keys)} API key(s)"
        if settings.api_keys
        else "NO API keys (every /predict call gets 401)"
    )
    print(
        f"serving {settings.storage_url} on http://{host}:{port} with {workers} worker(s), {keys}", flush=True
    )
    try:
        uvicorn.run(
            "soccer_serving.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            proxy_headers=False,  # X-Forwarded-For is honoured only from SOCCER_API_TRUSTED_PROXIES
            server_header=False,
            lifespan="on",
        )
    finally:
        if multiproc_dir and not os.environ.get("SOCCER_KEEP_METRICS_DIR"):
            shutil.rmtree(multiproc_dir, ignore_errors=True)
    return 0
