"""What the thread cap buys: one HistGradientBoosting fit as the libraries default to (one
spinning OpenMP thread per host core) and as the platform runs it (threads capped, waiting
threads asleep), idle and beside concurrent CPU load, measured in one run.

    python bench/threads.py [--data ../shared/data] [--load 2] [--iterations 150] [--repeats 1]

The rows are real Premier League, Bundesliga, Ligue 1 and La Liga matches from the local
football-data files, parsed and turned into features by the production code. The load is
``--load`` processes spinning on the CPU (another training, another tenant's pod). Each fit
runs in a fresh process, since the OpenMP runtime reads its settings once. Prints a line per
case and the JSON ``{"rows": [{"case", "threads", "load", "seconds"}], "cpus",
"ratio_default_over_platform_under_load"}`` last.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

LEAGUES = ("E0", "D1", "F1", "SP1")


def _spin(stop) -> None:  # a CPU-bound neighbour
    while not stop.is_set():
        sum(i * i for i in range(10_000))


@contextmanager
def cpu_load(processes: int):
    stop = multiprocessing.Event()
    workers = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(processes)]
    for w in workers:
        w.start()
    try:
        yield
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=5)


def save_real_features(data: Path, target: Path) -> tuple[int, int]:
    import numpy as np
    import polars as pl
    from local_matches import local_matches

    from soccer_assets.lib.features.build import build_match_features, feature_columns

    features = build_match_features(local_matches(data, LEAGUES))
    finished = features.filter(pl.col("target").is_not_null())
    columns = feature_columns(finished)
    X = finished.select([pl.col(c).cast(pl.Float64) for c in columns]).to_numpy().astype(np.float64)
    np.savez(target, X=X, y=finished["target"].to_numpy().astype(np.int64))
    return X.shape


def fit_once(npz: str, threads: str, iterations: int) -> float:
    """One fit in this (fresh) process; ``threads`` "host" = the libraries' own defaults."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    data = np.load(npz)
    model = HistGradientBoostingClassifier(max_iter=iterations, early_stopping=False, random_state=0)
    started = time.perf_counter()
    if threads == "host":
        model.fit(data["X"], data["y"])
    else:
        from soccer_assets.lib.models.threads import native_threads

        with native_threads(int(threads)):
            model.fit(data["X"], data["y"])
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--load", type=int, default=2, help="CPU-spinning neighbour processes")
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--worker", nargs=2, metavar=("NPZ", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(fit_once(args.worker[0], args.worker[1], args.iterations))
        return 0

    from soccer_assets.lib.cpus import usable_cpus

    cap = usable_cpus()
    with tempfile.TemporaryDirectory() as tmp:
        npz = str(Path(tmp) / "features.npz")
        n, k = save_real_features(Path(args.data), Path(npz))
        print(f"{n} matches x {k} features; usable CPUs {cap}; {args.load} spinning neighbours")
        library_env = {
            key: v for key, v in os.environ.items() if key not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")
        }
        platform_env = {**library_env, "OMP_WAIT_POLICY": "PASSIVE"}  # what importing soccer_assets sets
        cases = [("library defaults", "host", library_env), ("platform, 1 thread", "1", platform_env)]
        if cap > 1:
            cases.append((f"platform, {cap} threads (a fit alone)", str(cap), platform_env))
        rows = []
        for load in (0, args.load):
            for case, threads, env in cases:
                seconds = []
                with cpu_load(load):
                    for _ in range(args.repeats):
                        out = subprocess.run(
                            [
                                sys.executable,
                                __file__,
                                "--iterations",
                                str(args.iterations),
                                "--worker",
                                npz,
                                threads,
                            ],
                            env=env,
                            check=True,
                            capture_output=True,
                            text=True,
                        )
                        seconds.append(float(out.stdout.strip().splitlines()[-1]))
                row = {
                    "case": case,
                    "threads": threads,
                    "load": load,
                    "seconds": round(statistics.median(seconds), 2),
                }
                rows.append(row)
                print(f"{case:34} load={load}  {row['seconds']:7.2f} s", flush=True)
    loaded = {r["threads"]: r["seconds"] for r in rows if r["load"] == args.load}
    ratio = loaded["host"] / loaded[str(cap)]
    print(json.dumps({"rows": rows, "cpus": cap, "ratio_default_over_platform_under_load": round(ratio, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
