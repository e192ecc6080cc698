"""Choose the goal model's time decay ``xi`` (and ridge) on the development seasons.

    python bench/goal_model_decay.py --source-url URL --leagues E0,D1,F1,SP1 --seasons 1415-2526 \\
        --test-seasons 2021,2122,2223 [--xi 0.001,0.0019,0.003] [--ridge 2] [--promoted-prior on,off]

Ingests through the production assets (throwaway store), builds the production features
once per setting and scores the Dixon-Coles probabilities alone on the test seasons
(matches where both teams have a fit). Prints one line per setting, best first, and the
JSON of all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-url", required=True)
    parser.add_argument("--leagues", required=True)
    parser.add_argument("--test-seasons", required=True)
    parser.add_argument("--seasons")
    parser.add_argument("--xi", default="0.0008,0.0013,0.0019,0.0026,0.0035")
    parser.add_argument("--ridge", default="2")
    parser.add_argument(
        "--promoted-prior",
        default="on",
        help="on, off or both (on,off): promoted teams start from those they replaced",
    )
    args = parser.parse_args()

    import numpy as np
    import polars as pl

    from soccer_assets.lib.features.build import FeatureConfig, build_match_features
    from soccer_assets.lib.goal_model import GoalModelConfig
    from soccer_assets.lib.metrics import score
    from soccer_assets.lib.strength_history import StrengthConfig
    from soccer_assets.pipeline import load_table, throwaway_ingestion

    env = dict(os.environ, SOCCER_FOOTBALL_DATA_URL=args.source_url, SOCCER_LEAGUES=args.leagues)
    if args.seasons:
        env["SOCCER_SEASONS"] = args.seasons
    with throwaway_ingestion(env) as (_, defs, _, summary):
        if not summary.ok:
            print(json.dumps(summary.as_dict()), file=sys.stderr)
            return 1
        matches = load_table(defs, "matches")
    test = [s.strip() for s in args.test_seasons.split(",")]
    probs = [f"f_dc_prob_{o}" for o in ("home", "draw", "away")]
    results = []
    priors = [{"on": True, "off": False}[p.strip()] for p in args.promoted_prior.split(",")]
    settings = [
        (float(x), float(r), prior)
        for x in args.xi.split(",")
        for r in args.ridge.split(",")
        for prior in priors
    ]
    for k, (xi, ridge, prior) in enumerate(settings, 1):
        started = time.monotonic()
        goals = GoalModelConfig(xi=xi, ridge=ridge, promoted_prior=prior)
        config = FeatureConfig(strength=StrengthConfig(goals=goals))
        features = build_match_features(matches, None, config)
        scored = features.filter(pl.col("season").is_in(test)).drop_nulls([*probs, "target"])
        y = scored["target"].to_numpy().astype(np.int64)
        metrics = score(scored.select(probs).to_numpy(), y)
        results.append({"xi": xi, "ridge": ridge, "promoted_prior": prior, "n": scored.height, **metrics})
        print(
            f"[{k}/{len(settings)}] xi={xi} ridge={ridge} promoted_prior={prior}: "
            f"log loss {metrics['logloss']:.4f} on {scored.height} matches "
            f"({time.monotonic() - started:.0f} s)",
            file=sys.stderr,
        )
    for row in sorted(results, key=lambda r: r["logloss"]):
        print(
            f"xi={row['xi']:<7} ridge={row['ridge']:<4} promoted_prior={row['promoted_prior']!s:<5} "
            f"logloss={row['logloss']:.4f} rps={row['rps']:.4f}"
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
