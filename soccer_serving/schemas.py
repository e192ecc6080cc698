"""Response bodies of the API (msgspec Structs).

Rows of published tables are the published store's own types (``soccer_assets.storage
.contract``: Card, Prediction, OddsQuote, RegionRoi, QualityRow, ...), so a column the
pipeline publishes and the field a client reads are one definition. The types here wrap
them: pages with totals, one match's view, monitoring summaries.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from soccer_assets.storage.contract import (
    Card,
    DriftSummary,
    EvaluationRow,
    FeatureDrift,
    LeagueDrift,
    ModelCard,
    OddsQuote,
    Prediction,
    QualityRow,
    RegionRoi,
    Struct,
)


class Page(Struct):
    publication_id: str
    total: int  # rows matching the filters, before limit/offset
    limit: int
    offset: int


class PredictionsPage(Page):
    items: list[Prediction]


class CardsPage(Page):
    items: list[Card]


class MatchSummary(Struct):
    match_id: str
    league: str
    league_name: str
    region: str
    season: str
    kickoff_date: dt.date
    kickoff_utc: dt.datetime | None
    home_team: str
    away_team: str


class MatchesPage(Page):
    items: list[MatchSummary]


class Provenance(Struct):
    model_name: str
    model_version: str
    model_alias: str
    model_family: str
    features_version: str
    predicted_at: dt.datetime
    dataset: str  # the published table the prediction was read from
    dataset_sha256: str
    dataset_publication_id: str
    dagster_run_id: str | None


class PrecomputedPrediction(Struct):
    publication_id: str
    prediction: Prediction
    provenance: Provenance


class RegionRoiList(Struct):
    publication_id: str
    items: list[RegionRoi]


class LatestOdds(Struct):
    match_id: str
    league: str
    kickoff_date: dt.date
    kickoff_utc: dt.datetime | None
    home_team: str
    away_team: str
    status: str
    odds_home: float
    odds_draw: float
    odds_away: float
    odds_source: str
    odds_snapshot_at: dt.datetime | None
    market_home: float | None
    market_draw: float | None
    market_away: float | None
    overround: float | None


class OddsPage(Page):
    items: list[LatestOdds]


class OddsHistory(Struct):
    publication_id: str
    match_id: str
    latest: LatestOdds | None  # the price the card uses; null when the match has none
    history: list[OddsQuote]


class ModelInfo(Struct):
    publication_id: str
    model: ModelCard
    holdout: list[EvaluationRow]  # the serving version's holdout, beside base rates and the market


class DriftView(Struct):
    publication_id: str
    summary: DriftSummary | None
    features: list[FeatureDrift]  # most drifted first
    predictions: list[FeatureDrift]
    leagues: list[LeagueDrift]


class QualityView(Struct):
    publication_id: str
    model_version: str | None
    live: list[QualityRow]  # pre-kickoff predictions of finished matches, model beside market
    holdout: list[EvaluationRow]  # the serving version's holdout evaluation


class Divergence(Struct):
    """Distribution of model minus market probability (percentage points) for one outcome."""

    outcome: Literal["home", "draw", "away"]
    cards: int
    mean_pp: float | None
    mean_abs_pp: float | None
    bin_edges_pp: list[float]
    counts: list[int]


class HeadlineScores(Struct):
    basis: Literal["live", "holdout", "none"]
    matches: int
    logloss: float | None = None
    brier: float | None = None
    accuracy: float | None = None
    market_logloss: float | None = None
    market_brier: float | None = None
    market_accuracy: float | None = None


class ModelLabel(Struct):
    name: str
    version: str | None
    alias: str | None
    family: str | None


class ModelHealth(Struct):
    publication_id: str
    model: ModelLabel
    scores: HeadlineScores
    divergence: list[Divergence]
    drift_share: float | None
    league_drift: list[LeagueDrift]


class FreshnessItem(Struct):
    name: str
    kind: Literal["source", "dataset"]
    last_at: dt.datetime | None
    age_s: float | None
    expected_every_s: int
    stale_after_s: int
    status: Literal["ok", "stale", "missing"]


class Freshness(Struct):
    publication_id: str
    checked_at: dt.datetime
    stale: int
    items: list[FreshnessItem]


class SystemStatus(Struct):
    started_at: dt.datetime
    uptime_s: float
    worker_pid: int
    publication_id: str
    published_at: dt.datetime
    publication_age_s: float
    model: ModelLabel
    cache_entries: int
    cache_hit_rate: float | None
    requests_today: int
    predictions_served_today: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    reloads_ok: int
    reloads_failed: int
    last_reload_error: str | None


class HealthStatus(Struct):
    status: Literal["ok", "degraded", "unavailable"]
    reasons: list[str]
    publication_id: str | None = None
    publication_age_s: float | None = None


class BacktestHeadline(Struct):
    strategy: str
    bets: int
    yield_: float = msgspec.field(name="yield")
    yield_ci_low: float | None
    yield_ci_high: float | None
    hit_rate: float


class Dashboard(Struct):
    health: HealthStatus
    system: SystemStatus
    model: ModelLabel
    scores: HeadlineScores
    upcoming: int
    upcoming_value_bets: int
    backtest: list[BacktestHeadline]
    drift_share: float | None
    stale: list[str]  # sources and datasets past their freshness limit


# -- on-demand predictions -------------------------------------------------------------------


Price = Annotated[float, msgspec.Meta(gt=1.0, le=1000.0, description="decimal odds")]
TeamName = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class Odds(Struct):
    home: Price
    draw: Price
    away: Price


class PredictRequest(Struct, forbid_unknown_fields=True):
    """A match to score: in a fixtures list or not (a cup tie, a what-if)."""

    league: Annotated[str, msgspec.Meta(min_length=1, max_length=8, description="e.g. E0")]
    home_team: TeamName
    away_team: TeamName
    kickoff_date: dt.date | None = None  # default: the published fixture's date, else today (UTC)
    odds: Odds | None = None  # decimal 1X2 prices: market probabilities and edges in the answer
    include_features: bool = False


class BatchRequest(Struct, forbid_unknown_fields=True):
    items: Annotated[list[PredictRequest], msgspec.Meta(min_length=1)]  # at most SOCCER_API_BATCH_MAX
    explain: bool = False  # contributions cost more than the prediction (tree SHAP): ask for them


class Contribution(Struct):
    feature: str
    value: float | None
    contribution: float


class Explanation(Struct):
    available: bool
    detail: str
    home: list[Contribution] = []
    draw: list[Contribution] = []
    away: list[Contribution] = []


class ModelUsed(Struct):
    name: str
    version: str
    alias: str
    family: str
    fit: str


class MarketView(Struct):
    odds_home: float
    odds_draw: float
    odds_away: float
    odds_source: str
    market_home: float
    market_draw: float
    market_away: float
    edge_pp_home: float
    edge_pp_draw: float
    edge_pp_away: float


class OnDemandPrediction(Struct):
    publication_id: str
    match_id: str | None  # the published match this is, or null for a what-if
    league: str
    home_team: str
    away_team: str
    kickoff_date: dt.date
    status: Literal["upcoming", "finished"]
    source: Literal["scored_now", "logged_before_kickoff"]
    prob_home: float
    prob_draw: float
    prob_away: float
    pick: Literal["H", "D", "A"]
    model: ModelUsed
    predicted_at: dt.datetime
    explanation: Explanation
    market: MarketView | None = None
    features: dict[str, float | None] | None = None
    notes: list[str] = []


class BatchPrediction(Struct):
    publication_id: str
    items: list[OnDemandPrediction]


class TaskAccepted(Struct):
    task_id: str
    status: Literal["pending"]
    status_url: str


class TaskStatus(Struct):
    task_id: str
    status: Literal["pending", "running", "done", "failed"]
    submitted_at: dt.datetime
    finished_at: dt.datetime | None = None
    result: BatchPrediction | None = None
    error: str | None = None
