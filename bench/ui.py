"""UI benchmark: start-up time and filter latency of ``soccer ui`` against a running API.

    python bench/ui.py --api-url URL --api-key KEY --out ui.json [--repeats N]

Starts ``soccer ui`` on a free port in front of the API at URL, times process start to the
first page answering (``GET /`` 200), then drives filter changes through Gradio's API
(``gradio_client``, the same handler the page's controls call, cards already held by the
UI process) and times each round trip. Writes
{"first_page_s", "filter_p50_ms", "filter_p95_ms", "cards"} to --out (``cards``: the
published cards the matches tab shows) and prints it as the last line; progress goes to
stderr. The UI process is stopped at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
FILTERS = [  # cycled: each call differs from the previous one, like a user's clicks
    {"status": "upcoming"},
    {"status": "finished", "value_only": True},
    {"region": "England"},
    {"team": "united"},
    {"status": "finished", "min_region_roi_pct": -6.0},
    {"period": "Last 365 days"},
    {},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeats", type=int, default=60, help="filter changes to time (default 60)")
    args = parser.parse_args()

    port = free_port()
    env = {
        **os.environ,
        "SOCCER_UI_API_URL": args.api_url,
        "SOCCER_UI_API_KEY": args.api_key,
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    url = f"http://127.0.0.1:{port}"
    fd, ui_log = tempfile.mkstemp(prefix="bench-ui-", suffix=".log")
    started = time.perf_counter()
    with os.fdopen(fd, "wb") as out:
        proc = subprocess.Popen(
            [BIN / "soccer", "ui", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while True:
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit(f"soccer ui did not start; see {ui_log}")
            time.sleep(0.05)
        first_page_s = time.perf_counter() - started
        log(f"first page after {first_page_s:.2f} s")

        from gradio_client import Client

        client = Client(url + "/", verbose=False)
        first = client.predict(api_name="/filter_cards")  # loads the cards into the UI process
        if first["message"]:
            raise SystemExit(f"the UI could not read the API: {first['message']}")
        timings = []
        for params in itertools.islice(itertools.cycle(FILTERS), args.repeats):
            t0 = time.perf_counter()
            answer = client.predict(**params, api_name="/filter_cards")
            timings.append((time.perf_counter() - t0) * 1000)
            assert answer["published"] == first["published"]
        result = {
            "first_page_s": round(first_page_s, 3),
            "filter_p50_ms": round(statistics.median(timings), 1),
            "filter_p95_ms": round(percentile(timings, 0.95), 1),
            "cards": first["published"],
        }
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
