"""Markdown table and target count of a ``bench/model_quality.py`` report (for README.md).

    python bench/quality_tables.py report.json

Targets (issue 14): on every league-season the model's log loss is no worse than the
de-vigged pre-match market and within 0.005 of the de-vigged closing line; on average
at least 0.002 ahead of the pre-match market; nowhere more than 0.02 ahead of closing.
"""

from __future__ import annotations

import json
import sys


def _season(code: str) -> str:
    return f"20{code[:2]}/{code[2:]}"


def main() -> int:
    with open(sys.argv[1]) as fh:
        report = json.load(fh)
    rows = sorted(report["rows"], key=lambda r: (r["season"], r["league"]))
    # reports before the per-league stages were scored lack them
    by_league = all("model_league_blend" in r and "model_league_temperature" in r for r in rows)
    print(
        "| league | season | matches | model | without blend | pre-match | closing | Dixon-Coles alone "
        "| base rates | blend weights (model, market) | draws: seen / model / market |"
        + (" per-league blend | its weights | per-league temperature | its T |" if by_league else "")
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|" + ("---|---|---|---|" if by_league else ""))
    stages = ("model_league_blend", "model_league_temperature") if by_league else ()
    names = ("model", "model_without_blend", *stages)
    sums = {k: 0.0 for k in (*names, "market_pre", "market_close", "dixon_coles")}
    for row in rows:
        blend, draws = row.get("blend"), row["draws"]
        weights = f"{blend['model_weight']:.2f}, {blend['market_weight']:.2f}" if blend else "-"
        for key in sums:
            sums[key] += row[key]["logloss"]
        extra = ""
        if by_league:
            own = row["league_blend"]
            extra = (
                f" {row['model_league_blend']['logloss']:.4f} "
                f"| {own['model_weight']:.2f}, {own['market_weight']:.2f} "
                f"| {row['model_league_temperature']['logloss']:.4f} | {row['league_temperature']:.3f} |"
            )
        print(
            f"| {row['league']} | {_season(row['season'])} | {row['n']} | {row['model']['logloss']:.4f} "
            f"| {row['model_without_blend']['logloss']:.4f} | {row['market_pre']['logloss']:.4f} "
            f"| {row['market_close']['logloss']:.4f} | {row['dixon_coles']['logloss']:.4f} "
            f"| {row['base_rates']['logloss']:.4f} | {weights} "
            f"| {draws['observed']:.3f} / {draws['model']:.3f} / {draws['market_pre']:.3f} |" + extra
        )
    n = len(rows)
    means = {k: v / n for k, v in sums.items()}
    print(
        f"| mean | | | {means['model']:.4f} | {means['model_without_blend']:.4f} | {means['market_pre']:.4f} "
        f"| {means['market_close']:.4f} | {means['dixon_coles']:.4f} | | | |"
        + (
            f" {means['model_league_blend']:.4f} | | {means['model_league_temperature']:.4f} | |"
            if by_league
            else ""
        )
    )
    for name in names:
        not_worse = sum(r[name]["logloss"] <= r["market_pre"]["logloss"] for r in rows)
        near_close = sum(r[name]["logloss"] - r["market_close"]["logloss"] <= 0.005 for r in rows)
        leak = [
            f"{r['league']} {r['season']}"
            for r in rows
            if r["market_close"]["logloss"] - r[name]["logloss"] > 0.02
        ]
        ahead = means["market_pre"] - means[name]
        print(
            f"\n{name}: no worse than pre-match in {not_worse}/{n}, "
            f"within 0.005 of closing in {near_close}/{n}, "
            f"mean {ahead:+.4f} ahead of pre-match (target +0.002); "
            f"beats closing by > 0.02: {leak or 'nowhere'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
