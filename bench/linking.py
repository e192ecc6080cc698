"""Linking benchmark: one Fonbet snapshot against the matches and fixtures of football-data.

    python bench/linking.py --fonbet-url URL --source-url URL --out links.json [--leagues E0] [--seasons 1920]

Runs the real assets on an ephemeral Dagster instance with a throwaway store: the
football-data ingestion (``soccer_assets.pipeline.run_ingestion``), then the 4-hourly
Fonbet job (snapshot, events, links, review table, odds). Writes
{"links": [{"event_id", "match_id", "league", "kickoff", "home", "away", "layer", "score"}],
 "unlinked": [{"event_id", "home", "away", "reason"}], "seconds": t}
to ``--out`` and prints a one-line summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def _rows(frame: Any, columns: list[str]) -> list[dict[str, Any]]:
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        for row in frame.select(columns).to_dicts()
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fonbet-url", required=True, help="full URL of a Fonbet line JSON (site or copy)")
    parser.add_argument("--source-url", required=True, help="football-data.co.uk or a mirror of it")
    parser.add_argument("--out", required=True, type=Path, help="where to write the links JSON")
    parser.add_argument("--leagues", help="comma-separated division codes (default: SOCCER_LEAGUES)")
    parser.add_argument("--seasons", help="e.g. 1920 or 1415-2526 (default: SOCCER_SEASONS)")
    args = parser.parse_args()

    env = dict(os.environ, SOCCER_FOOTBALL_DATA_URL=args.source_url, SOCCER_FONBET_URL=args.fonbet_url)
    env.setdefault("SOCCER_MIN_REQUEST_INTERVAL", "0")
    if args.leagues:
        env["SOCCER_LEAGUES"] = args.leagues
    if args.seasons:
        env["SOCCER_SEASONS"] = args.seasons

    from soccer_assets.defs.odds.automation import FONBET_JOB
    from soccer_assets.pipeline import load_table, quiet_run_config, throwaway_ingestion

    started = time.monotonic()
    with throwaway_ingestion(env, log=lambda line: print(line, file=sys.stderr)) as (
        _,
        defs,
        instance,
        summary,
    ):
        result = defs.resolve_job_def(FONBET_JOB).execute_in_process(
            instance=instance, raise_on_error=False, run_config=quiet_run_config("ERROR")
        )
        if not result.success:
            print(f"the Fonbet job failed (run {result.run_id}); see the log above", file=sys.stderr)
            return 1
        links = load_table(defs, "fonbet_links").rename({"kickoff_utc": "kickoff"})
        unlinked = load_table(defs, "fonbet_unlinked")
        seconds = round(time.monotonic() - started, 2)
    output = {
        "links": _rows(
            links, ["event_id", "match_id", "league", "kickoff", "home", "away", "layer", "score"]
        ),
        "unlinked": _rows(unlinked, ["event_id", "home", "away", "reason"]),
        "seconds": seconds,
    }
    args.out.write_text(json.dumps(output, ensure_ascii=False, indent=1) + "\n")
    tables = {name: summary.tables.get(name, 0) for name in ("matches", "fixtures")}
    print(
        json.dumps(
            {"links": len(output["links"]), "unlinked": len(output["unlinked"]), **tables, "seconds": seconds}
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
