"""One publication, held in memory for serving: decoded once, filtered by index, encoded once.

A ``Snapshot`` is built from a single manifest (every dataset it lists, checksums
verified) and never changes afterwards; the reloader swaps the whole object when a new
publication appears, so a request that started on one snapshot finishes on it. Lists are
held in serving order with numpy columns to filter on, and each row is encoded to JSON
once, so a page is a join of ready bytes. Responses are cached per snapshot: a new
publication starts with an empty cache, which is all the invalidation there is.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import msgspec
import numpy as np
import polars as pl

from soccer_assets.lib.leagues import region as region_of
from soccer_assets.lib.models.serving import ServingModel
from soccer_assets.lib.price_rule import PRE_MATCH_ORDER
from soccer_assets.storage import contract
from soccer_assets.storage.published import Manifest, PublishedStore, PublishedStoreError
from soccer_serving.metrics import GaugeValue
from soccer_serving.on_demand import OnDemandModel, merged_aliases
from soccer_serving.queries import MatchFilter

REQUIRED = ("cards", "predictions", "model_info")
OPTIONAL_TABLES = (
    "team_state",
    "upcoming_features",
    "pre_kickoff_predictions",
    "odds_history",
    "region_roi",
    "backtest_bets",
    "quality",
    "model_evaluation",
    "drift",
    "sources",
)
OPTIONAL_DOCUMENTS = ("drift_summary", "serving_model")
ARTIFACTS = ("drift_report_html", "quality_report_html", "serving_estimator")
_ENCODER = msgspec.json.Encoder()
T = TypeVar("T", contract.Card, contract.Prediction)


class IncompletePublication(PublishedStoreError):
    """The manifest lacks a dataset the API cannot serve without."""


@dataclass(frozen=True)
class CachedResponse:
    body: bytes
    etag: bytes
    media_type: bytes
    route: str
    predictions: int = 0  # predictions in the body, for the served-predictions counters
    source: str = "precomputed"


class ResponseCache:
    """LRU of encoded responses, bounded by entries and bytes; used from the event loop only.

    Entries are found by their normalised key (route + filter) and by the raw request
    (path + query string), so the gateway can answer a repeated request without parsing it.
    """

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[object, CachedResponse] = OrderedDict()
        self._raw: dict[tuple[str, bytes], object] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: object) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def get_raw(self, path: str, query: bytes) -> CachedResponse | None:
        key = self._raw.get((path, query))
        return None if key is None else self.get(key)

    def put(self, key: object, entry: CachedResponse, raw: tuple[str, bytes] | None = None) -> None:
        if self.max_entries <= 0 or len(entry.body) > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._entries[key] = entry
        self._bytes += len(entry.body)
        if raw is not None:
            self._raw[raw] = key
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)
        if len(self._raw) > 4 * self.max_entries:  # aliases of evicted entries
            self._raw = {raw: key for raw, key in self._raw.items() if key in self._entries}


def etag_for(publication_id: str, key: object) -> bytes:
    digest = hashlib.blake2b(f"{publication_id}|{key!r}".encode(), digest_size=12).hexdigest()
    return f'"{digest}"'.encode()


def _kickoff_order(items: Sequence[contract.Card | contract.Prediction]) -> list[int]:
    def key(i: int) -> tuple:
        item = items[i]
        moment = item.kickoff_utc or dt.datetime.combine(item.kickoff_date, dt.time(), dt.UTC)
        return (moment, item.match_id)

    return sorted(range(len(items)), key=key)


class MatchIndex(Generic[T]):
    """Rows about matches in serving order (kickoff, then match_id), with filter columns."""

    def __init__(self, items: list[T], region_yield: dict[str, float] | None = None):
        order = _kickoff_order(items)
        self.items: list[T] = [items[i] for i in order]
        self.encoded: list[bytes] = [_ENCODER.encode(item) for item in self.items]
        self.position: dict[str, int] = {item.match_id: i for i, item in enumerate(self.items)}
        regions = [getattr(item, "region", None) or region_of(item.league) for item in self.items]
        self.league = np.array([item.league for item in self.items], dtype=object)
        self.region = np.array([r.casefold() for r in regions], dtype=object)
        self.upcoming = np.array([item.status == "upcoming" for item in self.items], dtype=bool)
        self.day = np.array([item.kickoff_date.toordinal() for item in self.items], dtype=np.int64)
        self.teams = [f"{item.home_team}\n{item.away_team}".casefold() for item in self.items]
        self.value = np.array([bool(getattr(item, "value_outcome", None)) for item in self.items], dtype=bool)
        edges = [max((e for e in _edges(item) if e is not None), default=None) for item in self.items]
        self.max_edge = np.array([-np.inf if e is None else e for e in edges], dtype=float)
        yields = region_yield or {}
        self.region_yield = np.array([yields.get(r, np.nan) for r in regions], dtype=float)

    def __len__(self) -> int:
        return len(self.items)

    def select(self, query: MatchFilter) -> np.ndarray:
        """Positions of the rows that pass every filter, in serving order."""
        mask = np.ones(len(self.items), dtype=bool)
        if query.leagues:
            mask &= np.isin(self.league, query.leagues)
        if query.region is not None:
            mask &= self.region == query.region
        if query.status != "all":
            mask &= self.upcoming if query.status == "upcoming" else ~self.upcoming
        if query.date_from is not None:
            mask &= self.day >= query.date_from.toordinal()
        if query.date_to is not None:
            mask &= self.day <= query.date_to.toordinal()
        if query.value_only:
            mask &= self.value
        if query.min_edge_pp is not None:
            mask &= self.max_edge >= query.min_edge_pp
        if query.min_region_roi is not None:
            with np.errstate(invalid="ignore"):
                mask &= self.region_yield >= query.min_region_roi  # unknown ROI (NaN) never passes
        positions = np.flatnonzero(mask)
        if query.team is not None:
            team = query.team
            positions = np.array([i for i in positions if team in self.teams[i]], dtype=np.int64)
        return positions


def _edges(item: object) -> tuple[float | None, ...]:
    return tuple(getattr(item, f"edge_pp_{o}", None) for o in ("home", "draw", "away"))


@dataclass(frozen=True)
class Snapshot:
    manifest: Manifest
    published_at: dt.datetime
    loaded_at: dt.datetime
    cards: MatchIndex[contract.Card]
    predictions: MatchIndex[contract.Prediction]
    model: contract.ModelCard
    odds_history: dict[str, list[contract.OddsQuote]]
    region_roi: list[contract.RegionRoi]
    backtest_bets: list[contract.BacktestBet]
    quality: list[contract.QualityRow]
    evaluation: list[contract.EvaluationRow]
    drift: list[contract.FeatureDrift]
    drift_summary: contract.DriftSummary | None
    sources: list[contract.SourceFetch]
    artifacts: dict[str, bytes]
    gauges: list[GaugeValue]
    on_demand: OnDemandModel | None  # the serving model with team state; None if not published
    serving: contract.ServingDescriptor | None
    pre_kickoff: dict[str, contract.PreKickoffPrediction]
    responses: ResponseCache = field(compare=False)

    @property
    def publication_id(self) -> str:
        return self.manifest.publication_id

    @functools.cached_property
    def publication_id_bytes(self) -> bytes:
        return self.manifest.publication_id.encode()

    def model_labels(self) -> dict[str, str | None]:
        return {"name": self.model.name, "version": self.model.version, "alias": self.model.alias}

    def cached(
        self,
        key: object,
        build: Callable[[], tuple[bytes, int]],
        route: str,
        raw: tuple[str, bytes] | None,
        media_type: bytes = b"application/json",
        source: str = "precomputed",
    ) -> tuple[CachedResponse, bool]:
        """The response for ``key``, built and cached on first use; also says whether it was a hit."""
        entry = self.responses.get(key)
        if entry is not None:
            self.responses.put(key, entry, raw)  # remember this spelling of the request too
            return entry, True
        body, predictions = build()
        entry = CachedResponse(
            body, etag_for(self.publication_id, key), media_type, route, predictions, source
        )
        self.responses.put(key, entry, raw)
        return entry, False


def _region_yield(rows: list[contract.RegionRoi]) -> dict[str, float]:
    """Region -> yield of all picks in the backtest (what ``min_region_roi`` filters on)."""
    return {r.group: r.yield_ for r in rows if r.level == "region" and r.strategy == "all_picks"}


def _gauges(
    cards: MatchIndex[contract.Card],
    quality: list[contract.QualityRow],
    region_roi: list[contract.RegionRoi],
    drift: contract.DriftSummary | None,
    sources: list[contract.SourceFetch],
    model: contract.ModelCard,
    manifest: Manifest,
) -> list[GaugeValue]:
    """The publication's figures as gauges (computed once per snapshot, read at every scrape)."""
    out: list[GaugeValue] = []
    for status in ("upcoming", "finished"):
        rows = cards.upcoming if status == "upcoming" else ~cards.upcoming
        out.append(
            GaugeValue("soccer_cards", "published prediction cards", (("status", status),), float(rows.sum()))
        )
        out.append(
            GaugeValue(
                "soccer_value_bets",
                "cards whose best edge exceeds the value threshold",
                (("status", status),),
                float((rows & cards.value).sum()),
            )
        )
    if drift is not None:
        sets = {"features": drift.features, "predictions": drift.predictions}
        for kind, summary in sets.items():
            if summary is not None:
                labels = (("kind", kind),)
                out.append(
                    GaugeValue("soccer_drift_share", "share of drifted columns", labels, summary.drift_share)
                )
                out.append(
                    GaugeValue(
                        "soccer_drift_detected",
                        "1 if the dataset drifted",
                        labels,
                        float(summary.dataset_drift),
                    )
                )
        out.append(
            GaugeValue(
                "soccer_drift_threshold", "drift share that requests a retrain", (), drift.retrain_threshold
            )
        )
    for row in quality:
        if row.scope in ("overall", "league", "recent"):
            labels = (("source", row.source), ("scope", row.scope), ("group", row.group))
            for metric in ("logloss", "brier", "rps", "ece", "accuracy"):
                out.append(
                    GaugeValue(
                        f"soccer_quality_{metric}",
                        f"{metric} on finished matches",
                        labels,
                        getattr(row, metric),
                    )
                )
            out.append(
                GaugeValue("soccer_quality_matches", "finished matches scored", labels, float(row.matches))
            )
    for row in region_roi:
        labels = (("strategy", row.strategy), ("level", row.level), ("group", row.group))
        out.append(
            GaugeValue("soccer_backtest_yield", "flat-stake yield of the backtest", labels, row.yield_)
        )
        out.append(GaugeValue("soccer_backtest_bets", "bets in the backtest", labels, float(row.bets)))
        if row.mean_clv is not None:
            out.append(GaugeValue("soccer_backtest_clv", "mean closing-line value", labels, row.mean_clv))
    for source in sources:
        labels = (("source", source.source),)
        if source.last_fetched_at is not None:
            out.append(
                GaugeValue(
                    "soccer_source_last_fetch_timestamp_seconds",
                    "when the raw source was last fetched",
                    labels,
                    source.last_fetched_at.timestamp(),
                )
            )
        out.append(
            GaugeValue(
                "soccer_source_stale_after_seconds",
                "age at which the source is stale",
                labels,
                float(source.stale_after_s),
            )
        )
    for name, entry in manifest.datasets.items():
        moment = dt.datetime.fromisoformat(entry.created_at.replace("Z", "+00:00"))
        out.append(
            GaugeValue(
                "soccer_dataset_published_timestamp_seconds", "when the dataset was last published",
                (("dataset", name),), moment.timestamp(),
            )
        )  # fmt: skip
    if model.registered_at:
        out.append(
            GaugeValue(
                "soccer_model_registered_timestamp_seconds",
                "when the serving model version was registered",
                (("alias", model.alias or ""),),
                dt.datetime.fromisoformat(model.registered_at).timestamp(),
            )
        )
    return out


def _group_quotes(quotes: list[contract.OddsQuote]) -> dict[str, list[contract.OddsQuote]]:
    grouped: dict[str, list[contract.OddsQuote]] = {}
    for quote in quotes:
        grouped.setdefault(quote.match_id, []).append(quote)
    return grouped


def load_snapshot(
    store: PublishedStore, manifest: Manifest, *, cache_entries: int = 4096, cache_bytes: int = 256 * 2**20
) -> Snapshot:
    """Read and decode everything ``manifest`` lists (checksums verified) into a Snapshot."""
    missing = [name for name in REQUIRED if name not in manifest.datasets]
    if missing:
        raise IncompletePublication(f"publication {manifest.publication_id} lacks {missing}")
    tables = {name: store.read_table(name, manifest) for name in ("cards", "predictions")}
    for name in OPTIONAL_TABLES:
        if name in manifest.datasets:
            tables[name] = store.read_table(name, manifest)
    documents = {
        name: store.read_artifact(name, manifest)
        for name in ("model_info", *OPTIONAL_DOCUMENTS)
        if name in manifest.datasets
    }
    artifacts = {name: store.read_artifact(name, manifest) for name in ARTIFACTS if name in manifest.datasets}

    def table(name: str, struct: type) -> list:
        frame = tables.get(name)
        return [] if frame is None else contract.rows(frame, struct)

    region_roi = table("region_roi", contract.RegionRoi)
    model = msgspec.json.decode(documents["model_info"], type=contract.ModelCard)
    drift_summary = (
        msgspec.json.decode(documents["drift_summary"], type=contract.DriftSummary)
        if "drift_summary" in documents
        else None
    )
    cards = MatchIndex(table("cards", contract.Card), _region_yield(region_roi))
    serving, on_demand = None, None
    if "serving_model" in documents and "serving_estimator" in artifacts and "team_state" in tables:
        serving = msgspec.json.decode(documents["serving_model"], type=contract.ServingDescriptor)
        estimator = ServingModel(msgspec.to_builtins(serving), artifacts.pop("serving_estimator"))
        upcoming = tables.get("upcoming_features", pl.DataFrame())
        on_demand = OnDemandModel(
            estimator,
            tables["team_state"],
            upcoming,
            feature_odds(table("odds_history", contract.OddsQuote)),
            aliases=shared_aliases(),
        )
    quality = table("quality", contract.QualityRow)
    sources = table("sources", contract.SourceFetch)
    evaluation = table("model_evaluation", contract.EvaluationRow)
    if model.evaluation:  # the serving version's own holdout (model_evaluation may be a newer version's)
        evaluation = list(model.evaluation)
    return Snapshot(
        manifest=manifest,
        published_at=dt.datetime.fromisoformat(manifest.published_at.replace("Z", "+00:00")),
        loaded_at=dt.datetime.now(dt.UTC),
        cards=cards,
        predictions=MatchIndex(table("predictions", contract.Prediction)),
        model=model,
        odds_history=_group_quotes(table("odds_history", contract.OddsQuote)),
        region_roi=region_roi,
        backtest_bets=table("backtest_bets", contract.BacktestBet),
        quality=quality,
        evaluation=evaluation,
        drift=table("drift", contract.FeatureDrift),
        drift_summary=drift_summary,
        sources=sources,
        artifacts=artifacts,
        gauges=_gauges(cards, quality, region_roi, drift_summary, sources, model, manifest),
        on_demand=on_demand,
        serving=serving,
        pre_kickoff={p.match_id: p for p in table("pre_kickoff_predictions", contract.PreKickoffPrediction)},
        responses=ResponseCache(cache_entries, cache_bytes),
    )


@functools.cache
def shared_aliases():
    """The alias tables, read once per process (they are package data)."""
    return merged_aliases()


def feature_odds(quotes: list[contract.OddsQuote]) -> dict[str, tuple[tuple[float, float, float], str]]:
    """Per match, the football-data pre-match price its market features were computed from
    (``lib.features.market``'s book order), for on-demand requests about published fixtures."""
    rank = {book: k for k, book in enumerate(PRE_MATCH_ORDER)}
    best: dict[str, contract.OddsQuote] = {}
    for quote in quotes:
        if quote.source != "football-data" or quote.timing != "pre" or quote.book not in rank:
            continue
        held = best.get(quote.match_id)
        if held is None or rank[quote.book] < rank[held.book]:
            best[quote.match_id] = quote
    return {
        match_id: ((q.odds_home, q.odds_draw, q.odds_away), f"football-data:{q.book}")
        for match_id, q in best.items()
    }
