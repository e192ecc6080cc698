"""``soccer``: run the pipeline headless against the Dagster instance in ``DAGSTER_HOME``.

    soccer ingest     fetch every configured league-season and fixtures.csv, build the tables
    soccer serve-mirror DIR [--port 8765]   serve a local copy of football-data.co.uk

Settings come from ``SOCCER_*`` environment variables (see README).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import sys
import time

from soccer_assets.settings import Settings


def _instance():
    import dagster as dg

    if not os.environ.get("DAGSTER_HOME"):
        sys.exit("DAGSTER_HOME is not set: point it at a folder holding dagster.yaml (see README)")
    return dg.DagsterInstance.get()


def cmd_ingest(_: argparse.Namespace) -> int:
    from soccer_assets.definitions import build_definitions
    from soccer_assets.pipeline import quiet_run_config, run_ingestion

    settings = Settings.from_env()
    print(f"source  {settings.football_data_url}")
    print(f"store   {settings.storage_url}")
    seasons = settings.season_codes
    print(f"leagues {','.join(settings.leagues)}  seasons {seasons[0]}..{seasons[-1]}")
    started = time.monotonic()
    with _instance() as instance:
        summary = run_ingestion(
            build_definitions(settings), settings, instance, run_config=quiet_run_config()
        )
    print(json.dumps({**summary.as_dict(), "seconds": round(time.monotonic() - started, 1)}))
    return 0 if summary.ok else 1


def cmd_serve_mirror(args: argparse.Namespace) -> int:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=args.directory)
    with http.server.ThreadingHTTPServer((args.bind, args.port), handler) as server:
        print(f"serving {args.directory} at http://{args.bind}:{args.port}/", flush=True)
        server.serve_forever()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soccer", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ingest", help="materialize raw snapshots, matches and fixtures").set_defaults(
        func=cmd_ingest
    )
    mirror = sub.add_parser("serve-mirror", help="serve a local football-data.co.uk copy over HTTP")
    mirror.add_argument("directory")
    mirror.add_argument("--port", type=int, default=8765)
    mirror.add_argument("--bind", default="127.0.0.1")
    mirror.set_defaults(func=cmd_serve_mirror)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
