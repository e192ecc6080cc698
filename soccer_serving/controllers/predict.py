"""``/predict``: published predictions, cards, odds, region ROI, upcoming matches, the model.

Every answer comes from the snapshot the request started on and names its
``publication_id``. List endpoints share one set of filters (``MatchFilter``) and page
with ``limit``/``offset``; ``total`` counts every match that passed the filters.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException, TooManyRequestsException
from litestar.params import Parameter

from soccer_assets.storage.contract import Card
from soccer_serving.on_demand import RequestProblem
from soccer_serving.predicting import (
    published_match,
    request_key,
    requested_matches,
    require_model,
    validate_requests,
)
from soccer_serving.problems import PROTECTED_ERRORS, documented
from soccer_serving.queries import LeagueCode, MatchFilter, StatusFilter, page_param
from soccer_serving.responses import ENCODER, cached, fresh, metrics_of, snapshot_of
from soccer_serving.schemas import (
    BatchPrediction,
    BatchRequest,
    CardsPage,
    LatestOdds,
    MatchesPage,
    MatchSummary,
    ModelInfo,
    OddsHistory,
    OddsPage,
    OnDemandPrediction,
    PrecomputedPrediction,
    PredictionsPage,
    PredictRequest,
    Provenance,
    RegionRoiList,
    TaskAccepted,
)
from soccer_serving.snapshot import MatchIndex, Snapshot
from soccer_serving.tasks import QueueFull

DEFAULT_LIMIT = 100
MAX_LIMIT = 5000  # also bounded by SOCCER_API_MAX_PAGE_SIZE

League = Annotated[
    list[LeagueCode] | None,  # type: ignore[valid-type]
    Parameter(description="football-data league code, e.g. E0; repeat for several (league=E0&league=D1)"),
]
Region = Annotated[
    str | None, Parameter(description="country, e.g. England (case-insensitive)", max_length=80)
]
Status = Annotated[StatusFilter, Parameter(description="upcoming, finished or all")]
DateFrom = Annotated[dt.date | None, Parameter(description="first kickoff date (inclusive)")]
DateTo = Annotated[dt.date | None, Parameter(description="last kickoff date (inclusive)")]
Team = Annotated[
    str | None, Parameter(description="part of either team's name (case-insensitive)", max_length=80)
]
Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description="page size")]
Offset = Annotated[int, Parameter(ge=0, le=10_000_000, description="rows to skip")]
MatchId = Annotated[str, Parameter(max_length=200, description="e.g. E0_2026-05-02_arsenal_fulham")]
Explain = Annotated[
    bool, Parameter(description="add the top feature contributions where the family has them")
]
Top = Annotated[int, Parameter(ge=1, le=20, description="contributions per outcome")]


def _page(request: Request, limit: int, offset: int) -> tuple[int, int]:
    return page_param(limit, offset, min(MAX_LIMIT, request.app.state.settings.max_page_size))


def _encode_page(
    page_type: type[msgspec.Struct], snapshot: Snapshot, encoded: list[bytes], limit: int, offset: int
) -> bytes:
    window = [msgspec.Raw(item) for item in encoded[offset : offset + limit]]
    return ENCODER.encode(
        page_type(
            publication_id=snapshot.publication_id,
            total=len(encoded),
            limit=limit,
            offset=offset,
            items=window,
        )
    )


def _latest_odds(card: Card) -> LatestOdds | None:
    if card.odds_home is None or card.odds_draw is None or card.odds_away is None or card.odds_source is None:
        return None
    return LatestOdds(
        match_id=card.match_id,
        league=card.league,
        kickoff_date=card.kickoff_date,
        kickoff_utc=card.kickoff_utc,
        home_team=card.home_team,
        away_team=card.away_team,
        status=card.status,
        odds_home=card.odds_home,
        odds_draw=card.odds_draw,
        odds_away=card.odds_away,
        odds_source=card.odds_source,
        odds_snapshot_at=card.odds_snapshot_at,
        market_home=card.market_home,
        market_draw=card.market_draw,
        market_away=card.market_away,
        overround=card.overround,
    )


def _summary(card: Card) -> MatchSummary:
    return MatchSummary(
        match_id=card.match_id,
        league=card.league,
        league_name=card.league_name,
        region=card.region,
        season=card.season,
        kickoff_date=card.kickoff_date,
        kickoff_utc=card.kickoff_utc,
        home_team=card.home_team,
        away_team=card.away_team,
    )


def _selected(index: MatchIndex, query: MatchFilter) -> list[bytes]:
    return [index.encoded[i] for i in index.select(query)]


class PredictController(Controller):
    path = "/predict"
    tags = ["predict"]
    security = [{"ApiKey": []}]
    dependencies = {"snapshot": Provide(snapshot_of, sync_to_thread=False)}

    @get(
        "/predictions",
        sync_to_thread=False,
        summary="Published predictions, filtered and paged",
        responses=documented(*PROTECTED_ERRORS),
    )
    def predictions(
        self,
        request: Request,
        snapshot: Snapshot,
        league: League = None,
        region: Region = None,
        status: Status = "all",
        date_from: DateFrom = None,
        date_to: DateTo = None,
        team: Team = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Response[PredictionsPage]:
        query = MatchFilter.build(
            league=league, region=region, status=status, date_from=date_from, date_to=date_to, team=team
        )
        limit, offset = _page(request, limit, offset)

        def build() -> tuple[bytes, int]:
            rows = _selected(snapshot.predictions, query)
            return _encode_page(PredictionsPage, snapshot, rows, limit, offset), len(
                rows[offset : offset + limit]
            )

        return cached(request, snapshot, ("predictions", query, limit, offset), build)

    @get(
        "/precomputed/{match_id:str}",
        sync_to_thread=False,
        summary="One match's published prediction",
        responses=documented(404, *PROTECTED_ERRORS),
    )
    def precomputed(
        self, request: Request, snapshot: Snapshot, match_id: MatchId
    ) -> Response[PrecomputedPrediction]:
        position = snapshot.predictions.position.get(match_id)
        if position is None:
            raise NotFoundException(f"no published prediction for match {match_id!r}")

        def build() -> tuple[bytes, int]:
            prediction = snapshot.predictions.items[position]
            entry = snapshot.manifest.entry("predictions")
            provenance = Provenance(
                model_name=prediction.model_name,
                model_version=prediction.model_version,
                model_alias=prediction.model_alias,
                model_family=prediction.model_family,
                features_version=prediction.features_version,
                predicted_at=prediction.predicted_at,
                dataset="predictions",
                dataset_sha256=entry.sha256,
                dataset_publication_id=entry.publication_id,
                dagster_run_id=entry.provenance.get("dagster_run_id"),
            )
            body = PrecomputedPrediction(
                publication_id=snapshot.publication_id, prediction=prediction, provenance=provenance
            )
            return ENCODER.encode(body), 1

        return cached(request, snapshot, ("precomputed", match_id), build)

    @get(
        "/cards",
        sync_to_thread=False,
        summary="Predictions beside the market: odds, edges, value flags",
        responses=documented(*PROTECTED_ERRORS),
    )
    def cards(
        self,
        request: Request,
        snapshot: Snapshot,
        league: League = None,
        region: Region = None,
        status: Status = "all",
        date_from: DateFrom = None,
        date_to: DateTo = None,
        team: Team = None,
        value_only: Annotated[bool, Parameter(description="only cards with a value bet")] = False,
        min_edge_pp: Annotated[
            float | None,
            Parameter(
                ge=-100, le=100, description="largest edge of the card at least this (percentage points)"
            ),
        ] = None,
        min_region_roi: Annotated[
            float | None,
            Parameter(
                ge=-1,
                le=100,
                description="hide regions whose backtest yield of all picks is below this (0.05 = 5 %)",
            ),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Response[CardsPage]:
        query = MatchFilter.build(
            league=league,
            region=region,
            status=status,
            date_from=date_from,
            date_to=date_to,
            team=team,
            value_only=value_only,
            min_edge_pp=min_edge_pp,
            min_region_roi=min_region_roi,
        )
        limit, offset = _page(request, limit, offset)

        def build() -> tuple[bytes, int]:
            rows = _selected(snapshot.cards, query)
            return _encode_page(CardsPage, snapshot, rows, limit, offset), len(rows[offset : offset + limit])

        return cached(request, snapshot, ("cards", query, limit, offset), build)

    @get(
        "/region-roi",
        sync_to_thread=False,
        summary="Backtest ROI per region and league",
        responses=documented(*PROTECTED_ERRORS),
    )
    def region_roi(self, request: Request, snapshot: Snapshot) -> Response[RegionRoiList]:
        return cached(
            request,
            snapshot,
            ("region-roi",),
            lambda: (
                ENCODER.encode(
                    RegionRoiList(publication_id=snapshot.publication_id, items=snapshot.region_roi)
                ),
                0,
            ),
        )

    @get(
        "/odds",
        sync_to_thread=False,
        summary="Latest pre-match odds per match, or one match's history",
        responses=documented(404, *PROTECTED_ERRORS),
    )
    def odds(
        self,
        request: Request,
        snapshot: Snapshot,
        match_id: Annotated[
            str | None, Parameter(max_length=200, description="one match's quote history")
        ] = None,
        league: League = None,
        status: Status = "all",
        date_from: DateFrom = None,
        date_to: DateTo = None,
        team: Team = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Response[OddsPage | OddsHistory]:
        if match_id is not None:
            position = snapshot.cards.position.get(match_id)
            if position is None:
                raise NotFoundException(f"no published match {match_id!r}")
            card = snapshot.cards.items[position]
            history = OddsHistory(
                publication_id=snapshot.publication_id,
                match_id=match_id,
                latest=_latest_odds(card),
                history=snapshot.odds_history.get(match_id, []),
            )
            return cached(request, snapshot, ("odds", match_id), lambda: (ENCODER.encode(history), 0))
        query = MatchFilter.build(
            league=league, status=status, date_from=date_from, date_to=date_to, team=team
        )
        limit, offset = _page(request, limit, offset)

        def build() -> tuple[bytes, int]:
            latest = [_latest_odds(snapshot.cards.items[i]) for i in snapshot.cards.select(query)]
            rows = [ENCODER.encode(o) for o in latest if o is not None]
            return _encode_page(OddsPage, snapshot, rows, limit, offset), 0

        return cached(request, snapshot, ("odds", query, limit, offset), build)

    @get(
        "/matches", sync_to_thread=False, summary="Upcoming matches", responses=documented(*PROTECTED_ERRORS)
    )
    def matches(
        self,
        request: Request,
        snapshot: Snapshot,
        league: League = None,
        region: Region = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        team: Team = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Response[MatchesPage]:
        query = MatchFilter.build(
            league=league, region=region, status="upcoming", date_from=date_from, date_to=date_to, team=team
        )
        limit, offset = _page(request, limit, offset)

        def build() -> tuple[bytes, int]:
            rows = [ENCODER.encode(_summary(snapshot.cards.items[i])) for i in snapshot.cards.select(query)]
            return _encode_page(MatchesPage, snapshot, rows, limit, offset), 0

        return cached(request, snapshot, ("matches", query, limit, offset), build)

    @get(
        "/model/info",
        sync_to_thread=False,
        summary="The serving model: version, training, holdout, features",
        responses=documented(*PROTECTED_ERRORS),
    )
    def model_info(self, request: Request, snapshot: Snapshot) -> Response[ModelInfo]:
        return cached(
            request,
            snapshot,
            ("model-info",),
            lambda: (
                ENCODER.encode(
                    ModelInfo(
                        publication_id=snapshot.publication_id,
                        model=snapshot.model,
                        holdout=snapshot.evaluation,
                    )
                ),
                0,
            ),
        )

    # -- on demand (scored in this process by the serving model) ----------------------------

    @post(
        "/",
        status_code=200,
        sync_to_thread=False,
        summary="Score any match: league, two teams, optional date and odds (a cup tie, a what-if)",
        responses=documented(422, *PROTECTED_ERRORS),
    )
    def predict(
        self,
        request: Request,
        snapshot: Snapshot,
        data: PredictRequest,
        explain: Explain = False,
        top: Top = 5,
    ) -> Response[OnDemandPrediction]:
        require_model(snapshot)

        def build() -> tuple[bytes, int]:
            started = time.perf_counter()
            body = requested_matches(snapshot, [data], explain, top)[0]
            metrics_of(request).served_predictions("on_demand", 0, time.perf_counter() - started)
            return ENCODER.encode(body), 1

        key = (
            "predict",
            snapshot.serving.version if snapshot.serving else None,
            request_key(data),
            explain,
            top,
        )
        return cached(request, snapshot, key, build, source="on_demand")

    @post(
        "/batch",
        status_code=200,
        sync_to_thread=False,
        summary="Score up to SOCCER_API_BATCH_MAX matches in one call",
        responses=documented(422, *PROTECTED_ERRORS),
    )
    def batch(
        self, request: Request, snapshot: Snapshot, data: BatchRequest, top: Top = 5
    ) -> Response[BatchPrediction]:
        _check_batch(request, data)
        started = time.perf_counter()
        items = requested_matches(snapshot, data.items, data.explain, top, field_prefix="items")
        metrics_of(request).served_predictions("batch", len(items), time.perf_counter() - started)
        return fresh(BatchPrediction(publication_id=snapshot.publication_id, items=items))

    @post(
        "/async",
        status_code=202,
        summary="Queue a batch; poll GET /monitoring/task_status/{task_id} for the result",
        responses=documented(422, *PROTECTED_ERRORS),
    )
    async def submit(
        self, request: Request, snapshot: Snapshot, data: BatchRequest
    ) -> Response[TaskAccepted]:
        _check_batch(request, data)
        validate_requests(snapshot, data.items, field_prefix="items")  # a bad name fails now, not later
        try:
            task_id = await request.app.state.tasks.submit(msgspec.to_builtins(data))
        except QueueFull as exc:
            raise TooManyRequestsException(
                f"the task queue is full: {exc}", headers={"Retry-After": "5"}
            ) from None
        body = TaskAccepted(
            task_id=task_id, status="pending", status_url=f"/monitoring/task_status/{task_id}"
        )
        return fresh(body, status_code=202)

    @get(
        "/{match_id:str}",
        sync_to_thread=False,
        summary="One match now: upcoming scored by the serving model, finished as predicted before kickoff",
        responses=documented(404, *PROTECTED_ERRORS),
    )
    def match(
        self, request: Request, snapshot: Snapshot, match_id: MatchId, explain: Explain = True, top: Top = 5
    ) -> Response[OnDemandPrediction]:
        def build() -> tuple[bytes, int]:
            started = time.perf_counter()
            body = published_match(snapshot, match_id, explain, top)
            metrics_of(request).served_predictions("on_demand", 0, time.perf_counter() - started)
            return ENCODER.encode(body), 1

        return cached(request, snapshot, ("match", match_id, explain, top), build, source="on_demand")


def _check_batch(request: Request, data: BatchRequest) -> None:
    limit = request.app.state.settings.batch_max
    if len(data.items) > limit:
        raise RequestProblem(
            "items", f"{len(data.items)} requests; a batch takes at most {limit} (SOCCER_API_BATCH_MAX)"
        )
