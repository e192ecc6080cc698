"""Is another price in the files sharper than the 1X2 market average the model is judged against?

    python bench/market_lines.py [--data ../shared/data] [--seasons 2021,2122,2223] [--rho -0.06]

Issue 14 asks the model to beat the de-vigged pre-match 1X2 average by 0.002 log loss. The
football-data files carry three more pre-kickoff views of each match: Pinnacle's 1X2 prices
(the sharpest single book), and the Asian-handicap and over/under 2.5 goals markets
(averages over books). The last two fix a Dixon-Coles score model's two means, and with
them a 1X2 forecast. This scores, per league-season of the local files (E0, D1, F1, SP1):
the 1X2 average, Pinnacle's 1X2, the handicap + goals-line forecast, and the equal
log-linear pool of the first and third. All are de-vigged multiplicatively, all on the same
matches (every price present). Prints a line per league-season and the JSON
``{"rows": [{"league", "season", "n", "avg_1x2", "pinnacle_1x2", "handicap_goals",
"pool"}], "mean": {...}, "rho"}`` last.

The handicap and goals columns are read from the raw files here: the platform does not
ingest them (this is what tells whether it should).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import polars as pl

from soccer_assets.lib.devig import devig
from soccer_assets.lib.goal_model import MAX_GOALS, outcome_probabilities, score_grid

LEAGUES = ("E0", "D1", "F1", "SP1")
GOALS = np.arange(MAX_GOALS + 1)
DIFF = GOALS[:, None] - GOALS[None, :]
TOTAL = GOALS[:, None] + GOALS[None, :]


def handicap_share(grid: np.ndarray, line: np.ndarray) -> np.ndarray:
    """The fair home share of a two-way Asian-handicap market: stakes won / (won + lost),
    pushes refunded; a quarter line is half the stake on each neighbouring half line."""
    won = np.zeros(len(line))
    lost = np.zeros(len(line))
    quarter = (np.round(line * 4) % 2) == 1
    for shift in (-0.25, 0.25):
        part = np.where(quarter, line + shift, line)
        margin = DIFF[None, :, :] + part[:, None, None]
        won += np.sum(grid * (margin > 0), axis=(1, 2))
        lost += np.sum(grid * (margin < 0), axis=(1, 2))
    return won / (won + lost)


def implied_by_lines(over: np.ndarray, home_share: np.ndarray, line: np.ndarray, rho: float) -> np.ndarray:
    """1X2 probabilities of the score model whose means reproduce both markets (Newton steps
    on log means, every match at once, numerical Jacobian)."""
    z = np.column_stack([np.full(len(over), np.log(1.4)), np.full(len(over), np.log(1.1))])
    target = np.column_stack([over, home_share])

    def f(z: np.ndarray) -> np.ndarray:
        grid = score_grid(np.exp(z[:, 0]), np.exp(z[:, 1]), rho)
        return (
            np.column_stack([np.sum(grid * (TOTAL > 2.5), axis=(1, 2)), handicap_share(grid, line)]) - target
        )

    for _ in range(30):
        value = f(z)
        jac = np.empty((len(z), 2, 2))
        for k in range(2):
            step = np.zeros(2)
            step[k] = 1e-6
            jac[:, :, k] = (f(z + step) - value) / 1e-6
        z = z - np.clip(np.linalg.solve(jac, value[:, :, None])[:, :, 0], -0.5, 0.5)
        if np.max(np.abs(value)) < 1e-9:
            break
    return outcome_probabilities(np.exp(z[:, 0]), np.exp(z[:, 1]), np.full(len(z), rho))


def two_way(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return devig(np.column_stack([first, second]), "multiplicative")[:, 0]


def league_season(path: Path, rho: float) -> tuple[int, dict[str, float]] | None:
    needed = [
        "FTR",
        "AvgH",
        "AvgD",
        "AvgA",
        "PSH",
        "PSD",
        "PSA",
        "Avg>2.5",
        "Avg<2.5",
        "AHh",
        "AvgAHH",
        "AvgAHA",
    ]
    frame = pl.read_csv(path, encoding="utf8-lossy", infer_schema_length=0, truncate_ragged_lines=True)
    if not set(needed) <= set(frame.columns):
        return None
    frame = frame.select(needed).with_columns(pl.exclude("FTR").cast(pl.Float64, strict=False)).drop_nulls()
    frame = frame.filter(pl.col("FTR").is_in(["H", "D", "A"]))
    y = frame["FTR"].replace_strict({"H": 0, "D": 1, "A": 2}, return_dtype=pl.Int64).to_numpy()
    average = devig(frame.select("AvgH", "AvgD", "AvgA").to_numpy(), "multiplicative")
    pinnacle = devig(frame.select("PSH", "PSD", "PSA").to_numpy(), "multiplicative")
    lines = implied_by_lines(
        two_way(frame["Avg>2.5"].to_numpy(), frame["Avg<2.5"].to_numpy()),
        two_way(frame["AvgAHH"].to_numpy(), frame["AvgAHA"].to_numpy()),
        frame["AHh"].to_numpy(),
        rho,
    )
    pool = np.sqrt(average * lines)
    pool /= pool.sum(axis=1, keepdims=True)
    forecasts = {"avg_1x2": average, "pinnacle_1x2": pinnacle, "handicap_goals": lines, "pool": pool}
    ok = np.all([np.all(np.isfinite(p), axis=1) for p in forecasts.values()], axis=0)
    rows = np.arange(ok.sum())
    return int(ok.sum()), {name: float(-np.mean(np.log(p[ok][rows, y[ok]]))) for name, p in forecasts.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--seasons", default="2021,2122,2223", help="development seasons by default")
    parser.add_argument("--rho", type=float, default=-0.06, help="Dixon-Coles low-score correction")
    args = parser.parse_args()
    rows = []
    for season in args.seasons.split(","):
        for league in LEAGUES:
            path = args.data / "football-data" / "mmz4281" / season.strip() / f"{league}.csv"
            scored = league_season(path, args.rho) if path.exists() else None
            if scored is None:
                continue
            n, losses = scored
            rows.append({"league": league, "season": season.strip(), "n": n, **losses})
            print(
                f"{league:4} {season:5} {n:4d} " + " ".join(f"{k}={v:.4f}" for k, v in losses.items()),
                flush=True,
            )
    names = ("avg_1x2", "pinnacle_1x2", "handicap_goals", "pool")
    mean = {k: float(np.mean([r[k] for r in rows])) for k in names} if rows else {}
    print("mean      " + " ".join(f"{k}={v:.4f}" for k, v in mean.items()))
    print(json.dumps({"rows": rows, "mean": mean, "rho": args.rho}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
