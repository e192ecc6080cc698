"""Plots as inline PNGs for Dagster metadata (markdown images): calibration and profit curves."""

import base64
import io

import matplotlib

matplotlib.use("Agg")  # headless: no display on servers

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from soccer_assets.lib.metrics import calibration_table  # noqa: E402

OUTCOMES = ("home", "draw", "away")


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def markdown_image(png: bytes, alt: str) -> str:
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def calibration_png(forecasts: pl.DataFrame, source: str = "model") -> bytes:
    rows = forecasts.drop_nulls([f"{source}_{o}" for o in OUTCOMES])
    probs = rows.select([f"{source}_{o}" for o in OUTCOMES]).to_numpy()
    table = calibration_table(probs, rows["target"].to_numpy().astype(np.int64))
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    for code, color in zip(("H", "D", "A"), ("tab:blue", "tab:orange", "tab:green"), strict=True):
        points = [r for r in table if r["outcome"] == code and r["n"] >= 10]
        ax.plot(
            [p["forecast"] for p in points],
            [p["observed"] for p in points],
            marker="o",
            color=color,
            label=code,
        )
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed frequency")
    ax.set_title(f"Calibration on the holdout ({rows.height} matches)")
    ax.legend(loc="upper left")
    return _png(fig)


def calibration_plot_markdown(forecasts: pl.DataFrame) -> str:
    return markdown_image(calibration_png(forecasts), "calibration")


def profit_curve_png(curve: pl.DataFrame) -> bytes:
    """Cumulative profit (units staked: 1 per bet) per strategy, bet by bet."""
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    for (strategy,), group in curve.group_by(["strategy"], maintain_order=True):
        ax.plot(group["bet_number"].to_numpy(), group["cumulative_profit"].to_numpy(), label=str(strategy))
    ax.axhline(0, color="grey", linewidth=1)
    ax.set_xlabel("bets in kickoff order")
    ax.set_ylabel("cumulative profit (units)")
    ax.set_title("Backtest profit curve")
    ax.legend(loc="best")
    return _png(fig)


def profit_curve_markdown(curve: pl.DataFrame) -> str:
    return markdown_image(profit_curve_png(curve), "profit curve")
