"""Serving benchmark: the API beside a bare ASGI app and a straightforward FastAPI app.

    python bench/serving.py --source-url URL --out serving.json [--store DIR] [--seconds S]

Builds a published store with the real pipeline (smoke preset) from the football-data
source at URL, or reuses ``--store DIR`` when it already holds a publication. Then, in
one run on this machine, puts the same load (wrk when installed, else an asyncio/httpx
loop; same connections for all) on each endpoint of three servers, one uvicorn worker
each, one server at a time: this API (``soccer_serving``), a bare ASGI app answering a
fixed body of the same size, and FastAPI + pydantic serving the same cards. On-demand rows
(``GET /predict/{id}``, ``POST /predict``, a 100-item batch) cycle through every upcoming
match and a few hundred what-ifs with the response cache switched off, so each request is
scored by the model; ``fastapi_rps`` is null there. Writes
{"rows": [{"endpoint", "rps", "p50_ms", "p99_ms", "bare_rps", "fastapi_rps"}], "seconds": t}
to --out and prints it as the last line; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
UVICORN = [sys.executable, "-m", "uvicorn", "--no-access-log", "--no-server-header", "--log-level", "warning"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_store(source_url: str, store: Path, leagues: str, seasons: str) -> None:
    """The real pipeline, smoke preset, into ``store`` (ephemeral Dagster instance and MLflow)."""
    import dagster as dg

    from soccer_assets.definitions import build_definitions
    from soccer_assets.pipeline import quiet_run_config, run_all
    from soccer_assets.settings import Settings

    scratch = Path(tempfile.mkdtemp(prefix="soccer-bench-mlflow-"))
    env = {
        **os.environ,
        "SOCCER_FOOTBALL_DATA_URL": source_url,
        "SOCCER_STORAGE_URL": str(store),
        "SOCCER_LEAGUES": leagues,
        "SOCCER_SEASONS": seasons,
        "SOCCER_TRAINING_PRESET": "smoke",
        "SOCCER_AUTOMATION": "false",
        "SOCCER_MLFLOW_TRACKING_URI": f"sqlite:///{scratch}/mlflow.db",
        "SOCCER_MLFLOW_ARTIFACT_URI": str(scratch / "artifacts"),
        "SOCCER_PROMETHEUS_TEXTFILE": str(scratch / "soccer.prom"),
        "SOCCER_FONBET_URL": os.environ.get("SOCCER_FONBET_URL")
        or source_url.rstrip("/") + "/no-fonbet.json",
    }
    settings = Settings.from_env(env)
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_all(
            build_definitions(settings), settings, instance, log=log, run_config=quiet_run_config("ERROR")
        )
    shutil.rmtree(scratch, ignore_errors=True)
    if not result.ok:
        raise SystemExit(f"the pipeline failed: {result.failed or result.ingestion.as_dict()}")


@contextmanager
def server(target: list[str], env: dict[str, str], health: str) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [*UVICORN, "--port", str(port), *target], env={**os.environ, **env}, cwd=HERE,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + health, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{target} did not start: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
                )
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
Request = tuple[str, str, bytes | None]  # method, path (with query), body


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def _lua(requests: list[Request], headers: dict[str, str]) -> str:
    """A wrk script that cycles through ``requests`` (bodies in Lua long brackets)."""
    items = ",\n".join(
        f'  {{"{m}", [==[{p}]==], {"[==[" + b.decode() + "]==]" if b else "nil"}}}' for m, p, b in requests
    )
    header_items = ", ".join(
        f'["{k}"]=[==[{v}]==]' for k, v in {**headers, "Content-Type": "application/json"}.items()
    )
    return (
        f"local requests = {{\n{items}\n}}\nlocal headers = {{{header_items}}}\nlocal i = 0\n"
        "request = function()\n  i = (i % #requests) + 1\n  local r = requests[i]\n"
        "  return wrk.format(r[1], r[2], headers, r[3])\nend\n"
    )


def wrk(
    base: str, requests: list[Request], headers: dict[str, str], seconds: float, connections: int
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(requests, headers))
    command = [
        "wrk",
        f"-t{min(2, connections)}",  # wrk needs at least one connection per thread
        f"-c{connections}",
        f"-d{max(1, int(seconds))}s",
        "--latency",
        "-s",
        script.name,
        base,
    ]
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{base}{requests[0][1]}: {non_2xx.group(1)} responses were not 2xx/3xx")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
    }


def asyncio_load(
    base: str, requests: list[Request], headers: dict[str, str], seconds: float, connections: int
) -> dict[str, float]:
    """The fallback generator: ``connections`` concurrent keep-alive clients for ``seconds``."""

    async def run() -> list[float]:
        latencies: list[float] = []
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        sent = {"json": "application/json"}
        async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
            stop = time.monotonic() + seconds

            async def worker(offset: int) -> None:
                k = offset
                while time.monotonic() < stop:
                    method, path, body = requests[k % len(requests)]
                    k += 1
                    started = time.perf_counter()
                    extra = {"content": body, "headers": {"Content-Type": sent["json"]}} if body else {}
                    response = await client.request(method, path, **extra)
                    if response.status_code >= 400:
                        raise RuntimeError(f"{path}: status {response.status_code}")
                    latencies.append(time.perf_counter() - started)

            await asyncio.gather(*(worker(i) for i in range(connections)))
        return latencies

    latencies = sorted(asyncio.run(run()))
    return {
        "rps": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def on_demand_requests(client: httpx.Client) -> tuple[list[Request], list[Request], Request]:
    """Distinct GET /predict/{id}, POST /predict (fixtures and what-ifs) and one 100-item batch."""
    upcoming = client.get("/predict/matches/", params={"limit": 5000}).json()["items"]
    gets: list[Request] = [("GET", f"/predict/{m['match_id']}", None) for m in upcoming]
    bodies = [
        {"league": m["league"], "home_team": m["home_team"], "away_team": m["away_team"]} for m in upcoming
    ]
    teams: dict[str, list[str]] = {}
    for m in upcoming:
        teams.setdefault(m["league"], []).extend([m["home_team"], m["away_team"]])
    for league, names in teams.items():
        names = sorted(set(names))
        bodies += [
            {
                "league": league,
                "home_team": h,
                "away_team": a,
                "odds": {"home": 2.2, "draw": 3.3, "away": 3.4},
            }
            for h in names
            for a in names
            if h != a
        ][:400]
    posts: list[Request] = [("POST", "/predict", json.dumps(b).encode()) for b in bodies]
    batch = ("POST", "/predict/batch", json.dumps({"items": (bodies * 100)[:100]}).encode())
    return gets, posts, batch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-url", required=True, help="football-data.co.uk or a mirror of it")
    parser.add_argument("--out", required=True)
    parser.add_argument("--store", help="folder of a published store to reuse (built there when empty)")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per endpoint and server")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--leagues", default="E0,D1,F1,SP1")
    parser.add_argument("--seasons", default="1920-2526")
    args = parser.parse_args()
    started = time.monotonic()
    load = wrk if shutil.which("wrk") else asyncio_load
    generator = "wrk" if load is wrk else "asyncio/httpx"
    log(f"load generator: {generator}, {args.connections} connections, {args.seconds:g} s")

    store = Path(args.store or tempfile.mkdtemp(prefix="soccer-bench-store-")).resolve()
    if (store / "published" / "manifest.json").is_file():
        log(f"reusing the publication in {store}")
    else:
        log(f"building a published store in {store} (smoke preset, {args.leagues} {args.seasons})")
        build_store(args.source_url, store, args.leagues, args.seasons)

    key = secrets.token_hex(16)
    env = {
        "SOCCER_STORAGE_URL": str(store),
        "SOCCER_API_KEYS": key,
        "SOCCER_API_RATE_LIMIT": "100000000/second",
    }
    auth = {"X-API-Key": key}
    rows: list[dict] = []
    sizes: dict[str, int] = {}

    def measure(base: str, name: str, requests: list[Request], headers: dict[str, str]) -> dict:
        with httpx.Client(base_url=base, headers=headers) as client:
            method, path, body = requests[0]
            sizes[name] = len(client.request(method, path, content=body).content)
        figures = load(base, requests, headers, args.seconds, args.connections)
        row = {"endpoint": name, **{k: round(v, 3) for k, v in figures.items()}}
        rps, p50, p99 = row["rps"], row["p50_ms"], row["p99_ms"]
        log(f"api      {name:34} {rps:9.0f} req/s  p50 {p50:.2f} ms  p99 {p99:.2f} ms")
        return row

    with server(["--factory", "soccer_serving.app:create_app_from_env"], env, "/healthcheck/ready") as api:
        with httpx.Client(base_url=api, headers=auth) as client:
            match_id = client.get("/predict/cards/", params={"status": "upcoming", "limit": 1}).json()[
                "items"
            ][0]["match_id"]
            etag = client.get("/predict/cards/").headers["etag"]
            gets, posts, batch = on_demand_requests(client)
        read_rows = [
            ("/predict/cards/", [("GET", "/predict/cards/", None)], auth),
            ("/predict/cards/?league=E0", [("GET", "/predict/cards/?league=E0", None)], auth),
            ("/predict/precomputed/{id}", [("GET", f"/predict/precomputed/{match_id}", None)], auth),
            ("/predict/cards/ (304)", [("GET", "/predict/cards/", None)], {**auth, "If-None-Match": etag}),
            ("/healthcheck/ready", [("GET", "/healthcheck/ready", None)], {}),
            ("/predict/{match_id} (cached)", gets, auth),
        ]
        plans = {name: (requests, headers) for name, requests, headers in read_rows}
        rows += [measure(api, name, requests, headers) for name, requests, headers in read_rows]
    # on demand without the response cache: every request is scored by the model
    uncached = {**env, "SOCCER_API_CACHE_ENTRIES": "0"}
    with server(
        ["--factory", "soccer_serving.app:create_app_from_env"], uncached, "/healthcheck/ready"
    ) as api:
        compute_rows = [
            ("/predict/{match_id}", gets, auth),
            ("POST /predict", posts, auth),
            ("POST /predict/batch (100 items)", [batch], auth),
        ]
        plans |= {name: (requests, headers) for name, requests, headers in compute_rows}
        rows += [measure(api, name, requests, headers) for name, requests, headers in compute_rows]
        # the latency of one prediction with nobody else waiting (no queueing behind other clients)
        connections = args.connections
        args.connections = 1
        single = [(f"{name} (1 connection)", requests, headers) for name, requests, headers in compute_rows]
        plans |= {name: (requests, headers) for name, requests, headers in single}
        rows += [measure(api, name, requests, headers) for name, requests, headers in single]
        args.connections = connections
    for row in rows:
        requests, _ = plans[row["endpoint"]]
        with server(
            ["serving_apps:bare_app"], {"SOCCER_BENCH_BODY_BYTES": str(sizes[row["endpoint"]])}, "/"
        ) as bare:
            row["bare_rps"] = round(
                load(bare, [(m, p, b) for m, p, b in requests[:1]], {}, args.seconds, args.connections)[
                    "rps"
                ],
                1,
            )
        log(f"bare     {row['endpoint']:34} {row['bare_rps']:9.0f} req/s  ({sizes[row['endpoint']]} bytes)")
    with server(["--factory", "serving_apps:fastapi_app"], env, "/healthcheck/ready") as fastapi:
        for row in rows:
            requests, headers = plans[row["endpoint"]]
            if requests[0][0] != "GET" or not requests[0][1].startswith(
                ("/predict/cards", "/predict/precomputed", "/healthcheck")
            ):
                row["fastapi_rps"] = None  # on demand: no straightforward FastAPI twin to compare with
                continue
            plain = {k: v for k, v in headers.items() if k != "If-None-Match"}  # no ETags there: a full 200
            row["fastapi_rps"] = round(
                load(fastapi, requests, plain, args.seconds, args.connections)["rps"], 1
            )
            log(f"fastapi  {row['endpoint']:34} {row['fastapi_rps']:9.0f} req/s")
    report = {"rows": rows, "seconds": round(time.monotonic() - started, 1)}
    Path(args.out).write_text(json.dumps(report, indent=1))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
