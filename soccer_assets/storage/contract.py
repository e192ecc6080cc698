"""The published store's row and document types, as msgspec Structs shared by writer and readers.

The pipeline checks every table it publishes against these types (``check_table``) and
writes its JSON documents by encoding them; the HTTP API decodes the same types and
returns them as its response bodies. A field added here is a column every reader can
rely on; renaming or dropping one is a breaking change of the contract
(docs/published_store.md). Field names are the table's column names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec
import polars as pl

Outcome = Literal["H", "D", "A"]
Status = Literal["upcoming", "finished"]


class Struct(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Base: keyword-only, unknown fields ignored (additive changes need no version bump)."""


# -- tables ----------------------------------------------------------------------------------


class Prediction(Struct):
    """One row of ``predictions``: a match, the model's 1X2 probabilities and provenance."""

    match_id: str
    league: str
    season: str
    kickoff_date: dt.date
    kickoff_utc: dt.datetime | None
    home_team: str
    away_team: str
    status: Status
    prob_home: float
    prob_draw: float
    prob_away: float
    model_name: str
    model_version: str
    model_alias: str
    model_family: str
    features_version: str
    predicted_at: dt.datetime
    model_fit: Literal["serving", "holdout"]  # upcoming: the serving refit; finished: its holdout twin
    league_trained: bool  # False only when SOCCER_PREDICT_UNTRAINED_LEAGUES let an unseen league through


class PreKickoffPrediction(Struct):
    """One row of ``pre_kickoff_predictions``: the last forecast logged before a finished match began."""

    match_id: str
    league: str
    season: str
    kickoff_date: dt.date
    kickoff_utc: dt.datetime | None
    home_team: str
    away_team: str
    prob_home: float
    prob_draw: float
    prob_away: float
    model_name: str
    model_version: str
    model_alias: str
    model_family: str
    features_version: str
    predicted_at: dt.datetime


class Card(Struct):
    """One row of ``cards``: a prediction beside the market, with edges and the outcome."""

    match_id: str
    league: str
    league_name: str
    region: str
    season: str
    kickoff_date: dt.date
    kickoff_utc: dt.datetime | None
    home_team: str
    away_team: str
    status: Status
    prob_home: float
    prob_draw: float
    prob_away: float
    pick: Outcome
    pick_prob: float
    result: Outcome | None
    home_goals: int | None
    away_goals: int | None
    pick_correct: bool | None
    odds_home: float | None
    odds_draw: float | None
    odds_away: float | None
    odds_source: str | None
    odds_snapshot_at: dt.datetime | None
    market_home: float | None
    market_draw: float | None
    market_away: float | None
    overround: float | None
    edge_pp_home: float | None
    edge_pp_draw: float | None
    edge_pp_away: float | None
    ev_home: float | None
    ev_draw: float | None
    ev_away: float | None
    value_home: bool | None
    value_draw: bool | None
    value_away: bool | None
    value_outcome: Outcome | None
    value_edge_pp: float | None
    model_name: str
    model_version: str
    model_alias: str
    model_fit: Literal["serving", "holdout"]
    league_trained: bool
    predicted_at: dt.datetime


class OddsQuote(Struct):
    """One row of ``odds_history``: a 1X2 quote, pre-match or closing, de-vigged."""

    match_id: str
    source: str
    book: str
    timing: Literal["pre", "close"]
    captured_at: dt.datetime | None
    odds_home: float
    odds_draw: float
    odds_away: float
    market_home: float
    market_draw: float
    market_away: float
    overround: float


class RegionRoi(Struct):
    """One row of ``region_roi``: a flat-stake strategy's result overall, per region or league."""

    strategy: Literal["all_picks", "value_bets"]
    level: Literal["overall", "region", "league"]
    group: str
    bets: int
    turnover: float
    profit: float
    yield_: float = msgspec.field(name="yield")
    yield_ci_low: float | None
    yield_ci_high: float | None
    hit_rate: float
    mean_clv: float | None
    clv_bets: int


class BacktestBet(Struct):
    """One row of ``backtest_bets``: a settled bet of the backtest."""

    strategy: str
    match_id: str
    league: str
    region: str
    kickoff_date: dt.date
    kickoff_utc: dt.datetime | None
    outcome: Outcome
    odds: float
    model_prob: float
    market_prob: float
    edge_pp: float
    stake: float
    result: Outcome
    won: bool
    profit: float
    closing_source: str | None
    clv: float | None


class QualityRow(Struct):
    """One row of ``quality``: scores of pre-kickoff predictions on finished matches."""

    source: Literal["model", "market"]
    scope: str
    group: str
    matches: int
    first_kickoff: dt.date
    last_kickoff: dt.date
    logloss: float
    rps: float
    brier: float
    ece: float
    accuracy: float


class EvaluationRow(Struct):
    """One row of ``model_evaluation`` (the holdout): a source's scores per league and season."""

    league: str
    season: str
    source: str
    n: int
    logloss: float
    rps: float
    brier: float
    ece: float
    accuracy: float
    model_version: str | None = None


class FeatureDrift(Struct):
    """One row of ``drift``: one column's drift statistic and verdict."""

    kind: str
    column: str
    method: str
    threshold: float
    score: float
    p_value: float | None
    drifted: bool


class SourceFetch(Struct):
    """One row of ``sources``: when a raw source was last fetched and how often it should be."""

    source: str
    fetches: int
    last_fetched_at: dt.datetime | None
    expected_every_s: int
    stale_after_s: int


TABLE_CONTRACTS: dict[str, type[Struct]] = {
    "predictions": Prediction,
    "pre_kickoff_predictions": PreKickoffPrediction,
    "cards": Card,
    "odds_history": OddsQuote,
    "region_roi": RegionRoi,
    "backtest_bets": BacktestBet,
    "quality": QualityRow,
    "model_evaluation": EvaluationRow,
    "drift": FeatureDrift,
    "sources": SourceFetch,
}

# -- JSON documents --------------------------------------------------------------------------


class DriftSetSummary(Struct):
    drift_share: float
    drifted_columns: int
    columns: int
    dataset_drift: bool
    dataset_drift_threshold: float
    reference_rows: int
    current_rows: int


class LeagueDrift(Struct):
    league: str
    reference_rows: int
    current_rows: int
    columns: int
    drifted_columns: int
    drift_share: float | None
    most_drifted: str | None
    most_drifted_p_value: float | None


class DriftSummary(Struct):
    """``drift_summary``: the drift report's headline figures."""

    generated_at: dt.datetime
    window_days: int
    retrain_threshold: float
    features: DriftSetSummary
    predictions: DriftSetSummary | None = None
    leagues: list[LeagueDrift] = []


class ModelCard(Struct):
    """``model_info``: the serving model version, from the registry and its own training run."""

    name: str
    version: str | None
    alias: str | None
    family: str | None = None
    holdout_logloss: str | None = None
    trained_through: str | None = None
    finished_matches_at_training: str | None = None
    data_version: str | None = None
    gate: str | None = None
    promoted_by: str | None = None
    promotion_reason: str | None = None
    promoted_at: str | None = None
    registered_at: str | None = None
    train_seasons: list[str] | None = None
    calibration_seasons: list[str] | None = None
    test_seasons: list[str] | None = None
    train_leagues: list[str] | None = None  # the leagues its training rows came from
    serving_fit_seasons: list[str] | None = None  # the serving refit's fit and calibration seasons
    serving_calibration_seasons: list[str] | None = None
    temperature: float | None = None
    features: list[str] | None = None
    evaluation: list[EvaluationRow] | None = None
    mlflow_run_id: str | None = None
    mlflow_run_url: str | None = None


class MarketBlendDescriptor(Struct):
    """softmax(model_weight * log p_model + market_weight * log p_market) where a price exists."""

    model_weight: float
    market_weight: float
    columns: list[int]


class ServingDescriptor(Struct):
    """``serving_model``: how to load ``serving_estimator`` (see lib/models/serving.py)."""

    name: str
    version: str
    alias: str
    family: str
    format: Literal["xgboost-json", "lightgbm-text", "skops"]
    features: list[str]
    temperature: float
    market_anchored: bool
    market_columns: list[int] | None
    classes: list[str]
    fit: str
    served_through: str | None = None
    blend: MarketBlendDescriptor | None = None


DOCUMENT_CONTRACTS: dict[str, type[Struct]] = {
    "drift_summary": DriftSummary,
    "model_info": ModelCard,
    "serving_model": ServingDescriptor,
}


class ContractError(ValueError):
    """A dataset does not have the shape its contract promises."""


def _wire_names(struct: type[Struct]) -> list[str]:
    return list(struct.__struct_encode_fields__)


def rows(frame: pl.DataFrame, struct: type[Struct]) -> list[Any]:
    """The table's rows as ``struct`` instances (raises ContractError on a missing or bad column)."""
    names = _wire_names(struct)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ContractError(f"{struct.__name__}: the table lacks columns {missing}")
    plain = frame.select(names).with_columns(pl.col(pl.Float32, pl.Float64).fill_nan(None))  # NaN: absent
    try:
        return msgspec.convert(plain.to_dicts(), list[struct])
    except msgspec.ValidationError as exc:
        raise ContractError(f"{struct.__name__}: {exc}") from exc


def check_table(name: str, frame: pl.DataFrame) -> None:
    """Refuse to publish a table its readers could not decode."""
    struct = TABLE_CONTRACTS.get(name)
    if struct is not None:
        rows(frame, struct)


def check_document(name: str, data: bytes) -> None:
    struct = DOCUMENT_CONTRACTS.get(name)
    if struct is not None:
        try:
            msgspec.json.decode(data, type=struct)
        except msgspec.ValidationError as exc:
            raise ContractError(f"{name}: {exc}") from exc
