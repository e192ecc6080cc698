"""``/monitoring``: drift, quality, model health, data freshness, the process, one dashboard call."""

from __future__ import annotations

import datetime as dt
import os
from typing import Annotated

import msgspec
import numpy as np
from litestar import Controller, MediaType, Request, Response, get
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from soccer_serving.problems import PROTECTED_ERRORS, documented
from soccer_serving.reloader import Publications
from soccer_serving.responses import ENCODER, cached, fresh, metrics_of, snapshot_of
from soccer_serving.schemas import (
    BacktestHeadline,
    Dashboard,
    Divergence,
    DriftView,
    Freshness,
    FreshnessItem,
    HeadlineScores,
    HealthStatus,
    ModelHealth,
    ModelLabel,
    QualityView,
    SystemStatus,
    TaskStatus,
)
from soccer_serving.snapshot import Snapshot

DIVERGENCE_EDGES_PP = [float(e) for e in np.arange(-30.0, 30.0 + 1e-9, 2.5)]
DATASET_EVERY_S = 24 * 3600
OVERALL = "ALL"


def model_label(snapshot: Snapshot) -> ModelLabel:
    card = snapshot.model
    return ModelLabel(name=card.name, version=card.version, alias=card.alias, family=card.family)


def headline_scores(snapshot: Snapshot) -> HeadlineScores:
    """Live scores of pre-kickoff predictions when there are any, else the holdout's."""
    live = {row.source: row for row in snapshot.quality if row.scope == "overall"}
    if "model" in live and "market" in live:
        model, market = live["model"], live["market"]
        return HeadlineScores(
            basis="live",
            matches=model.matches,
            logloss=model.logloss,
            brier=model.brier,
            accuracy=model.accuracy,
            market_logloss=market.logloss,
            market_brier=market.brier,
            market_accuracy=market.accuracy,
        )
    holdout = {r.source: r for r in snapshot.evaluation if r.league == OVERALL and r.season == OVERALL}
    if "model" in holdout:
        model, market = holdout["model"], holdout.get("market_pre")
        return HeadlineScores(
            basis="holdout",
            matches=model.n,
            logloss=model.logloss,
            brier=model.brier,
            accuracy=model.accuracy,
            market_logloss=market.logloss if market else None,
            market_brier=market.brier if market else None,
            market_accuracy=market.accuracy if market else None,
        )
    return HeadlineScores(basis="none", matches=0)


def divergence(snapshot: Snapshot) -> list[Divergence]:
    """Histogram of model minus de-vigged market (pp) per outcome over every priced card."""
    out = []
    for outcome in ("home", "draw", "away"):
        edges = np.array(
            [e for card in snapshot.cards.items if (e := getattr(card, f"edge_pp_{outcome}")) is not None],
            dtype=float,
        )
        clipped = np.clip(edges, DIVERGENCE_EDGES_PP[0], DIVERGENCE_EDGES_PP[-1])
        counts, _ = np.histogram(clipped, bins=DIVERGENCE_EDGES_PP)
        out.append(
            Divergence(
                outcome=outcome,
                cards=len(edges),
                mean_pp=float(edges.mean()) if len(edges) else None,
                mean_abs_pp=float(np.abs(edges).mean()) if len(edges) else None,
                bin_edges_pp=DIVERGENCE_EDGES_PP,
                counts=[int(c) for c in counts],
            )
        )
    return out


def _status(age: float | None, stale_after: float) -> str:
    if age is None:
        return "missing"
    return "stale" if age > stale_after else "ok"


def freshness(snapshot: Snapshot, max_dataset_age_s: float, now: dt.datetime) -> Freshness:
    items = []
    for source in snapshot.sources:
        age = (now - source.last_fetched_at).total_seconds() if source.last_fetched_at else None
        items.append(
            FreshnessItem(
                name=source.source,
                kind="source",
                last_at=source.last_fetched_at,
                age_s=age,
                expected_every_s=source.expected_every_s,
                stale_after_s=source.stale_after_s,
                status=_status(age, source.stale_after_s),
            )
        )
    for name, entry in sorted(snapshot.manifest.datasets.items()):
        moment = dt.datetime.fromisoformat(entry.created_at.replace("Z", "+00:00"))
        age = (now - moment).total_seconds()
        items.append(
            FreshnessItem(
                name=name,
                kind="dataset",
                last_at=moment,
                age_s=age,
                expected_every_s=DATASET_EVERY_S,
                stale_after_s=int(max_dataset_age_s),
                status=_status(age, max_dataset_age_s),
            )
        )
    stale = sum(item.status != "ok" for item in items)
    return Freshness(publication_id=snapshot.publication_id, checked_at=now, stale=stale, items=items)


def system_status(request: Request, snapshot: Snapshot, now: dt.datetime) -> SystemStatus:
    metrics = metrics_of(request)
    publications: Publications = request.app.state.publications
    p50, p95 = metrics.latency.quantile(0.5), metrics.latency.quantile(0.95)
    return SystemStatus(
        started_at=dt.datetime.fromtimestamp(metrics.started, dt.UTC),
        uptime_s=now.timestamp() - metrics.started,
        worker_pid=os.getpid(),
        publication_id=snapshot.publication_id,
        published_at=snapshot.published_at,
        publication_age_s=(now - snapshot.published_at).total_seconds(),
        model=model_label(snapshot),
        cache_entries=len(snapshot.responses),
        cache_hit_rate=metrics.cache_hit_rate(),
        requests_today=metrics.requests_today.current(),
        predictions_served_today=metrics.predictions_today.current(),
        latency_p50_ms=p50 * 1000 if p50 is not None else None,
        latency_p95_ms=p95 * 1000 if p95 is not None else None,
        reloads_ok=publications.reloads_ok,
        reloads_failed=publications.reloads_failed,
        last_reload_error=publications.last_error,
    )


def health_status(publications: Publications, now: dt.datetime) -> HealthStatus:
    health = publications.health(now)
    current = publications.current
    return HealthStatus(
        status=health.status,  # type: ignore[arg-type]
        reasons=list(health.reasons),
        publication_id=current.publication_id if current else None,
        publication_age_s=(now - current.published_at).total_seconds() if current else None,
    )


class MonitoringController(Controller):
    path = "/monitoring"
    tags = ["monitoring"]
    security = [{"ApiKey": []}]
    dependencies = {"snapshot": Provide(snapshot_of, sync_to_thread=False)}

    @get(
        "/drift",
        sync_to_thread=False,
        summary="Drift summary, per-feature scores, league-level drift",
        responses=documented(*PROTECTED_ERRORS),
    )
    def drift(self, request: Request, snapshot: Snapshot) -> Response[DriftView]:
        def build() -> tuple[bytes, int]:
            ranked = sorted(
                snapshot.drift,
                key=lambda d: (not d.drifted, -(d.score if d.p_value is None else 1 - d.score)),
            )
            body = DriftView(
                publication_id=snapshot.publication_id,
                summary=snapshot.drift_summary,
                features=[d for d in ranked if d.kind == "features"],
                predictions=[d for d in ranked if d.kind == "predictions"],
                leagues=snapshot.drift_summary.leagues if snapshot.drift_summary else [],
            )
            return ENCODER.encode(body), 0

        return cached(request, snapshot, ("drift",), build)

    @get(
        "/drift/report",
        sync_to_thread=False,
        media_type=MediaType.HTML,
        summary="The Evidently drift report (HTML)",
        responses=documented(404, *PROTECTED_ERRORS),
    )
    def drift_report(self, request: Request, snapshot: Snapshot) -> Response[str]:
        html = snapshot.artifacts.get("drift_report_html")
        if html is None:
            raise NotFoundException("no drift report is published yet")
        return cached(request, snapshot, ("drift-report",), lambda: (html, 0), media_type="text/html")

    @get(
        "/quality",
        sync_to_thread=False,
        summary="Live quality beside the market, and the holdout",
        responses=documented(*PROTECTED_ERRORS),
    )
    def quality(self, request: Request, snapshot: Snapshot) -> Response[QualityView]:
        body = QualityView(
            publication_id=snapshot.publication_id,
            model_version=snapshot.model.version,
            live=snapshot.quality,
            holdout=snapshot.evaluation,
        )
        return cached(request, snapshot, ("quality",), lambda: (ENCODER.encode(body), 0))

    @get(
        "/model-health",
        sync_to_thread=False,
        summary="Scores, model-minus-market divergence, league drift",
        responses=documented(*PROTECTED_ERRORS),
    )
    def model_health(self, request: Request, snapshot: Snapshot) -> Response[ModelHealth]:
        def build() -> tuple[bytes, int]:
            summary = snapshot.drift_summary
            body = ModelHealth(
                publication_id=snapshot.publication_id,
                model=model_label(snapshot),
                scores=headline_scores(snapshot),
                divergence=divergence(snapshot),
                drift_share=summary.features.drift_share if summary else None,
                league_drift=summary.leagues if summary else [],
            )
            return ENCODER.encode(body), 0

        return cached(request, snapshot, ("model-health",), build)

    @get(
        "/freshness",
        sync_to_thread=False,
        summary="Age of every source and published dataset",
        responses=documented(*PROTECTED_ERRORS),
    )
    def freshness(self, request: Request, snapshot: Snapshot) -> Response[Freshness]:
        now = dt.datetime.now(dt.UTC)
        return fresh(freshness(snapshot, request.app.state.settings.max_publication_age_s, now))

    @get(
        "/system",
        sync_to_thread=False,
        summary="This API process: uptime, publication, cache, traffic",
        responses=documented(*PROTECTED_ERRORS),
    )
    def system(self, request: Request, snapshot: Snapshot) -> Response[SystemStatus]:
        return fresh(system_status(request, snapshot, dt.datetime.now(dt.UTC)))

    @get(
        "/dashboard",
        sync_to_thread=False,
        summary="The headline of every monitoring view in one call",
        responses=documented(*PROTECTED_ERRORS),
    )
    def dashboard(self, request: Request, snapshot: Snapshot) -> Response[Dashboard]:
        now = dt.datetime.now(dt.UTC)
        cards = snapshot.cards
        view = freshness(snapshot, request.app.state.settings.max_publication_age_s, now)
        body = Dashboard(
            health=health_status(request.app.state.publications, now),
            system=system_status(request, snapshot, now),
            model=model_label(snapshot),
            scores=headline_scores(snapshot),
            upcoming=int(cards.upcoming.sum()),
            upcoming_value_bets=int((cards.upcoming & cards.value).sum()),
            backtest=[
                BacktestHeadline(
                    strategy=r.strategy,
                    bets=r.bets,
                    yield_=r.yield_,
                    yield_ci_low=r.yield_ci_low,
                    yield_ci_high=r.yield_ci_high,
                    hit_rate=r.hit_rate,
                )
                for r in snapshot.region_roi
                if r.level == "overall"
            ],
            drift_share=snapshot.drift_summary.features.drift_share if snapshot.drift_summary else None,
            stale=[item.name for item in view.items if item.status != "ok"],
        )
        return fresh(body)

    @get(
        "/task_status/{task_id:str}",
        summary="State of an asynchronous prediction task: pending, running, done (with result) or failed",
        responses=documented(404, *PROTECTED_ERRORS),
    )
    async def task_status(
        self, request: Request, task_id: Annotated[str, Parameter(max_length=64)]
    ) -> Response[TaskStatus]:
        state = await request.app.state.tasks.status(task_id)
        if state is None:
            raise NotFoundException(f"no task {task_id!r} (unknown, or its result expired)")
        return fresh(msgspec.convert(state, TaskStatus))
