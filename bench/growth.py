"""Growth benchmark: what the recurring runs cost after a year of operation.

    python bench/growth.py --source-url URL --out growth.json [--days 1,90,180,365]

Simulates a year on this machine from the real data (``bench/growth_world.py``): a Fonbet
snapshot every 4 hours (2,190 in a year), the football-data files as they stood each day,
a prediction batch every day. The state up to a measured day is written straight into the
store through the store's own API (``SnapshotStore.save``, ``PredictionLog.append``); the
model is trained once (smoke preset). Then the real Dagster jobs the schedules run are
measured, each in a fresh process on a copy of that state (hard links, so the state itself
stays as a year of operation would leave it; the Dagster instance is SQLite, copied too, so
a run sees the materializations of the runs before it, as under the daemon):

- ``odds_4h``: ``fonbet_odds_job`` (a new snapshot fetched over HTTP, events, links, odds);
- ``daily``: the current season's results, ``canonical_tables_job``, ``inference_job``
  (new results to published cards, no retrain);
- ``quality``: ``quality_metrics``.

Before a measured day the bench materializes ``matches``/``fixtures`` and (unless
``--no-warm-up``) the Fonbet assets without a fetch, unmeasured, as the 4-hourly runs
before it would have: an incremental implementation then starts from an up-to-date
checkpoint, as it would in operation. ``seconds`` is the time of the jobs inside the
measured process (not its interpreter start and imports); ``peak_rss_mb`` is the peak
resident size of that whole process. Writes
``{"rows": [{"step", "day", "seconds", "peak_rss_mb"}], "seconds": t}``; a step killed by
``--step-timeout`` or ``--max-rss-mb``, or a failed one, also has ``"error"``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

STEPS = ("odds_4h", "daily", "quality")
TARGET_RATIO = 1.5
TARGET_DAILY_S = 60.0
DEFAULT_START = dt.date(2024, 8, 17)  # a Saturday of the 2024/25 openers: every later day has real data
DAILY_HOUR, ODDS_HOUR = 6, 8


def log(message: str) -> None:
    print(f"[growth {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Progress:
    """At most one line every ``every`` seconds: done/total and the time left at the current rate."""

    def __init__(self, what: str, total: int, every: float = 10.0):
        self.what, self.total, self.every = what, total, every
        self.started = self.last = time.monotonic()

    def tick(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < self.every and done < self.total:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        left = (self.total - done) / rate if rate else 0.0
        log(f"  {self.what}: {done}/{self.total}, about {left:.0f} s left")


# -- the child: one measured (or warm-up) run in a fresh process --------------------------------


def child(step: str) -> int:
    import resource

    import dagster as dg

    from soccer_assets.definitions import build_definitions
    from soccer_assets.defs.automation import INFERENCE_JOB
    from soccer_assets.defs.ingestion.automation import CANONICAL_JOB, RAW_RESULTS_JOB
    from soccer_assets.defs.ingestion.partitions import partition_key
    from soccer_assets.defs.odds.automation import FONBET_JOB
    from soccer_assets.defs.training import TRAINING_JOB
    from soccer_assets.lib.seasons import Season
    from soccer_assets.pipeline import first_failure_reason, quiet_run_config
    from soccer_assets.settings import Settings

    settings = Settings.from_env()
    defs = build_definitions(settings)
    today = settings.now().date()
    fonbet_built = ["fonbet_events", "fonbet_links", "fonbet_unlinked", "fonbet_odds"]
    plans: dict[str, list[tuple[str, dict]]] = {
        "odds_4h": [(FONBET_JOB, {})],
        "daily": [
            *(
                (RAW_RESULTS_JOB, {"partition_key": partition_key(league, Season.containing(today))})
                for league in settings.leagues
                if Season.containing(today) in settings.seasons
            ),
            (CANONICAL_JOB, {}),
            (INFERENCE_JOB, {}),
        ],
        "quality": [(INFERENCE_JOB, {"asset_selection": ["quality_metrics"]})],
        "warm_canonical": [(CANONICAL_JOB, {"asset_selection": ["matches", "fixtures"]})],
        "warm_odds": [(FONBET_JOB, {"asset_selection": fonbet_built})],
        "train": [(TRAINING_JOB, {}), (INFERENCE_JOB, {})],
    }
    error = None
    with dg.DagsterInstance.get() as instance:  # the state's own instance: runs see earlier runs
        started = time.monotonic()
        for job, options in plans[step]:
            kwargs: dict = {}
            if "asset_selection" in options:
                kwargs["asset_selection"] = [dg.AssetKey(a) for a in options["asset_selection"]]
            if "partition_key" in options:
                kwargs["partition_key"] = options["partition_key"]
            result = defs.resolve_job_def(job).execute_in_process(
                instance=instance, raise_on_error=False, run_config=quiet_run_config("ERROR"), **kwargs
            )
            if not result.success:
                error = f"{job}: {first_failure_reason(result)}"
                for event in result.all_events:
                    if event.event_type_value == "STEP_FAILURE":
                        print(event.event_specific_data.error.to_string(), file=sys.stderr)
                break
        seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1), "error": error}))
    return 0 if error is None else 1


# -- the parent: state, runs, report ---------------------------------------------------------


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident size of a process, from /proc."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    except (OSError, ValueError):
        pass
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


class Runner:
    def __init__(self, env: dict[str, str], timeout: float, max_rss_mb: float):
        self.env, self.timeout, self.max_rss_mb = env, timeout, max_rss_mb

    def run(self, step: str, store: Path, mlflow: Path, at: dt.datetime) -> dict:
        env = dict(
            self.env,
            SOCCER_STORAGE_URL=str(store),
            SOCCER_MLFLOW_TRACKING_URI=f"sqlite:///{mlflow}/mlflow.db",
            SOCCER_PROMETHEUS_TEXTFILE=str(store.parent / "metrics" / "soccer.prom"),
            SOCCER_AS_OF=at.isoformat(),
            DAGSTER_HOME=str(store.parent / "dagster"),
        )
        command = [sys.executable, str(Path(__file__).resolve()), "--child", step]
        started = time.monotonic()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=store.parent)
            peak, killed = 0.0, None
            while proc.poll() is None:
                rss, hwm = _rss_mb(proc.pid)
                peak = max(peak, hwm, rss)
                elapsed = time.monotonic() - started
                if rss > self.max_rss_mb:
                    killed = f"killed at {rss:.0f} MB resident (limit {self.max_rss_mb:.0f} MB)"
                elif elapsed > self.timeout:
                    killed = f"killed after {elapsed:.0f} s (limit {self.timeout:.0f} s)"
                if killed:
                    proc.kill()
                    proc.wait()
                    break
                time.sleep(0.25)
            elapsed = time.monotonic() - started
            out.seek(0)
            err.seek(0)
            (store.parent / f"{step}.stderr.log").write_bytes(err.read())
            err.seek(0)
            lines = out.read().decode(errors="replace").strip().splitlines()
            if killed:
                return {"seconds": round(elapsed, 2), "peak_rss_mb": round(peak, 1), "error": killed}
            try:
                report = json.loads(lines[-1])
            except (IndexError, json.JSONDecodeError):
                tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
                return {
                    "seconds": round(elapsed, 2),
                    "peak_rss_mb": round(peak, 1),
                    "error": " | ".join(tail),
                }
            return report


def _clone(base: Path, target: Path) -> None:
    """A copy of the state that the measured runs may change: hard links for the store (every
    write replaces a file, none changes one in place), a real copy of MLflow's database."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(base / "store"), str(target / "store")], check=True)
    (target / "mlflow").mkdir()
    shutil.copy2(base / "mlflow" / "mlflow.db", target / "mlflow" / "mlflow.db")
    shutil.copytree(base / "dagster", target / "dagster")  # SQLite files change in place: a real copy


class State:
    """The base state of the simulated year, advanced day by day through the store's API."""

    def __init__(self, world, root: Path, leagues: tuple[str, ...], seasons: list[str]):
        from soccer_assets.defs.ingestion.assets import FIXTURES_SOURCE, RESULTS_SOURCE
        from soccer_assets.defs.odds.history import FONBET_SOURCE
        from soccer_assets.storage.blobstore import LocalBlobStore
        from soccer_assets.storage.prediction_log import PredictionLog
        from soccer_assets.storage.snapshots import SnapshotStore

        self.world, self.root = world, root
        self.leagues, self.seasons = leagues, seasons
        self.blobs = LocalBlobStore(root / "store")
        self.snapshots = SnapshotStore(self.blobs)
        self.log = PredictionLog(self.blobs)
        self.sources = (RESULTS_SOURCE, FIXTURES_SOURCE, FONBET_SOURCE)
        self.next_snapshot = 0
        self.next_day = 1
        self.template = None  # a logged prediction row of the real model, for the daily batches
        self.with_fonbet = True

    def _save(self, source: str, partition: str, url: str, content: bytes, at: dt.datetime, ext: str) -> None:
        self.snapshots.save(
            source=source, partition=partition, url=url, content=content, http_status=200,
            fetched_at=at, extension=ext,
        )  # fmt: skip

    def football_data(self, today: dt.date, every_partition: bool = False) -> None:
        """The fetches of the daily schedule on ``today`` (or of every partition, for the start)."""
        results, fixtures, _ = self.sources
        at = dt.datetime.combine(today, dt.time(5), tzinfo=dt.UTC)
        paths = (
            {p: p for p in self.world.files}
            if every_partition
            else {p: p for p in self.world.current_season_paths(today).values()}
        )
        for path in paths:
            body = self.world.season_file(path, today)
            if body is not None:
                _, code, name = path.split("/")
                self._save(results, f"{name.removesuffix('.csv')}/{code}", path, body, at, "csv")
        self._save(fixtures, "", "fixtures.csv", self.world.fixtures_csv(today), at, "csv")

    def fonbet_until(self, until: dt.datetime) -> None:
        _, _, fonbet = self.sources
        pending = []
        while self.world.snapshot_time(self.next_snapshot) < until:
            pending.append(self.next_snapshot)
            self.next_snapshot += 1
        progress = Progress("Fonbet snapshots written", len(pending))
        for k, n in enumerate(pending, 1):
            at, body = self.world.fonbet_snapshot(n)
            self._save(fonbet, "", "fonbet/line.json", body, at, "json")
            progress.tick(k)

    def predictions(self, today: dt.date) -> None:
        """The day's batch of the prediction log: the real model's row layout, the market's
        de-vigged prices as probabilities (what the model would say, roughly)."""
        import polars as pl

        from soccer_assets.lib.identity import match_id
        from soccer_assets.lib.seasons import Season

        at = dt.datetime.combine(today, dt.time(DAILY_HOUR), tzinfo=dt.UTC)
        rows = []
        for m in self.world.upcoming(today):
            odds = [_float(m.row.get(f"Avg{x}") or m.row.get(f"B365{x}")) for x in "HDA"]
            probs = [1 / o for o in odds] if all(odds) else [0.45, 0.27, 0.28]
            total = sum(probs)
            rows.append(
                self.template
                | {
                    "match_id": match_id(m.league, m.date, m.home, m.away),
                    "league": m.league,
                    "season": Season.containing(m.date).code,
                    "kickoff_date": m.date,
                    "kickoff_utc": m.kickoff_utc if m.time else None,
                    "home_team": m.home,
                    "away_team": m.away,
                    "prob_home": probs[0] / total,
                    "prob_draw": probs[1] / total,
                    "prob_away": probs[2] / total,
                    "predicted_at": at,
                }
            )
        if rows:
            frame = pl.DataFrame(rows, schema=self.schema)
            self.log.append(frame, at, batch_id=f"growth-{today.isoformat()}")

    def take_template(self) -> None:
        import polars as pl

        from soccer_assets.resources.storage import parquet_to_frame

        frame = parquet_to_frame(self.blobs.get("assets/predictions.parquet"))
        upcoming = frame.filter(pl.col("status") == "upcoming")
        self.schema = upcoming.schema
        self.template = (upcoming if upcoming.height else frame).row(0, named=True)

    def advance_to(self, day: int) -> None:
        """Every daily fetch, prediction batch and 4-hourly snapshot before ``day`` 05:00."""
        days = list(range(self.next_day, day))
        progress = Progress("days of football-data and predictions written", len(days))
        for k, j in enumerate(days, 1):
            today = self.world.day(j)
            self.football_data(today)
            self.predictions(today)
            progress.tick(k)
        self.next_day = max(self.next_day, day)
        if self.with_fonbet:
            self.fonbet_until(dt.datetime.combine(self.world.day(day), dt.time(5), tzinfo=dt.UTC))


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value and value > 1 else None


def load_world(
    source_url: str, fonbet_sample: str, leagues: tuple[str, ...], seasons: list[str], start: dt.date
):
    import httpx
    from growth_world import World

    files: dict[str, bytes] = {}
    with httpx.Client(base_url=source_url, timeout=60) as client:
        for code in seasons:
            for league in leagues:
                path = f"mmz4281/{code}/{league}.csv"
                response = client.get(path)
                if response.status_code == 200:
                    files[path] = response.content
        header = client.get("fixtures.csv").raise_for_status().content.decode("utf-8-sig").splitlines()[0]
    if fonbet_sample.startswith(("http://", "https://")):
        sample = httpx.get(fonbet_sample, timeout=60).raise_for_status().content
    else:
        sample = Path(fonbet_sample).read_bytes()
    return World(
        files=files, fixtures_header=header.split(","), fonbet_sample=sample, start=start, leagues=leagues
    )


def _default_fonbet_sample(source_url: str) -> str:
    for candidate in (
        os.environ.get("SOCCER_SHARED_DATA"),
        BENCH_DIR.parent.parent / "shared" / "data",
        "/work/shared/data",
    ):
        if candidate and (Path(candidate) / "fonbet" / "currentLine.json").is_file():
            return str(Path(candidate) / "fonbet" / "currentLine.json")
    return source_url.rstrip("/") + "/../fonbet/currentLine.json"


def _season_codes(text: str) -> list[str]:
    first, _, last = text.partition("-")
    if not last:
        return [c.strip() for c in text.split(",") if c.strip()]
    return [
        f"{y % 100:02d}{(y + 1) % 100:02d}" for y in range(2000 + int(first[:2]), 2000 + int(last[:2]) + 1)
    ]


def summarize(rows: list[dict]) -> None:
    for step in STEPS:
        mine = {r["day"]: r for r in rows if r["step"] == step}
        if not mine:
            continue
        first, last = mine[min(mine)], mine[max(mine)]
        figures = ", ".join(
            f"day {d}: {r['seconds']:.1f} s / {r['peak_rss_mb']:.0f} MB"
            + (" (error)" if r.get("error") else "")
            for d, r in sorted(mine.items())
        )
        ratio = last["seconds"] / first["seconds"] if first["seconds"] else float("inf")
        verdict = "met" if ratio <= TARGET_RATIO and not last.get("error") else "NOT met"
        span = f"day {max(mine)}/day {min(mine)} = {ratio:.2f}x"
        log(f"{step}: {figures}; {span} (target {TARGET_RATIO}x: {verdict})")
    daily = [r for r in rows if r["step"] == "daily"]
    if daily:
        worst = max(r["seconds"] for r in daily)
        verdict = "met" if worst < TARGET_DAILY_S and not any(r.get("error") for r in daily) else "NOT met"
        log(f"daily: slowest {worst:.1f} s (target under {TARGET_DAILY_S:.0f} s: {verdict})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-url", help="football-data.co.uk mirror (the real site's layout)")
    parser.add_argument("--out", help="where to write the JSON report")
    parser.add_argument("--days", default="1,90,180,365", help="days of operation to measure")
    parser.add_argument("--leagues", default="E0,D1,F1,SP1")
    parser.add_argument("--seasons", default="1415-2526", help="seasons configured, e.g. 1920-2526")
    parser.add_argument("--start", default=DEFAULT_START.isoformat(), help="day 1 of the simulated year")
    parser.add_argument(
        "--fonbet-sample", help="path or URL of the real Fonbet packet (default: shared data)"
    )
    parser.add_argument("--work-dir", help="keep the simulated state here (default: a temporary folder)")
    parser.add_argument("--step-timeout", type=float, default=1800.0, help="seconds before a step is killed")
    parser.add_argument("--max-rss-mb", type=float, default=8000.0, help="resident size that kills a step")
    parser.add_argument("--steps", default=",".join(STEPS), help="steps to measure (default: all three)")
    parser.add_argument("--no-warm-up", action="store_true", help="do not bring the Fonbet assets up to date "
                        "before a measured day (for code that replays everything anyway)")  # fmt: skip
    parser.add_argument(
        "--child", choices=[*STEPS, "warm_canonical", "warm_odds", "train"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    if not args.source_url or not args.out:
        parser.error("--source-url and --out are required")

    from growth_world import SimulatedSource, serve

    started = time.monotonic()
    leagues = tuple(x.strip() for x in args.leagues.split(",") if x.strip())
    seasons = _season_codes(args.seasons)
    days = sorted({int(d) for d in args.days.split(",")})
    world = load_world(
        args.source_url, args.fonbet_sample or _default_fonbet_sample(args.source_url), leagues, seasons,
        dt.date.fromisoformat(args.start),
    )  # fmt: skip
    log(f"world: {len(world.files)} season files, {len(leagues)} leagues, day 1 = {world.start}, days {days}")
    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="soccer-growth-"))
    base = work / "base"
    for folder in (base / "store", base / "mlflow", base / "dagster"):
        folder.mkdir(parents=True, exist_ok=True)
    (work / "empty.env").write_text("")
    source = SimulatedSource(world, now=dt.datetime.combine(world.start, dt.time(0), tzinfo=dt.UTC))
    rows: list[dict] = []
    with serve(source) as url:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("SOCCER_")
        } | {
            "SOCCER_SETTINGS_FILE": str(work / "empty.env"),
            "SOCCER_FOOTBALL_DATA_URL": url,
            "SOCCER_FONBET_URL": url + "fonbet/line.json",
            "SOCCER_LEAGUES": ",".join(leagues),
            "SOCCER_SEASONS": ",".join(seasons),
            "SOCCER_MLFLOW_ARTIFACT_URI": str(base / "mlflow" / "artifacts"),
            "SOCCER_TRAINING_PRESET": "smoke",
            "SOCCER_AUTOMATION": "false",
            "SOCCER_MIN_REQUEST_INTERVAL": "0",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }  # fmt: skip
        runner = Runner(env, args.step_timeout, args.max_rss_mb)
        state = State(world, base, leagues, seasons)
        state.with_fonbet = "odds_4h" in args.steps
        eve = world.day(1) - dt.timedelta(days=1)
        log(f"initial state: every season file as of {eve}, then matches, training (smoke), inference")
        state.football_data(eve, every_partition=True)
        noon = dt.datetime.combine(eve, dt.time(12), tzinfo=dt.UTC)
        for step in ("warm_canonical", "train"):
            report = runner.run(step, base / "store", base / "mlflow", noon)
            log(
                f"  {step}: {report['seconds']:.0f} s"
                + (f", failed: {report['error']}" if report.get("error") else "")
            )
            if report.get("error"):
                return 1
        state.take_template()
        for n, day in enumerate(days, 1):
            log(f"day {day} ({n}/{len(days)}, {world.day(day)}): writing the state before it")
            state.advance_to(day)
            morning = dt.datetime.combine(world.day(day), dt.time(5, 30), tzinfo=dt.UTC)
            source.now = morning
            warm_ups = ["warm_canonical"] + (
                [] if args.no_warm_up or "odds_4h" not in args.steps else ["warm_odds"]
            )
            for step in warm_ups:
                report = runner.run(step, base / "store", base / "mlflow", morning)
                log(
                    f"  {step} (unmeasured): {report['seconds']:.0f} s"
                    + (f", failed: {report['error']}" if report.get("error") else "")
                )
            clone = work / f"measured-day{day}"
            _clone(base, clone)
            wanted = {x.strip() for x in args.steps.split(",")}
            # the odds run follows the day's canonical tables
            for step in [s for s in ("daily", "quality", "odds_4h") if s in wanted]:
                hour = ODDS_HOUR if step == "odds_4h" else DAILY_HOUR
                at = dt.datetime.combine(world.day(day), dt.time(hour), tzinfo=dt.UTC)
                source.now = at
                source.fonbet_n = (world.day(day) - world.start).days * 6 + ODDS_HOUR // 4
                log(f"  measuring {step} on day {day} ...")
                report = runner.run(step, clone / "store", clone / "mlflow", at)
                row = {
                    "step": step,
                    "day": day,
                    "seconds": report["seconds"],
                    "peak_rss_mb": report["peak_rss_mb"],
                }
                if report.get("error"):
                    row["error"] = report["error"]
                rows.append(row)
                log(
                    f"  {step} day {day}: {row['seconds']:.1f} s, peak {row['peak_rss_mb']:.0f} MB"
                    + (f", {row['error']}" if row.get("error") else "")
                )
            if not args.work_dir:
                shutil.rmtree(clone)
            elapsed = time.monotonic() - started
            # building the state costs about the days simulated, measuring about the same per day
            share = (day + n * 30) / (days[-1] + len(days) * 30)
            log(f"day {day} done; {elapsed:.0f} s so far, about {elapsed / share - elapsed:.0f} s left")
    report = {"rows": rows, "seconds": round(time.monotonic() - started, 1)}
    Path(args.out).write_text(json.dumps(report, indent=1))
    summarize(rows)
    if not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
