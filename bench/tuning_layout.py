"""What fitting folds side by side buys: Optuna tuning of each family with every CPU on the
threads of one fit at a time (as the platform did) and with one thread per fit, folds in
worker processes (as it does now), on the same trials, in one run.

    python bench/tuning_layout.py [--data ../shared/data] [--trials 4] [--families hgb,lightgbm]
                                  [--n-jobs N] [--load 0]

The rows are the production features of the local football-data seasons of the demo's
leagues, split as the training assets split them (three CV folds). Both layouts fit the
same seeded, single-configuration fits, so the best CV log loss must agree; the seconds
include starting the worker processes. Prints a line per family and layout, then the JSON
``{"rows": [{"family", "layout", "workers", "threads", "seconds", "cv_logloss"}],
"train_rows", "n_jobs", "load", "ratio_one_fit_over_side_by_side"}`` last.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

LEAGUES = ("E0", "D1", "F1", "SP1", "I1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--families", default="hgb,lightgbm,xgboost,logreg")
    parser.add_argument("--n-jobs", type=int, help="CPUs (default: what this process may use)")
    parser.add_argument("--load", type=int, default=0, help="CPU-spinning neighbour processes")
    args = parser.parse_args()

    from local_matches import local_matches
    from threads import cpu_load

    from soccer_assets.lib.cpus import usable_cpus
    from soccer_assets.lib.features.build import FeatureConfig, build_match_features
    from soccer_assets.lib.models.fold_fits import Layout
    from soccer_assets.lib.models.training import prepare
    from soccer_assets.lib.models.tuning import tune
    from soccer_assets.lib.models.zoo import Preset
    from soccer_assets.lib.splits import SplitConfig, assign_splits, cv_folds

    preset = Preset.named("production")
    n_jobs = args.n_jobs or usable_cpus()
    features = build_match_features(local_matches(Path(args.data), LEAGUES), None, FeatureConfig())
    splits = assign_splits(features, SplitConfig(cv_folds=preset.cv_folds))
    data = prepare(features, splits, cv_folds(splits, preset.cv_folds))
    X, y = data.xy("train")
    layouts = {
        "one_fit_at_a_time": Layout.one_fit_at_a_time(n_jobs),
        "side_by_side": Layout.for_cpus(n_jobs, len(data.folds)),
    }
    rows = []
    with cpu_load(args.load):
        for name in args.families.split(","):
            for label, layout in layouts.items():
                started = time.perf_counter()
                result = tune(
                    name, X, y, data.folds, features=data.features, n_trials=args.trials,
                    preset=preset, n_jobs=n_jobs, layout=layout,
                )  # fmt: skip
                seconds = time.perf_counter() - started
                print(
                    f"{name:9} {label:18} {layout.workers} x {layout.threads} threads: {seconds:6.1f} s, "
                    f"best CV log loss {result.cv_logloss:.5f}",
                    flush=True,
                )
                rows.append(
                    {
                        "family": name,
                        "layout": label,
                        "workers": layout.workers,
                        "threads": layout.threads,
                        "seconds": round(seconds, 2),
                        "cv_logloss": result.cv_logloss,
                    }
                )
    total = {label: sum(r["seconds"] for r in rows if r["layout"] == label) for label in layouts}
    print(
        json.dumps(
            {
                "rows": rows,
                "train_rows": int(len(y)),
                "n_jobs": n_jobs,
                "load": args.load,
                "ratio_one_fit_over_side_by_side": round(
                    total["one_fit_at_a_time"] / total["side_by_side"], 2
                ),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
