"""Record the API's answers on a store the real pipeline built, for the callback tests.

    .venv/bin/python -m tests.ui.record [--keep DIR]

Builds the pipeline store exactly as the ``pipeline_store`` test fixture does (real slice,
local football-data mirror), starts ``soccer serve`` on it and writes each response the UI
reads to tests/ui/recorded/<name>.json. ``--keep DIR`` leaves the store in DIR for manual runs.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import tempfile
import threading
from pathlib import Path

import dagster as dg

from tests.conftest import Mirror, _MirrorHandler, shared_data_dir
from tests.pipeline_store import build_pipeline_store
from tests.serving.conftest import api_process

RECORDED = Path(__file__).parent / "recorded"
ENDPOINTS = {
    "region_roi": "/predict/region-roi/",
    "quality": "/monitoring/quality",
    "model_info": "/predict/model/info",
    "drift": "/monitoring/drift",
    "model_health": "/monitoring/model-health",
    "freshness": "/monitoring/freshness",
    "system": "/monitoring/system",
}


def record(api_url_client, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with api_url_client as client:
        items, total = [], None
        while total is None or len(items) < total:
            page = client.get("/predict/cards/", params={"limit": 5000, "offset": len(items)}).json()
            total = page["total"]
            items += page["items"]
        cards = {"publication_id": page["publication_id"], "total": total, "items": items}
        (out / "cards.json").write_text(json.dumps(cards))
        for name, path in ENDPOINTS.items():
            response = client.get(path)
            response.raise_for_status()
            (out / f"{name}.json").write_text(json.dumps(response.json(), indent=1))
        upcoming = next(c for c in items if c["status"] == "upcoming")
        finished = next(c for c in reversed(items) if c["status"] == "finished")
        for label, card in (("upcoming", upcoming), ("finished", finished)):
            odds = client.get("/predict/odds/", params={"match_id": card["match_id"]}).json()
            (out / f"odds_{label}.json").write_text(json.dumps(odds, indent=1))
        body = {"league": upcoming["league"], "home_team": upcoming["home_team"], "away_team": "Nowhere FC"}
        bad = client.post("/predict", json=body)
        (out / "predict_unknown_team.json").write_text(json.dumps(bad.json(), indent=1))
        body["away_team"] = upcoming["away_team"]
        good = client.post("/predict", params={"explain": "true"}, json=body)
        good.raise_for_status()
        (out / "predict_what_if.json").write_text(json.dumps(good.json(), indent=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", help="build the store in this folder and leave it there")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ui-record-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = shared_data_dir() / "football-data"
    mirror = Mirror(url="", root=data)
    handler = functools.partial(type("Handler", (_MirrorHandler,), {"mirror": mirror}), directory=str(data))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    mirror.url = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with dg.instance_for_test() as instance:
            store = build_pipeline_store(mirror.url, folder, instance)
            with api_process(str(store.root), folder) as api:
                record(api.client(), RECORDED)
    finally:
        server.shutdown()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
