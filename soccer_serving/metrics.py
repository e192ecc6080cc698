"""Prometheus metrics of the API, and the in-process figures behind ``/monitoring/system``.

Counters and histograms live in a registry per app (tests build several apps in one
process). Under ``soccer serve --workers N`` prometheus_client's multiprocess mode is on
(``PROMETHEUS_MULTIPROC_DIR``): every worker writes its values to that folder and
``/metrics`` merges them, whichever worker answers. Figures that describe the loaded
publication (its age, model, value bets, drift, quality, backtest) are not counters: a
collector derives them at scrape time from the snapshot, whose values were computed once
when it was loaded.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

# request latency buckets (seconds): the API answers from memory, most requests in < 5 ms
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
disable_created_metrics()  # no *_created series: half the exposition, nothing dashboards use


def multiprocess_enabled() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


@dataclass(frozen=True)
class GaugeValue:
    """A figure of the publication: ``name{labels} value``."""

    name: str
    documentation: str
    labels: tuple[tuple[str, str], ...]
    value: float


class LatencyWindow:
    """The durations of the most recent requests, for p50/p95 without a histogram's buckets."""

    def __init__(self, size: int = 2048):
        self._values: deque[float] = deque(maxlen=size)

    def add(self, seconds: float) -> None:
        self._values.append(seconds)

    def quantile(self, q: float) -> float | None:
        if not self._values:
            return None
        ordered = sorted(self._values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class DailyCounter:
    """A count that starts again at midnight UTC ("requests today"); one float compare per add."""

    def __init__(self) -> None:
        self.value = 0
        self._next_midnight = self._midnight_after(time.time())

    @staticmethod
    def _midnight_after(moment: float) -> float:
        return (int(moment) // 86400 + 1) * 86400.0

    def add(self, amount: int = 1) -> None:
        now = time.time()
        if now >= self._next_midnight:
            self.value, self._next_midnight = 0, self._midnight_after(now)
        self.value += amount

    def current(self) -> int:
        return self.value if time.time() < self._next_midnight else 0


class PublicationCollector(Collector):
    """``soccer_publication_*``, ``soccer_model_info`` and the publication's figures, at scrape time."""

    def __init__(self, snapshot: Callable[[], object | None]):
        self._snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily | InfoMetricFamily]:
        snapshot = self._snapshot()
        loaded = GaugeMetricFamily("soccer_publication_loaded", "1 once a publication is being served")
        loaded.add_metric([], 0 if snapshot is None else 1)
        yield loaded
        if snapshot is None:
            return
        age = GaugeMetricFamily("soccer_publication_age_seconds", "seconds since the served publication")
        age.add_metric([], max(0.0, time.time() - snapshot.published_at.timestamp()))
        yield age
        info = InfoMetricFamily("soccer_publication", "the publication being served")
        info.add_metric([], {"publication_id": snapshot.publication_id})
        yield info
        model = InfoMetricFamily("soccer_model", "the model whose predictions are served")
        model.add_metric([], {k: str(v or "") for k, v in snapshot.model_labels().items()})
        yield model
        families: dict[str, GaugeMetricFamily] = {}
        for gauge in snapshot.gauges:
            family = families.get(gauge.name)
            if family is None:
                family = families[gauge.name] = GaugeMetricFamily(
                    gauge.name, gauge.documentation, labels=[k for k, _ in gauge.labels]
                )
            family.add_metric([v for _, v in gauge.labels], gauge.value)
        yield from families.values()


class ApiMetrics:
    """Every metric the API process updates, bound to one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "time from request to the last byte of the response",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.reloads = Counter(
            "soccer_reloads_total", "publication reload attempts", ["outcome"], registry=self.registry
        )
        self.cache = Counter(
            "soccer_cache_requests_total", "response cache lookups", ["result"], registry=self.registry
        )
        self.predictions = Counter(
            "soccer_predictions_total", "predictions returned", ["source"], registry=self.registry
        )
        self.prediction_duration = Histogram(
            "soccer_prediction_duration_seconds",
            "time to produce a prediction response",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "soccer_task_queue_depth",
            "asynchronous prediction tasks waiting or running",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.tasks = Counter(
            "soccer_tasks_total",
            "asynchronous prediction tasks by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], tuple[object, object]] = {}
        self._cache_children = {True: self.cache.labels("hit"), False: self.cache.labels("miss")}
        self._prediction_children: dict[str, object] = {}
        self.latency = LatencyWindow()
        self.requests_today = DailyCounter()
        self.predictions_today = DailyCounter()
        self.cache_hits = 0
        self.cache_misses = 0
        self.started = time.time()
        self.publication_collector: PublicationCollector | None = None

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            if len(self._children) > 5000:  # routes are templates; this only guards against a bug
                self._children.clear()
            label = str(status)
            children = self._children[key] = (
                self.requests.labels(method, route, label),
                self.duration.labels(method, route, label),
            )
        children[0].inc()  # type: ignore[attr-defined]
        children[1].observe(seconds)  # type: ignore[attr-defined]
        self.latency.add(seconds)
        self.requests_today.add()

    def cache_lookup(self, hit: bool) -> None:
        if hit:
            self.cache_hits += 1
        else:
            self.cache_misses += 1
        self._cache_children[hit].inc()

    def served_predictions(self, source: str, count: int, seconds: float | None = None) -> None:
        if count:
            child = self._prediction_children.get(source)
            if child is None:
                child = self._prediction_children[source] = self.predictions.labels(source)
            child.inc(count)  # type: ignore[attr-defined]
            self.predictions_today.add(count)
        if seconds is not None:
            self.prediction_duration.labels(source).observe(seconds)

    def exposition(self) -> bytes:
        """The text format: this process's registry, or every worker's values merged."""
        if multiprocess_enabled():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        text = generate_latest(registry)
        if self.publication_collector is not None:
            live = CollectorRegistry()
            live.register(self.publication_collector)
            text += generate_latest(live)
        return text

    def cache_hit_rate(self) -> float | None:
        total = self.cache_hits + self.cache_misses
        return self.cache_hits / total if total else None
