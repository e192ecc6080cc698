"""soccer: run the pipeline, serve what it publishes, open the UIs.

Commands:
  soccer run            the whole pipeline: ingest, Fonbet odds, training, predictions, publication
  soccer ingest         fetch every configured league-season and fixtures.csv, build the tables
  soccer promote        sign off a model version as champion (who and why are recorded)
  soccer accept-snapshot  accept a rejected season file as a real correction (who and why are recorded)
  soccer serve          the HTTP API over the published store
  soccer ui             the web app (Gradio) over the HTTP API
  soccer dagster-dev    the Dagster UI on this project's instance (schedules and sensors stopped)
  soccer mlflow-ui      the MLflow UI on this project's tracking store
  soccer serve-mirror   serve a local copy of the data sources over HTTP

Settings are SOCCER_* environment variables, read on top of the settings file that
./scripts/demo writes (var/soccer.env, or the file named by SOCCER_SETTINGS_FILE); see
README.md. A bad setting is one line naming it, and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from soccer_assets.config import SettingsError, environment
from soccer_assets.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
STOP_GRACE_S = 8.0  # Ctrl-C: children get this long to finish before they are killed


def _fail(message: str) -> int:
    print(f"soccer: {message}", file=sys.stderr)
    return 2


def _settings(overrides: Mapping[str, str] | None = None) -> tuple[Settings, dict[str, str]]:
    env = {**environment(), **(overrides or {})}
    return Settings.from_env(env), env


def _instance(env: Mapping[str, str]):
    import dagster as dg

    home = env.get("DAGSTER_HOME")
    if not home:
        raise SettingsError(
            "DAGSTER_HOME is not set: point it at a folder holding dagster.yaml (./scripts/demo sets it up)"
        )
    os.environ["DAGSTER_HOME"] = home  # the settings file may be where it came from
    return dg.DagsterInstance.get()


def _header(settings: Settings) -> None:
    seasons = settings.season_codes
    print(f"source    {settings.football_data_url}")
    print(f"fonbet    {settings.fonbet_url}")
    print(f"store     {settings.storage_url}")
    print(f"mlflow    {settings.mlflow_tracking_uri}")
    print(f"leagues   {','.join(settings.leagues)}   seasons {seasons[0]}..{seasons[-1]} ({len(seasons)})")
    print(f"training  preset {settings.training_preset}, families {','.join(settings.model_families)}")


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    chosen = {
        "SOCCER_TRAINING_PRESET": args.preset,
        "SOCCER_LEAGUES": args.leagues,
        "SOCCER_SEASONS": args.seasons,
    }
    return {key: value for key, value in chosen.items() if value}


def cmd_ingest(args: argparse.Namespace) -> int:
    from soccer_assets.definitions import build_definitions
    from soccer_assets.defs.progress import progress_run_config
    from soccer_assets.pipeline import run_ingestion

    settings, env = _settings(_overrides(args))
    _header(settings)
    started = time.monotonic()
    with _instance(env) as instance:
        summary = run_ingestion(
            build_definitions(settings),
            settings,
            instance,
            run_config=progress_run_config(steps=False, level="WARNING"),
        )
    print(json.dumps({**summary.as_dict(), "seconds": round(time.monotonic() - started, 1)}))
    return 0 if summary.ok else 1


def _next_steps(env: Mapping[str, str]) -> list[str]:
    api = env.get("SOCCER_UI_API_URL", "http://127.0.0.1:8000")
    return [
        "Dagster  .venv/bin/soccer dagster-dev   -> http://127.0.0.1:3000 (assets, runs, checks)",
        f"MLflow   .venv/bin/soccer mlflow-ui     -> {env.get('SOCCER_MLFLOW_UI_URL', 'http://127.0.0.1:5000')}",
        f"API      .venv/bin/soccer serve         -> {api}/schema",
        "UI       .venv/bin/soccer ui            -> http://127.0.0.1:7860",
    ]


def cmd_run(args: argparse.Namespace) -> int:
    from soccer_assets.definitions import build_definitions
    from soccer_assets.defs.progress import progress_run_config
    from soccer_assets.pipeline import publication_summary, run_all

    settings, env = _settings(_overrides(args))
    _header(settings)
    defs = build_definitions(settings)
    started = time.monotonic()
    with _instance(env) as instance:
        result = run_all(
            defs,
            settings,
            instance,
            run_config=progress_run_config(),
            ingestion_run_config=progress_run_config(steps=False, level="WARNING"),
            train=not args.no_training,
        )
        if not result.ingestion.ok:
            print(json.dumps(result.ingestion.as_dict()))
            return 1
        if not result.ok:
            return 1
        summary = publication_summary(defs, settings)
    summary["seconds"] = round(time.monotonic() - started, 1)
    summary["open_next"] = _next_steps(env)
    print()
    print(f"Serving   {summary.get('serving')}")
    predicted, value = summary.get("upcoming_predicted"), summary.get("upcoming_value_bets")
    print(f"Upcoming  {predicted} matches predicted, {value} value bets")
    for strategy, row in summary.get("backtest", {}).items():
        figure = (
            f"yield {row['yield']:+.1%} (95% CI {row['yield_ci'][0]:+.1%}..{row['yield_ci'][1]:+.1%})"
            if row["bets"]
            else "no bet"
        )
        print(f"Backtest  {strategy:10} {row['bets']:4d} bets, {figure}")
    untrained = summary.get("leagues_without_training_data")
    if untrained:
        print(f"Leagues   the model never trained on: {', '.join(untrained)} (not predicted)")
    print("Open next:")
    for line in summary["open_next"]:
        print(f"  {line}")
    print(json.dumps(summary, indent=1, default=str))
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    from soccer_assets.definitions import build_definitions
    from soccer_assets.defs.training.promotion import PROMOTION_JOB
    from soccer_assets.run_recovery import process_tags

    settings, env = _settings()
    config = {"approved_by": args.by, "reason": args.reason, "version": args.version or ""}
    with _instance(env) as instance:
        result = (
            build_definitions(settings)
            .resolve_job_def(PROMOTION_JOB)
            .execute_in_process(
                instance=instance,
                run_config={"ops": {"promote_to_champion": {"config": config}}},
                raise_on_error=False,
                tags=process_tags(),
            )
        )
    return 0 if result.success else 1


def cmd_accept_snapshot(args: argparse.Namespace) -> int:
    from soccer_assets.definitions import build_definitions
    from soccer_assets.defs.ingestion.accept import OverrideRefused, accept_snapshot
    from soccer_assets.lib.seasons import Season

    settings, env = _settings()
    try:
        season = Season.from_code(args.season)
    except ValueError as exc:
        return _fail(f"--season: {exc}")
    storage = build_definitions(settings).resources["storage"]
    with _instance(env) as instance:
        try:
            override = accept_snapshot(
                storage,
                instance,
                league=args.league,
                season=season,
                sha256_prefix=args.sha256,
                accepted_by=args.by,
                reason=args.reason,
            )
        except (OverrideRefused, FileExistsError) as exc:
            return _fail(str(exc))
    print(
        f"accepted {args.league} {season.label} snapshot {override.sha256[:12]} ({override.differences}); "
        "the next `soccer ingest` uses it"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from soccer_serving.server import serve  # no dagster in the API process

    return serve(args.host, args.port, args.workers, args.log_level)


def cmd_ui(args: argparse.Namespace) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from soccer_ui.settings import UiSettings  # gradio is imported only by this command

    settings = UiSettings.from_env()
    from soccer_ui.app import serve as serve_ui

    return serve_ui(settings, args.host, args.port)


class _Stopping(Exception):
    """Ctrl-C or SIGTERM reached a supervising command."""


def _supervise(
    command: list[str], env: Mapping[str, str], extra: list[subprocess.Popen] | None = None
) -> int:
    """Run ``command`` in its own process group; Ctrl-C (or SIGTERM) stops the whole group within
    STOP_GRACE_S seconds, killing what has not stopped by then."""
    proc = subprocess.Popen(command, env=dict(env), start_new_session=True)
    children = [proc, *(extra or [])]

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait()

    def on_signal(signum: int, _frame: object) -> None:
        # Explicit, for SIGTERM and for a shell that started us with SIGINT ignored. It only
        # interrupts the wait below: stopping inside the handler would wait on `proc` again
        # while the interrupted wait still holds its lock, and hang.
        raise _Stopping(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    try:
        return proc.wait()
    except _Stopping:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the grace short
        stop()
        return 0


def _dagster_home(env: Mapping[str, str]) -> Path:
    home = Path(env.get("DAGSTER_HOME") or "var/dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists() and (REPO_ROOT / "dagster.yaml").exists():
        shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def cmd_dagster_dev(args: argparse.Namespace) -> int:
    settings, env = _settings()
    home = _dagster_home(env)
    child = {**os.environ, **env, "DAGSTER_HOME": str(home)}
    if not args.automation:
        child["SOCCER_AUTOMATION"] = "false"
    elif "SOCCER_AUTOMATION" in child and child["SOCCER_AUTOMATION"].lower() in ("false", "0", "no", "off"):
        child["SOCCER_AUTOMATION"] = "true"
    mirror = []
    if env.get("SOCCER_MIRROR_DIR"):  # the demo's local copy of the sources, so materializations work
        port = env.get("SOCCER_MIRROR_PORT", "8765")
        mirror.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "soccer_assets.cli",
                    "serve-mirror",
                    env["SOCCER_MIRROR_DIR"],
                    "--port",
                    port,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    workspace = REPO_ROOT / "workspace.yaml"
    target = ["-w", str(workspace)] if workspace.exists() else ["-m", "soccer_assets.definitions"]
    state = "running" if args.automation else "stopped (start them in the UI, or use --automation)"
    print(
        f"Dagster UI on http://{args.host}:{args.port}, instance {home}; schedules and sensors {state}",
        flush=True,
    )
    print(
        f"store {settings.storage_url}, leagues {','.join(settings.leagues)}, Ctrl-C stops everything",
        flush=True,
    )
    dagster = str(Path(sys.executable).with_name("dagster"))
    return _supervise([dagster, "dev", *target, "-h", args.host, "-p", str(args.port)], child, mirror)


def cmd_mlflow_ui(args: argparse.Namespace) -> int:
    settings, env = _settings()
    uri = settings.mlflow_tracking_uri
    if uri.startswith(("http://", "https://")):
        print(f"the tracking store is a server: open {settings.mlflow_ui_url or uri}")
        return 0
    child = {**os.environ, **env, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    port = args.port or urlparse(settings.mlflow_ui_url or "").port or 5000  # where the links point
    mlflow = str(Path(sys.executable).with_name("mlflow"))
    command = [mlflow, "ui", "--backend-store-uri", uri, "--host", args.host, "--port", str(port)]
    if settings.mlflow_artifact_uri:
        command += ["--default-artifact-root", settings.mlflow_artifact_uri]
    print(f"MLflow UI on http://{args.host}:{port} for {uri}; Ctrl-C stops it", flush=True)
    return _supervise(command, child)


def cmd_serve_mirror(args: argparse.Namespace) -> int:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=args.directory)
    with http.server.ThreadingHTTPServer((args.bind, args.port), handler) as server:
        print(f"serving {args.directory} at http://{args.bind}:{args.port}/", flush=True)
        server.serve_forever()
    return 0


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="soccer", description=__doc__, formatter_class=formatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def scope(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--preset", choices=["production", "smoke"], help="training preset (SOCCER_TRAINING_PRESET)"
        )
        command.add_argument("--leagues", help="league codes, e.g. E0,D1 (SOCCER_LEAGUES)")
        command.add_argument("--seasons", help="e.g. 2324,2425 or 1415-2526 (SOCCER_SEASONS)")

    run = sub.add_parser(
        "run",
        help="the whole pipeline, then a summary",
        description="Ingest, fetch the Fonbet line, train and gate a model, predict, monitor and publish; "
        "then say what was published and what to open next.",
    )
    scope(run)
    run.add_argument(
        "--no-training", action="store_true", help="predict with the model in use, train nothing"
    )
    run.set_defaults(func=cmd_run)
    ingest = sub.add_parser(
        "ingest",
        help="raw snapshots, matches and fixtures only",
        description="Fetch and validate the sources.",
    )
    scope(ingest)
    ingest.set_defaults(func=cmd_ingest)
    promote = sub.add_parser(
        "promote",
        help="make a model version champion (manual sign-off)",
        description="Move the champion alias to a version; who and why are recorded in MLflow.",
    )
    promote.add_argument("--by", required=True, help="who approves")
    promote.add_argument("--reason", required=True, help="why")
    promote.add_argument("--version", help="model version (default: the current candidate)")
    promote.set_defaults(func=cmd_promote)
    accept = sub.add_parser(
        "accept-snapshot",
        help="accept a rejected season file as a real correction",
        description="A season file that loses or changes finished matches is rejected. When the change is "
        "real (a re-dated postponed match, a corrected score), record who accepts it and why; the next "
        "ingestion uses it. The sha256 is in the rejection (`soccer ingest`, the check in Dagster).",
    )
    accept.add_argument("league", help="league code, e.g. E0")
    accept.add_argument("season", help="season code, e.g. 2324")
    accept.add_argument("sha256", help="the rejected snapshot's sha256 (at least its first 8 characters)")
    accept.add_argument("--by", required=True, help="who accepts")
    accept.add_argument("--reason", required=True, help="what was corrected, and where that is documented")
    accept.set_defaults(func=cmd_accept_snapshot)
    serve = sub.add_parser(
        "serve",
        help="the HTTP API over the published store (SOCCER_STORAGE_URL)",
        description="Serve the published store over HTTP (Litestar under uvicorn).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's",
    )
    serve.set_defaults(func=cmd_serve)
    ui = sub.add_parser(
        "ui",
        help="the web app over the HTTP API (SOCCER_UI_API_URL)",
        description="Serve the Gradio web app; it reads everything from the API with SOCCER_UI_API_KEY.",
    )
    ui.add_argument("--host", help="address to listen on (default SOCCER_UI_HOST or 127.0.0.1)")
    ui.add_argument("--port", type=int, help="port (default SOCCER_UI_PORT or 7860)")
    ui.set_defaults(func=cmd_ui)
    dagster_dev = sub.add_parser(
        "dagster-dev",
        help="the Dagster UI on this project's instance",
        description="Start `dagster dev` with the settings the pipeline ran with (DAGSTER_HOME, the store, "
        "the sources). Schedules and sensors stay stopped unless --automation; Ctrl-C stops every process.",
    )
    dagster_dev.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    dagster_dev.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    dagster_dev.add_argument("--automation", action="store_true", help="start schedules and sensors too")
    dagster_dev.set_defaults(func=cmd_dagster_dev)
    mlflow_ui = sub.add_parser(
        "mlflow-ui",
        help="the MLflow UI on this project's tracking store",
        description="Start the MLflow UI on SOCCER_MLFLOW_TRACKING_URI (a local store); Ctrl-C stops it.",
    )
    mlflow_ui.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    mlflow_ui.add_argument(
        "--port", type=int, help="port (default: the one in SOCCER_MLFLOW_UI_URL, else 5000)"
    )
    mlflow_ui.set_defaults(func=cmd_mlflow_ui)
    mirror = sub.add_parser(
        "serve-mirror",
        help="serve a local copy of the sources over HTTP",
        description="Serve a folder laid out like football-data.co.uk (or the shared data root).",
    )
    mirror.add_argument("directory", help="the folder to serve")
    mirror.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    mirror.add_argument("--bind", default="127.0.0.1", help="address (default 127.0.0.1)")
    mirror.set_defaults(func=cmd_serve_mirror)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        return _fail(str(exc))


if __name__ == "__main__":
    raise SystemExit(main())
