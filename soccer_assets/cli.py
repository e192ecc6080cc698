"""``soccer``: run the pipeline headless against the Dagster instance in ``DAGSTER_HOME``.

    soccer run        the whole pipeline: ingest, Fonbet odds, training, predictions, publication
    soccer ingest     fetch every configured league-season and fixtures.csv, build the tables
    soccer promote --by NAME --reason TEXT [--version N]   sign off a model version as champion
    soccer serve [--host H] [--port P] [--workers N]   the HTTP API over the published store
    soccer serve-mirror DIR [--port 8765]   serve a local copy of the data sources

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


def cmd_run(_: argparse.Namespace) -> int:
    from soccer_assets.definitions import build_definitions
    from soccer_assets.pipeline import publication_summary, quiet_run_config, run_all

    settings = Settings.from_env()
    defs = build_definitions(settings)
    started = time.monotonic()
    with _instance() as instance:
        result = run_all(defs, settings, instance, run_config=quiet_run_config())
        if not result.ingestion.ok:
            print(json.dumps(result.ingestion.as_dict()))
            return 1
        if not result.ok:
            return 1
        summary = publication_summary(defs)
    summary["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(summary, indent=1, default=str))
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    from soccer_assets.definitions import build_definitions
    from soccer_assets.defs.training.promotion import PROMOTION_JOB

    config = {"approved_by": args.by, "reason": args.reason, "version": args.version or ""}
    with _instance() as instance:
        result = (
            build_definitions(Settings.from_env())
            .resolve_job_def(PROMOTION_JOB)
            .execute_in_process(
                instance=instance,
                run_config={"ops": {"promote_to_champion": {"config": config}}},
                raise_on_error=False,
            )
        )
    return 0 if result.success else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from soccer_serving.server import serve  # no dagster in the API process

    return serve(args.host, args.port, args.workers, args.log_level)


def cmd_serve_mirror(args: argparse.Namespace) -> int:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=args.directory)
    with http.server.ThreadingHTTPServer((args.bind, args.port), handler) as server:
        print(f"serving {args.directory} at http://{args.bind}:{args.port}/", flush=True)
        server.serve_forever()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soccer", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="the whole pipeline, then a summary").set_defaults(func=cmd_run)
    sub.add_parser("ingest", help="raw snapshots, matches and fixtures only").set_defaults(func=cmd_ingest)
    promote = sub.add_parser("promote", help="make a model version champion (manual sign-off)")
    promote.add_argument("--by", required=True, help="who approves")
    promote.add_argument("--reason", required=True, help="why")
    promote.add_argument("--version", help="model version (default: the current candidate)")
    promote.set_defaults(func=cmd_promote)
    serve = sub.add_parser("serve", help="the HTTP API over the published store (SOCCER_STORAGE_URL)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.set_defaults(func=cmd_serve)
    mirror = sub.add_parser("serve-mirror", help="serve a local copy of the sources over HTTP")
    mirror.add_argument("directory")
    mirror.add_argument("--port", type=int, default=8765)
    mirror.add_argument("--bind", default="127.0.0.1")
    mirror.set_defaults(func=cmd_serve_mirror)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
