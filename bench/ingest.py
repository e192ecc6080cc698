"""Ingestion benchmark: every file the settings name, through the real assets.

    python bench/ingest.py --source-url URL [--leagues E0,D1] [--seasons 1415-2526]

Runs the same Dagster jobs as production on an ephemeral instance with a throwaway
store, and prints as its last line one JSON object:
{"files", "matches", "fixtures", "missing", "seconds", "peak_rss_mb"}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-url", required=True, help="football-data.co.uk or a mirror of it")
    parser.add_argument("--leagues", help="comma-separated division codes (default: SOCCER_LEAGUES)")
    parser.add_argument("--seasons", help="e.g. 2324,2425 or 1415-2526 (default: SOCCER_SEASONS)")
    args = parser.parse_args()

    env = dict(os.environ, SOCCER_FOOTBALL_DATA_URL=args.source_url)
    if args.leagues:
        env["SOCCER_LEAGUES"] = args.leagues
    if args.seasons:
        env["SOCCER_SEASONS"] = args.seasons

    from soccer_assets.pipeline import throwaway_ingestion

    started = time.monotonic()
    with throwaway_ingestion(env, log=lambda line: print(line, file=sys.stderr)) as (_, _, _, summary):
        seconds = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "files": len(summary.fetched),
                "matches": summary.tables.get("matches", 0),
                "fixtures": summary.tables.get("fixtures", 0),
                "missing": summary.missing,
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )
    return 0 if summary.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
