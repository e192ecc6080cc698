"""Prediction cards: each model prediction next to the market's view of the same match.

Per outcome o in home/draw/away:

- ``market_o``: de-vigged probability from the chosen pre-match prices (``lib/devig``);
- ``edge_pp_o = (prob_o - market_o) * 100``, in percentage points;
- ``value_o``: edge strictly above ``threshold_pp`` (default 5 pp);
- ``ev_o = prob_o * odds_o - 1``: expected profit of a unit stake at the offered price.

``value_outcome`` is the value outcome with the largest edge (H/D/A). ``pick`` is the
model's most probable outcome (ties go to home, then draw), and on finished matches
``pick_correct`` says whether it happened (with the score when ``results`` carries the
goals). Every card names its ``region`` (country) and ``league_name``. Matches without
odds keep their card with null market columns: a card is never dropped or duplicated by
the joins.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from soccer_assets.lib import devig
from soccer_assets.lib.leagues import league_name, region
from soccer_assets.lib.metrics import RESULT_CODES
from soccer_assets.lib.pre_match_odds import ODDS_COLUMNS, OUTCOMES, SELECTED_ODDS_SCHEMA, ensure_unique

PROB_COLUMNS: tuple[str, ...] = tuple(f"prob_{o}" for o in OUTCOMES)
MARKET_COLUMNS: tuple[str, ...] = tuple(f"market_{o}" for o in OUTCOMES)
EDGE_COLUMNS: tuple[str, ...] = tuple(f"edge_pp_{o}" for o in OUTCOMES)
VALUE_COLUMNS: tuple[str, ...] = tuple(f"value_{o}" for o in OUTCOMES)
EV_COLUMNS: tuple[str, ...] = tuple(f"ev_{o}" for o in OUTCOMES)
DEFAULT_VALUE_THRESHOLD_PP = 5.0
# an edge equal to the threshold up to float noise, like (0.55 - 0.50) * 100, is not above it
_THRESHOLD_SLACK_PP = 1e-9
_PROB_SUM_TOLERANCE = 1e-4


def check_probabilities(predictions: pl.DataFrame) -> None:
    """Refuse missing, out-of-range or non-normalised 1X2 probabilities."""
    probs = predictions.select(PROB_COLUMNS).to_numpy().astype(float)
    bad = np.isnan(probs).any(axis=1) | (probs < 0).any(axis=1) | (probs > 1).any(axis=1)
    bad |= np.abs(np.nan_to_num(probs).sum(axis=1) - 1.0) > _PROB_SUM_TOLERANCE
    if bad.any():
        examples = predictions.filter(pl.Series(bad))["match_id"].head(3).to_list()
        raise ValueError(f"{int(bad.sum())} prediction(s) without valid 1X2 probabilities, e.g. {examples}")


def _first_outcome_where(conditions: list[pl.Expr]) -> pl.Expr:
    """H, D or A for the first true condition in home, draw, away order; null if none."""
    expr = pl.when(conditions[0]).then(pl.lit(RESULT_CODES[0]))
    for condition, code in zip(conditions[1:], RESULT_CODES[1:], strict=True):
        expr = expr.when(condition).then(pl.lit(code))
    return expr


def add_market_edges(
    frame: pl.DataFrame,
    *,
    threshold_pp: float = DEFAULT_VALUE_THRESHOLD_PP,
    devig_method: devig.Method = "multiplicative",
) -> pl.DataFrame:
    """Market probabilities, overround, edges, value flags, EVs and the best value outcome.

    ``frame`` needs prob_* and odds_* columns; rows with missing or invalid odds get nulls.
    """
    odds = frame.select(ODDS_COLUMNS).to_numpy().astype(float)
    market = devig.devig(odds, devig_method)
    frame = frame.with_columns(
        *[pl.Series(name, market[:, k], nan_to_null=True) for k, name in enumerate(MARKET_COLUMNS)],
        pl.Series("overround", devig.overround(odds), nan_to_null=True),
    )
    priced = pl.col(MARKET_COLUMNS[0]).is_not_null()
    frame = frame.with_columns(
        *[
            ((pl.col(p) - pl.col(m)) * 100.0).alias(e)
            for p, m, e in zip(PROB_COLUMNS, MARKET_COLUMNS, EDGE_COLUMNS, strict=True)
        ],
        *[
            pl.when(priced).then(pl.col(p) * pl.col(o) - 1.0).alias(ev)
            for p, o, ev in zip(PROB_COLUMNS, ODDS_COLUMNS, EV_COLUMNS, strict=True)
        ],
    )
    frame = frame.with_columns(
        (pl.col(e) > threshold_pp + _THRESHOLD_SLACK_PP).alias(v)
        for e, v in zip(EDGE_COLUMNS, VALUE_COLUMNS, strict=True)
    )
    value_edges = [
        pl.when(pl.col(v)).then(pl.col(e)) for e, v in zip(EDGE_COLUMNS, VALUE_COLUMNS, strict=True)
    ]
    frame = frame.with_columns(value_edge_pp=pl.max_horizontal(value_edges))
    return frame.with_columns(
        value_outcome=_first_outcome_where([edge == pl.col("value_edge_pp") for edge in value_edges])
    )


def add_pick(frame: pl.DataFrame) -> pl.DataFrame:
    """The model's most probable outcome (``pick``, H/D/A) and its probability."""
    best = pl.max_horizontal(PROB_COLUMNS)
    return frame.with_columns(
        pick=_first_outcome_where([pl.col(p) == best for p in PROB_COLUMNS]), pick_prob=best
    )


def _selected_odds(odds: pl.DataFrame | None) -> pl.DataFrame:
    """The odds input in the shape of ``SELECTED_ODDS_SCHEMA`` (odds_snapshot_at is optional)."""
    if odds is None:
        return pl.DataFrame(schema=SELECTED_ODDS_SCHEMA)
    if "odds_snapshot_at" not in odds.columns:
        odds = odds.with_columns(odds_snapshot_at=pl.lit(None))
    return odds.select(pl.col(name).cast(dtype) for name, dtype in SELECTED_ODDS_SCHEMA.items())


def _left_join_one_to_one(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    clash = (set(left.columns) & set(right.columns)) - {"match_id"}
    if clash:
        raise ValueError(f"predictions already have columns the cards add: {sorted(clash)}")
    return left.join(right, on="match_id", how="left", validate="1:1", maintain_order="left")


def build_cards(
    predictions: pl.DataFrame,
    odds: pl.DataFrame | None = None,
    results: pl.DataFrame | None = None,
    *,
    threshold_pp: float = DEFAULT_VALUE_THRESHOLD_PP,
    devig_method: devig.Method = "multiplicative",
) -> pl.DataFrame:
    """One card per prediction, in the order of ``predictions``.

    ``predictions``: match_id, prob_home/draw/away and any model or match columns (kept).
    ``odds``: one row per match from ``pre_match_odds.select_pre_match_odds``.
    ``results``: match_id and result (H/D/A, null while upcoming) for status and hit, and
    optionally home_goals / away_goals (kept on the card).
    Each input must hold one row per match_id; anything else raises DuplicateMatchError.
    """
    ensure_unique(predictions, "predictions")
    check_probabilities(predictions)
    odds = _selected_odds(odds)
    results = (
        pl.DataFrame(schema={"match_id": pl.String, "result": pl.String}) if results is None else results
    )
    ensure_unique(odds, "odds")
    ensure_unique(results, "results")

    kept = [c for c in ("match_id", "result", "home_goals", "away_goals") if c in results.columns]
    cards = _left_join_one_to_one(predictions, results.select(kept))
    if "league" in cards.columns:
        codes = cards["league"].unique().to_list()
        cards = cards.with_columns(
            region=pl.col("league").replace_strict({c: region(c) for c in codes}, return_dtype=pl.String),
            league_name=pl.col("league").replace_strict(
                {c: league_name(c) for c in codes}, return_dtype=pl.String
            ),
        )
    cards = add_pick(cards).with_columns(
        status=pl.when(pl.col("result").is_null()).then(pl.lit("upcoming")).otherwise(pl.lit("finished")),
        pick_correct=pl.when(pl.col("result").is_not_null()).then(pl.col("pick") == pl.col("result")),
    )
    cards = _left_join_one_to_one(cards, odds)
    cards = add_market_edges(cards, threshold_pp=threshold_pp, devig_method=devig_method)
    if cards.height != predictions.height:  # guaranteed by the 1:1 joins; cheap to assert
        raise AssertionError("building cards changed the number of matches")
    return cards
