"""Memory to judge one large season file: read, raw schema, parse, canonical schema, and the
comparison with the rows in force, as ``matches`` does it.

    python bench/validation_memory.py [--data ../shared/data] [--mb 10 25 50]

The file is the real Premier League 2023/24 file repeated with numbered team names until it
reaches the size asked (every row a distinct match). Each size runs in a fresh process:
peak RSS minus the RSS once the bytes are in memory is what judging them costs. Prints a
line per size and the JSON ``{"rows": [{"mb", "matches", "seconds", "peak_rss_mb",
"judging_mb", "ratio"}]}`` last; the target is under 1 GB for a 50 MB file.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

E0_2324 = Path("football-data/mmz4281/2324/E0.csv")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _big_file(good: bytes, megabytes: float) -> bytes:
    header, *rows = [line for line in good.split(b"\r\n") if line]
    out, copy = [header], 0
    size = len(header)
    while size < megabytes * 1e6:
        for row in rows:
            cells = row.split(b",")
            if copy:  # the first copy is the real file: the rows in force are all there
                cells[3] += b" %d" % copy
                cells[4] += b" %d" % copy
            line = b",".join(cells)
            out.append(line)
            size += len(line) + 2
        copy += 1
    return b"\r\n".join(out) + b"\r\n"


def measure(data_root: Path, megabytes: float) -> dict:
    from soccer_assets.defs.ingestion.snapshot_choice import judge
    from soccer_assets.lib.football_data.load import load_results
    from soccer_assets.lib.seasons import Season
    from soccer_assets.storage.snapshots import SnapshotRecord

    season = Season.from_code("2324")
    data = _big_file((data_root / E0_2324).read_bytes(), megabytes)
    record = SnapshotRecord("bench", "E0/2324", "", "0" * 64, "", len(data), 200, "")
    in_force = load_results((data_root / E0_2324).read_bytes(), league="E0", season=season).rows
    before = _rss_mb()
    started = time.perf_counter()
    verdict = judge(
        record, data, lambda b: load_results(b, league="E0", season=season), in_force, lambda _: None
    )
    seconds = time.perf_counter() - started
    peak = _rss_mb()
    matches = verdict.rows.height if verdict.rows is not None else 0
    return {
        "mb": round(len(data) / 1e6, 1),
        "matches": matches,
        "accepted": verdict.accepted,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak),
        "judging_mb": round(peak - before),
        "ratio": round((peak - before) / (len(data) / 1e6), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--mb", type=float, nargs="+", default=[10, 25, 50])
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # a single size, in this process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.data, args.one)))
        return
    rows = []
    for size in args.mb:
        done = subprocess.run(
            [sys.executable, __file__, "--data", str(args.data), "--one", str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{row['mb']:6.1f} MB  {row['matches']:7d} matches  {row['seconds']:6.1f} s  "
            f"peak {row['peak_rss_mb']} MB, judging {row['judging_mb']} MB ({row['ratio']}x the file)",
            file=sys.stderr,
        )
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
