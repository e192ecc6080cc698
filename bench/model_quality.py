"""Walk-forward model quality against the betting market.

    python bench/model_quality.py --source-url URL --leagues E0,D1 \\
        --test-seasons 2324,2425 --out report.json [--trials N] [--preset production|smoke] [--no-market]

For each test season: train on every configured season before it (all given leagues
together), predict that season, score it. Data comes through the real ingestion assets
(ephemeral Dagster instance, throwaway store); modelling uses the same functions as the
training assets (``soccer_assets.lib.walkforward``). Writes
{"rows": [{"league", "season", "n", "model": {...}, "market_pre": {...},
"market_close": {...}, "base_rates": {...}, "dixon_coles": {...}, "model_without_blend": {...},
"blend": {...}, "draws": {"observed", "model", "market_pre", ...},
"model_league_blend": {...}, "league_blend": {"model_weight", "market_weight"},
"model_league_temperature": {...}, "league_temperature": T}],
"trials": N, "seconds": T}
and prints a table plus the JSON path.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import replace


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-url", required=True)
    parser.add_argument("--leagues", required=True, help="e.g. E0,D1")
    parser.add_argument("--test-seasons", required=True, help="e.g. 2324,2425")
    parser.add_argument("--out", required=True)
    parser.add_argument("--trials", type=int, help="trials per family (default: the preset's)")
    parser.add_argument("--preset", default="production", choices=["production", "smoke"])
    parser.add_argument("--seasons", help="seasons to ingest (default: SOCCER_SEASONS or the last 12)")
    parser.add_argument("--no-market", action="store_true", help="switch the pre-match market features off")
    args = parser.parse_args()

    from soccer_assets.lib.features.build import FeatureConfig
    from soccer_assets.lib.models.zoo import Preset
    from soccer_assets.lib.walkforward import WalkForwardConfig, walk_forward
    from soccer_assets.pipeline import load_table, throwaway_ingestion

    started = time.monotonic()
    env = dict(os.environ, SOCCER_FOOTBALL_DATA_URL=args.source_url, SOCCER_LEAGUES=args.leagues)
    if args.seasons:
        env["SOCCER_SEASONS"] = args.seasons
    test_seasons = [s.strip() for s in args.test_seasons.split(",") if s.strip()]
    with throwaway_ingestion(env) as (settings, defs, _, summary):
        if not summary.ok:
            print(json.dumps(summary.as_dict()), file=sys.stderr)
            return 1
        matches = load_table(defs, "matches")
    preset = Preset.named(args.preset)
    trials = args.trials or preset.trials
    config = WalkForwardConfig(
        preset=preset,
        n_trials=trials,
        features=replace(FeatureConfig(), use_market=not args.no_market),
        seed=settings.seed,
        n_jobs=settings.n_jobs,
    )
    rows = walk_forward(matches, test_seasons, config, log=lambda line: print(line, file=sys.stderr))
    seconds = round(time.monotonic() - started, 1)
    report = {"rows": rows, "trials": trials, "seconds": seconds}
    with open(args.out, "w") as fh:
        json.dump(report, fh, indent=1)
    print(
        f"{'league':6} {'season':6} {'n':>5} {'model':>7} {'no-blend':>8} {'pre':>7} {'close':>7} "
        f"{'base':>7} {'DC':>7} {'weights (model, market)':>24} {'draws: seen/model/market':>25} "
        f"{'by-league':>9} {'its weights':>12} {'by-league T':>11} {'its T':>6}"
    )
    for row in rows:
        blend = row.get("blend")
        weights = f"{blend['model_weight']:.2f}, {blend['market_weight']:.2f}" if blend else "-"
        draws = row["draws"]
        own = row.get("league_blend")
        own_weights = f"{own['model_weight']:.2f}, {own['market_weight']:.2f}" if own else "-"
        own_loss = f"{row['model_league_blend']['logloss']:.4f}" if own else "-"
        temperature = row.get("league_temperature")
        t_loss = f"{row['model_league_temperature']['logloss']:.4f}" if temperature else "-"
        t_value = f"{temperature:.3f}" if temperature else "-"
        print(
            f"{row['league']:6} {row['season']:6} {row['n']:5d} {row['model']['logloss']:7.4f} "
            f"{row['model_without_blend']['logloss']:8.4f} "
            f"{row['market_pre']['logloss']:7.4f} {row['market_close']['logloss']:7.4f} "
            f"{row['base_rates']['logloss']:7.4f} {row['dixon_coles']['logloss']:7.4f} {weights:>24} "
            f"{draws['observed']:9.3f}/{draws['model']:.3f}/{draws['market_pre']:.3f} "
            f"{own_loss:>9} {own_weights:>12} {t_loss:>11} {t_value:>6}"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"out": args.out, "trials": trials, "seconds": seconds, "peak_rss_mb": round(peak_mb, 1)})
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
