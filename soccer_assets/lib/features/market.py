"""The pre-match betting market as a feature family (switchable).

Only prices published before kickoff are used; which book is taken is recorded per row.
Closing prices never enter here: ``build.assert_no_closing`` guards the feature list.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from soccer_assets.lib.devig import devig, overround
from soccer_assets.lib.pre_match_odds import first_complete_book
from soccer_assets.lib.price_rule import PRE_MATCH_ORDER

OUTCOMES = ("home", "draw", "away")


def best_pre_match_odds(frame: pl.DataFrame) -> pl.DataFrame:
    """Every match of ``frame`` with ``odds_home/draw/away`` and ``odds_book`` (null: no complete book)."""
    chosen = first_complete_book(frame, "pre", PRE_MATCH_ORDER).rename({"book": "odds_book"})
    return frame.select("match_id").join(chosen, on="match_id", how="left")


def market_features(frame: pl.DataFrame) -> pl.DataFrame:
    """De-vigged (multiplicative) pre-match probabilities and the bookmaker margin."""
    odds = best_pre_match_odds(frame)
    prices = odds.select([f"odds_{o}" for o in OUTCOMES]).to_numpy().astype(float)
    probs = devig(prices, "multiplicative") if len(prices) else np.empty((0, 3))
    return (
        pl.DataFrame(
            {
                "match_id": odds["match_id"],
                "mkt_prob_home": probs[:, 0],
                "mkt_prob_draw": probs[:, 1],
                "mkt_prob_away": probs[:, 2],
                "mkt_margin": overround(prices) if len(prices) else np.empty(0),
            },
            schema_overrides={
                c: pl.Float64 for c in ("mkt_prob_home", "mkt_prob_draw", "mkt_prob_away", "mkt_margin")
            },
        )
        .with_columns(pl.all().exclude("match_id").fill_nan(None))
        .with_columns(
            # log-probabilities: a linear model on them reproduces the market exactly
            *[pl.col(f"mkt_prob_{o}").log().alias(f"mkt_log_{o}") for o in OUTCOMES]
        )
    )
