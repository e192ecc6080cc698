"""Flat-stake betting simulation on finished matches, using only what was known before kickoff.

Selection sees nothing but ``SELECTION_COLUMNS`` (match_id, the model's probabilities and
the chosen pre-match prices): ``pre_kickoff_view`` cuts the frame down to them and
``select_bets`` refuses any other column, so a result, a goal count or a closing price
cannot influence which bets are placed. Those come in afterwards: results settle the
bets, and closing prices only measure closing-line value (CLV) of bets already fixed.

Strategies (stake 1 per bet):

- ``all_picks``: the model's most probable outcome of every priced match;
- ``value_bets``: every outcome whose edge over the de-vigged market exceeds the threshold.

CLV = bet odds / fair closing odds - 1, where fair closing odds are 1 / the de-vigged
closing probability of the first complete book in ``price_rule.CLOSING_ORDER`` (Pinnacle
first, the sharpest closing line in football-data). Positive CLV means the bet beat the close.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from soccer_assets.lib import devig
from soccer_assets.lib.cards import (
    DEFAULT_VALUE_THRESHOLD_PP,
    EDGE_COLUMNS,
    MARKET_COLUMNS,
    PROB_COLUMNS,
    VALUE_COLUMNS,
    add_market_edges,
    add_pick,
)
from soccer_assets.lib.leagues import region
from soccer_assets.lib.metrics import RESULT_CODES
from soccer_assets.lib.pre_match_odds import (
    ODDS_COLUMNS,
    OUTCOMES,
    ensure_unique,
    first_complete_book,
    valid_prices,
)
from soccer_assets.lib.price_rule import CLOSING_ORDER

Strategy = Literal["all_picks", "value_bets"]
STRATEGIES: tuple[Strategy, ...] = ("all_picks", "value_bets")
SELECTION_COLUMNS: tuple[str, ...] = ("match_id", *PROB_COLUMNS, *ODDS_COLUMNS)
STAKE = 1.0
BET_COLUMNS: tuple[str, ...] = (
    "strategy", "match_id", "league", "region", "kickoff_date", "kickoff_utc",
    "outcome", "odds", "model_prob", "market_prob", "edge_pp",
    "stake", "result", "won", "profit", "closing_source", "clv",
)  # fmt: skip


class LookAheadError(ValueError):
    """Bet selection was offered a column that is not known before kickoff."""


def pre_kickoff_view(frame: pl.DataFrame) -> pl.DataFrame:
    """The only columns bet selection may see."""
    return frame.select(SELECTION_COLUMNS)


def _outcome_rows(scored: pl.DataFrame) -> pl.DataFrame:
    """One row per match and outcome (in input order, then H, D, A) with price, edge and flags."""
    scored = scored.with_row_index("order")
    parts = [
        scored.select(
            "order",
            "match_id",
            outcome=pl.lit(code),
            k=pl.lit(k),
            odds=pl.col(ODDS_COLUMNS[k]),
            model_prob=pl.col(PROB_COLUMNS[k]),
            market_prob=pl.col(MARKET_COLUMNS[k]),
            edge_pp=pl.col(EDGE_COLUMNS[k]),
            is_value=pl.col(VALUE_COLUMNS[k]),
            is_pick=pl.col("pick") == code,
        )
        for k, code in enumerate(RESULT_CODES)
    ]
    return pl.concat(parts).sort("order", "k")


def select_bets(
    view: pl.DataFrame,
    strategy: Strategy,
    *,
    threshold_pp: float = DEFAULT_VALUE_THRESHOLD_PP,
    devig_method: devig.Method = "multiplicative",
) -> pl.DataFrame:
    """Bets of one strategy: match_id, strategy, outcome (H/D/A), odds, model/market prob, edge_pp."""
    leaked = sorted(set(view.columns) - set(SELECTION_COLUMNS))
    if leaked:
        raise LookAheadError(f"bet selection must not see {leaked}; pass pre_kickoff_view(frame)")
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose from {STRATEGIES}")
    priced = view.filter(valid_prices())
    scored = add_market_edges(add_pick(priced), threshold_pp=threshold_pp, devig_method=devig_method)
    chosen = pl.col("is_pick") if strategy == "all_picks" else pl.col("is_value")
    return (
        _outcome_rows(scored)
        .filter(chosen)
        .select(
            "match_id",
            pl.lit(strategy).alias("strategy"),
            "outcome",
            "odds",
            "model_prob",
            "market_prob",
            "edge_pp",
        )
    )


def fair_closing_probabilities(
    frame: pl.DataFrame, books: Sequence[str] = CLOSING_ORDER, devig_method: devig.Method = "multiplicative"
) -> pl.DataFrame:
    """match_id, closing_source and de-vigged closing probabilities ``close_fair_<outcome>``."""
    names = tuple(f"close_{o}" for o in OUTCOMES)
    prices = first_complete_book(frame, "close", books, names)
    probs = devig.devig(prices.select(names).to_numpy().astype(float), devig_method)
    return prices.select("match_id", closing_source="book").with_columns(
        pl.Series(f"close_fair_{o}", probs[:, k]) for k, o in enumerate(OUTCOMES)
    )


def _settle(bets: pl.DataFrame, finished: pl.DataFrame, closing: pl.DataFrame) -> pl.DataFrame:
    context = finished.select("match_id", "league", "kickoff_date", "kickoff_utc", "result")
    bets = bets.join(context, on="match_id", how="left", validate="m:1", maintain_order="left")
    bets = bets.join(closing, on="match_id", how="left", validate="m:1", maintain_order="left")
    fair_prob = pl.coalesce(
        pl.when(pl.col("outcome") == code).then(pl.col(f"close_fair_{o}"))
        for code, o in zip(RESULT_CODES, OUTCOMES, strict=True)
    )
    won = pl.col("outcome") == pl.col("result")
    regions = {code: region(code) for code in finished["league"].unique().to_list()}
    return bets.with_columns(
        region=pl.col("league").replace_strict(regions, return_dtype=pl.String),
        stake=pl.lit(STAKE),
        won=won,
        profit=pl.when(won).then(pl.col("odds") - 1.0).otherwise(-1.0) * STAKE,
        clv=pl.col("odds") * fair_prob - 1.0,
    ).select(BET_COLUMNS)


def run_backtest(
    finished: pl.DataFrame,
    *,
    strategies: Sequence[Strategy] = STRATEGIES,
    threshold_pp: float = DEFAULT_VALUE_THRESHOLD_PP,
    devig_method: devig.Method = "multiplicative",
    closing_books: Sequence[str] = CLOSING_ORDER,
) -> pl.DataFrame:
    """Every bet of every strategy, settled, with CLV.

    ``finished``: one row per finished match with match_id, league, kickoff_date,
    kickoff_utc, result, prob_*, the chosen pre-match odds_* (see ``pre_match_odds``) and
    any ``close_<book>_<outcome>`` columns. Matches without valid pre-match prices get no bet.
    """
    ensure_unique(finished, "finished matches")
    unfinished = finished.filter(pl.col("result").is_null())["match_id"].head(3).to_list()
    if unfinished:
        raise ValueError(f"the backtest needs finished matches; no result for e.g. {unfinished}")
    view = pre_kickoff_view(finished)
    bets = pl.concat(
        [select_bets(view, s, threshold_pp=threshold_pp, devig_method=devig_method) for s in strategies]
    )
    closing = fair_closing_probabilities(finished, closing_books, devig_method)
    return _settle(bets, finished, closing)


def run_backtest_at_book(finished: pl.DataFrame, book: str, **options) -> pl.DataFrame:
    """:func:`run_backtest` as if every bet were placed at one real book's pre-match prices.

    The market average the cards use is no price a bettor can take. ``finished`` needs that
    book's ``pre_<book>_<outcome>`` columns; matches the book did not price get no bet.
    Selection is redone at the book's prices (its edges differ), so the bets may differ too.
    """
    needed = [f"pre_{book}_{outcome}" for outcome in OUTCOMES]
    if missing := [c for c in needed if c not in finished.columns]:
        raise ValueError(f"a backtest at {book} prices needs the columns {missing}")
    prices = first_complete_book(finished, "pre", (book,)).drop("book")
    at_book = finished.drop(ODDS_COLUMNS, strict=False).join(prices, on="match_id", how="inner")
    return run_backtest(at_book, **options)


def bootstrap_yield_interval(
    stakes: np.ndarray,
    profits: np.ndarray,
    *,
    matches: np.ndarray | None = None,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of yield (sum profit / sum stake).

    With ``matches`` (the match of each bet) it resamples matches, not bets: two value bets on
    one match share one result, so they are not independent, and resampling them apart would
    narrow the interval.
    """
    stakes, profits = np.asarray(stakes, dtype=float), np.asarray(profits, dtype=float)
    if matches is not None and len(stakes):
        _, match_of_bet = np.unique(np.asarray(matches), return_inverse=True)
        stakes, profits = np.bincount(match_of_bet, stakes), np.bincount(match_of_bet, profits)
    n = len(stakes)
    if n == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    chunk = max(1, 2_000_000 // n)  # bounds memory to a few million indices at a time
    yields = []
    for start in range(0, n_boot, chunk):
        index = rng.integers(0, n, size=(min(chunk, n_boot - start), n))
        yields.append(profits[index].sum(axis=1) / stakes[index].sum(axis=1))
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(np.concatenate(yields), [tail, 1.0 - tail])
    return float(low), float(high)


_SUMMARY_SCHEMA = {
    "bets": pl.Int64,
    "turnover": pl.Float64,
    "profit": pl.Float64,
    "yield": pl.Float64,
    "yield_ci_low": pl.Float64,
    "yield_ci_high": pl.Float64,
    "hit_rate": pl.Float64,
    "mean_clv": pl.Float64,
    "clv_bets": pl.Int64,
}


def summarize(
    bets: pl.DataFrame,
    by: Sequence[str] = (),
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> pl.DataFrame:
    """Per strategy (and ``by`` groups): bets, turnover, profit, yield with CI, hit rate, mean CLV.

    Every group is bootstrapped over its matches with the same ``seed``, so figures are
    reproducible run to run; ``mean_clv`` averages the ``clv_bets`` bets that had a closing price.
    """
    keys = ["strategy", *by]
    rows = []
    for group_key, group in bets.sort(keys).group_by(keys, maintain_order=True):
        stakes, profits = group["stake"].to_numpy(), group["profit"].to_numpy()
        low, high = bootstrap_yield_interval(
            stakes, profits, matches=group["match_id"].to_numpy(), n_boot=n_boot, level=level, seed=seed
        )
        turnover, profit = float(stakes.sum()), float(profits.sum())
        rows.append(
            dict(zip(keys, group_key, strict=True))
            | {
                "bets": group.height,
                "turnover": turnover,
                "profit": profit,
                "yield": profit / turnover,
                "yield_ci_low": low,
                "yield_ci_high": high,
                "hit_rate": float(group["won"].mean()),
                "mean_clv": group["clv"].mean(),
                "clv_bets": group["clv"].count(),
            }
        )
    schema = {k: bets.schema[k] for k in keys} | _SUMMARY_SCHEMA
    return pl.DataFrame(rows, schema=schema)


def profit_curve(bets: pl.DataFrame) -> pl.DataFrame:
    """Cumulative profit and turnover per strategy, bet by bet in kickoff order."""
    kickoff = pl.coalesce(
        pl.col("kickoff_utc"), pl.col("kickoff_date").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    )
    return (
        bets.with_columns(kickoff=kickoff)
        .sort("strategy", "kickoff", "match_id", "outcome")
        .select(
            "strategy",
            "kickoff",
            "match_id",
            "outcome",
            "profit",
            bet_number=pl.int_range(1, pl.len() + 1).over("strategy"),
            cumulative_profit=pl.col("profit").cum_sum().over("strategy"),
            cumulative_turnover=pl.col("stake").cum_sum().over("strategy"),
        )
    )
