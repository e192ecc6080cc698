"""Turning a snapshot and a request into prediction bodies (no HTTP here; controllers and the
async worker call these)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec
import numpy as np

from soccer_serving.on_demand import (
    MatchRequest,
    OnDemandModel,
    RequestProblem,
    Resolved,
    Scored,
    market_view,
)
from soccer_serving.problems import NotAvailable
from soccer_serving.schemas import (
    Contribution,
    Explanation,
    MarketView,
    ModelUsed,
    OnDemandPrediction,
    PredictRequest,
)
from soccer_serving.snapshot import Snapshot

PICKS = ("H", "D", "A")
NO_EXPLANATION = "this model family gives no per-feature contributions"
NO_ODDS = (
    "no odds given: this model starts from the pre-match market and, without prices, from even odds; "
    "pass odds for a meaningful prediction"
)
SPACE = "contributions to each outcome's log-odds (the softmax input, before the calibration temperature)"


def _model_used(snapshot: Snapshot, fit: str = "serving") -> ModelUsed:
    serving = snapshot.serving
    assert serving is not None
    return ModelUsed(
        name=serving.name, version=serving.version, alias=serving.alias, family=serving.family, fit=fit
    )


def _explanation(scored: Scored | None, explain: bool, model: OnDemandModel | None) -> Explanation:
    if not explain:
        return Explanation(available=False, detail="not asked for (explain=false)")
    if scored is None or scored.explanation is None:
        detail = NO_EXPLANATION if model is not None and not model.model.explains else "not available"
        return Explanation(available=False, detail=detail)
    detail = SPACE
    if model is not None and model.model.market is not None:
        detail += "; the de-vigged market is the starting point, so they show how the model departs from it"
    return Explanation(
        available=True,
        detail=detail,
        **{k: [Contribution(**c) for c in v] for k, v in scored.explanation.items()},
    )


def _body(
    snapshot: Snapshot,
    *,
    match_id: str | None,
    league: str,
    home: str,
    away: str,
    kickoff: dt.date,
    probs: np.ndarray,
    predicted_at: dt.datetime,
    explanation: Explanation,
    odds: tuple[tuple[float, float, float], str] | None,
    features: dict[str, float | None] | None = None,
    status: str = "upcoming",
    source: str = "scored_now",
    model: ModelUsed | None = None,
    notes: list[str] | None = None,
) -> OnDemandPrediction:
    market = None
    if odds is not None:
        view = market_view(odds[0], probs)
        market = MarketView(**view, odds_source=odds[1]) if view else None
    return OnDemandPrediction(
        publication_id=snapshot.publication_id,
        match_id=match_id,
        league=league,
        home_team=home,
        away_team=away,
        kickoff_date=kickoff,
        status=status,  # type: ignore[arg-type]
        source=source,  # type: ignore[arg-type]
        prob_home=float(probs[0]),
        prob_draw=float(probs[1]),
        prob_away=float(probs[2]),
        pick=PICKS[int(np.argmax(probs))],  # type: ignore[arg-type]
        model=model or _model_used(snapshot),
        predicted_at=predicted_at,
        explanation=explanation,
        market=market,
        features=features,
        notes=notes or [],
    )


def require_model(snapshot: Snapshot) -> OnDemandModel:
    if snapshot.on_demand is None:
        raise NotAvailable(
            "this publication carries no serving model (published before on-demand predictions)"
        )
    return snapshot.on_demand


def published_match(snapshot: Snapshot, match_id: str, explain: bool, top: int) -> OnDemandPrediction:
    """An upcoming match scored now from its published feature row; a finished match's
    prediction as logged before its kickoff (never one computed afterwards)."""
    position = snapshot.cards.position.get(match_id)
    card = snapshot.cards.items[position] if position is not None else None
    model = snapshot.on_demand
    if model is not None and match_id in model.upcoming:
        row = model.upcoming[match_id][None, :]
        scored = model.score(row, explain, top)[0]
        odds = model.upcoming_odds.get(match_id)
        if card is not None and card.odds_source and card.odds_home and card.odds_draw and card.odds_away:
            odds = ((card.odds_home, card.odds_draw, card.odds_away), card.odds_source)
        fixture = model.fixture_by_id[match_id]
        return _body(
            snapshot,
            match_id=match_id,
            league=fixture["league"],
            home=fixture["home_team"],
            away=fixture["away_team"],
            kickoff=fixture["kickoff_date"],
            probs=scored.probabilities,
            predicted_at=dt.datetime.now(dt.UTC),
            explanation=_explanation(scored, explain, model),
            odds=odds,
        )
    logged = snapshot.pre_kickoff.get(match_id)
    if logged is not None:
        return _body(
            snapshot,
            match_id=match_id,
            league=logged.league,
            home=logged.home_team,
            away=logged.away_team,
            kickoff=logged.kickoff_date,
            probs=np.array([logged.prob_home, logged.prob_draw, logged.prob_away]),
            predicted_at=logged.predicted_at,
            explanation=Explanation(
                available=False, detail="a prediction logged before kickoff is returned as it was"
            ),
            odds=None,
            status="finished",
            source="logged_before_kickoff",
            model=ModelUsed(
                name=logged.model_name,
                version=logged.model_version,
                alias=logged.model_alias,
                family=logged.model_family,
                fit="serving",
            ),
        )
    if card is not None and card.status == "finished":
        raise NotAvailable(f"no prediction of {match_id} was logged before its kickoff")
    raise NotAvailable(f"no published match {match_id!r}")


def validate_requests(snapshot: Snapshot, requests: Sequence[PredictRequest], field_prefix: str = "") -> None:
    """Resolve every request's names and date (RequestProblem on the first bad one), score nothing."""
    model = require_model(snapshot)
    today = dt.datetime.now(dt.UTC).date()
    for index, request in enumerate(requests):
        try:
            model.resolve(
                MatchRequest(request.league, request.home_team, request.away_team, request.kickoff_date),
                today,
            )
        except RequestProblem as problem:
            raise RequestProblem(
                f"{field_prefix}[{index}].{problem.field}", problem.reason, problem.suggestions
            ) from None


def requested_matches(
    snapshot: Snapshot, requests: Sequence[PredictRequest], explain: bool, top: int, field_prefix: str = ""
) -> list[OnDemandPrediction]:
    """Score any matches in one model call; RequestProblem names the first bad field."""
    model = require_model(snapshot)
    today = dt.datetime.now(dt.UTC).date()
    resolved: list[Resolved] = []
    for index, request in enumerate(requests):
        prefix = f"{field_prefix}[{index}]." if field_prefix else ""
        odds = (request.odds.home, request.odds.draw, request.odds.away) if request.odds else None
        try:
            resolved.append(
                model.resolve(
                    MatchRequest(
                        request.league, request.home_team, request.away_team, request.kickoff_date, odds
                    ),
                    today,
                )
            )
        except RequestProblem as problem:
            raise RequestProblem(prefix + problem.field, problem.reason, problem.suggestions) from None
    rows = np.vstack([model.features_of(match) for match in resolved])
    scored = model.score(rows, explain, top)
    now = dt.datetime.now(dt.UTC)
    out = []
    for request, match, row, result in zip(requests, resolved, rows, scored, strict=True):
        features = None
        if request.include_features:
            features = {
                n: (None if np.isnan(v) else float(v)) for n, v in zip(model.model.features, row, strict=True)
            }
        out.append(
            _body(
                snapshot,
                match_id=match.match_id,
                league=match.league,
                home=match.home_team,
                away=match.away_team,
                kickoff=match.kickoff_date,
                probs=result.probabilities,
                predicted_at=now,
                explanation=_explanation(result, explain, model),
                odds=(match.odds, match.odds_source or "request") if match.odds else None,
                features=features,
                notes=[NO_ODDS] if match.odds is None and model.model.market is not None else None,
            )
        )
    return out


def request_key(request: PredictRequest) -> bytes:
    """One spelling of a request (part of its answer's cache key)."""
    return msgspec.json.encode(request)
