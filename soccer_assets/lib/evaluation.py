"""Holdout evaluation: the model beside league base rates and the betting market.

All sources are scored on the same matches (those where every source has a forecast),
per league and season and overall, with the metrics of ``lib.metrics``:

- ``model``: the calibrated model.
- ``base_rates``: each league's home/draw/away frequencies in the training seasons.
- ``market_pre``: de-vigged pre-match prices (market average, else a single book).
- ``market_close``: de-vigged closing prices, Pinnacle where present, else the market
  average (Pinnacle is gone from the 2026 files). An evaluation benchmark only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from soccer_assets.lib.devig import devig
from soccer_assets.lib.features.market import best_pre_match_odds
from soccer_assets.lib.metrics import score
from soccer_assets.lib.pre_match_odds import first_complete_book
from soccer_assets.lib.price_rule import CLOSING_ORDER

SOURCES = ("model", "base_rates", "market_pre", "market_close")
OUTCOMES = ("home", "draw", "away")
ALL = "ALL"


def base_rates(train: pl.DataFrame) -> pl.DataFrame:
    """``league, base_home, base_draw, base_away`` from training results."""
    return train.group_by("league").agg(
        (pl.col("target") == k).mean().alias(f"base_{o}") for k, o in enumerate(OUTCOMES)
    )


def closing_odds(matches: pl.DataFrame) -> pl.DataFrame:
    """``match_id, close_odds_home/draw/away, close_book`` in ``price_rule.CLOSING_ORDER``."""
    names = tuple(f"close_odds_{o}" for o in OUTCOMES)
    chosen = first_complete_book(matches, "close", CLOSING_ORDER, names).rename({"book": "close_book"})
    return matches.select("match_id").join(chosen, on="match_id", how="left")


def _devig_columns(frame: pl.DataFrame, prefix: str, out: str) -> pl.DataFrame:
    probs = devig(frame.select([f"{prefix}_{o}" for o in OUTCOMES]).to_numpy().astype(float))
    return frame.with_columns(pl.Series(f"{out}_{o}", probs[:, k]) for k, o in enumerate(OUTCOMES))


def forecasts_frame(
    holdout: pl.DataFrame, model_probs: np.ndarray, matches: pl.DataFrame, rates: pl.DataFrame
) -> pl.DataFrame:
    """One row per holdout match with every source's probabilities (``<source>_<outcome>``)."""
    frame = holdout.select("match_id", "league", "season", "target").with_columns(
        pl.Series(f"model_{o}", model_probs[:, k]) for k, o in enumerate(OUTCOMES)
    )
    frame = frame.join(rates, on="league", how="left").rename(
        {f"base_{o}": f"base_rates_{o}" for o in OUTCOMES}
    )
    pre = best_pre_match_odds(matches.filter(pl.col("match_id").is_in(frame["match_id"].implode())))
    frame = _devig_columns(frame.join(pre, on="match_id", how="left"), "odds", "market_pre")
    close = closing_odds(matches.filter(pl.col("match_id").is_in(frame["match_id"].implode())))
    frame = _devig_columns(frame.join(close, on="match_id", how="left"), "close_odds", "market_close")
    return frame.with_columns(pl.col(pl.Float64).fill_nan(None))


def evaluate(forecasts: pl.DataFrame, sources: Sequence[str] = SOURCES) -> pl.DataFrame:
    """Long table: league, season, source, n and the metrics (per league-season and overall)."""
    needed = [f"{s}_{o}" for s in sources for o in OUTCOMES]
    common = forecasts.drop_nulls(needed)
    rows = []
    groups = [((lg, ss), g) for (lg, ss), g in common.group_by("league", "season", maintain_order=True)]
    groups.append(((ALL, ALL), common))
    for (league, season), group in sorted(groups, key=lambda item: (item[0][0] == ALL, item[0])):
        if group.height == 0:
            continue
        y = group["target"].to_numpy().astype(np.int64)
        for source in sources:
            probs = group.select([f"{source}_{o}" for o in OUTCOMES]).to_numpy()
            rows.append(
                {"league": league, "season": season, "source": source, "n": group.height, **score(probs, y)}
            )
    return pl.DataFrame(rows)
