"""Grafana dashboards (deploy/grafana/*.json): no Grafana server runs here, so the tests check
what can be checked: a valid dashboard, unique panel ids, a data source variable, every query
parses (promtool), and every metric a dashboard or an alert rule names is really exported by
the running API (scraped) or by the pipeline's textfile."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.tools import DEPLOY, run, tool
from tests.serving.conftest import API_KEY

DASHBOARDS = {
    "soccer-ml-quality.json": "Soccer: ML quality and betting",
    "soccer-service.json": "Soccer: service",
}
# what each dashboard must show (a panel title containing each phrase)
REQUIRED_PANELS = {
    "soccer-ml-quality.json": [
        "Log loss",
        "Brier",
        "calibration error",
        "ROI",
        "Closing-line value by region",
        "Value bets",
        "Drift share",
    ],
    "soccer-service.json": [
        "Request rate",
        "p50 / p95 / p99",
        "Error rate",
        "cache hit ratio",
        "reloads",
        "Publication age",
        "On-demand prediction",
        "Predictions served",
    ],
}
# Grafana's variables, as a dashboard would expand them
VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h", "$job": "soccer-api"}
FUNCTIONS = {
    "abs", "absent", "avg_over_time", "ceil", "clamp_min", "clamp_max", "count_over_time", "delta",
    "floor", "histogram_quantile", "increase", "irate", "label_values", "max_over_time",
    "min_over_time", "rate", "round", "scalar", "sort", "sort_desc", "sum_over_time", "time",
    "vector", "sum", "avg", "max", "min", "count", "topk", "bottomk", "quantile", "stddev",
}  # fmt: skip
KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
}
TARGET_LABELS = {"job", "instance"}  # added by Prometheus to every scraped series


def load(name: str) -> dict:
    return json.loads((DEPLOY / "grafana" / name).read_text())


def panels(dashboard: dict) -> list[dict]:
    out = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target, Grafana variables expanded."""
    queries = []
    for name in DASHBOARDS:
        for panel in panels(load(name)):
            for target in panel.get("targets", []):
                expr = target["expr"]
                for variable, value in VARIABLES.items():
                    expr = expr.replace(variable, value)
                queries.append((f"{name} panel {panel['id']} {target['refId']}", expr))
    return queries


def rule_queries() -> list[tuple[str, str]]:
    document = yaml.safe_load((DEPLOY / "prometheus" / "rules.yml").read_text())
    return [
        (f"rule {rule['alert']}", rule["expr"]) for group in document["groups"] for rule in group["rules"]
    ]


def selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names it is filtered on) of every series selector in ``expr``."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string literals
    text = re.sub(r"\[[^\]]*\]", "", text)  # range and subquery durations
    found = []
    for match in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?", text):
        name, matchers = match.group(1), match.group(2) or ""
        before = text[: match.start()].rstrip()
        if name in FUNCTIONS or name in KEYWORDS or re.fullmatch(r"\d+[smhdwy]?|e", name):
            continue
        if re.search(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*$", before):
            continue  # a label name inside a grouping clause
        found.append((name, set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matchers))))
    return found


# --- structure ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_structure(name: str) -> None:
    dashboard = load(name)
    assert dashboard["title"] == DASHBOARDS[name]
    assert dashboard["uid"] == name.removesuffix(".json")
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 36
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["job"]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    all_panels = panels(dashboard)
    ids = [panel["id"] for panel in all_panels]
    assert len(ids) == len(set(ids)), "duplicate panel ids"
    for panel in all_panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]
        assert panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert refs and len(refs) == len(set(refs)), panel["title"]
        assert all(target["expr"].strip() for target in panel["targets"]), panel["title"]
    # panels do not overlap
    cells = set()
    for panel in all_panels:
        grid = panel["gridPos"]
        cell = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & cell, f"panel {panel['id']} overlaps another"
        cells |= cell
    titles = " | ".join(panel["title"] for panel in all_panels)
    for phrase in REQUIRED_PANELS[name]:
        assert phrase.lower() in titles.lower(), phrase


def _check_exprs(queries: list[tuple[str, str]], folder: Path):
    rules = {
        "groups": [
            {
                "name": "dashboard-queries",
                "rules": [
                    {"record": f"dashboard:query_{index}", "expr": expr, "labels": {"where": where[:60]}}
                    for index, (where, expr) in enumerate(queries)
                ],
            }
        ]
    }
    path = folder / "queries.yml"
    path.write_text(yaml.safe_dump(rules))
    return run([tool("promtool"), "check", "rules", path])


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    queries = dashboard_queries()
    leftover = [(where, expr) for where, expr in queries if "$" in expr]
    assert not leftover, f"unknown Grafana variables: {leftover}"
    result = _check_exprs(queries, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries)} rules found" in result.stdout


def test_a_broken_query_is_caught(tmp_path: Path) -> None:
    result = _check_exprs([("broken", "sum by (route (rate(http_requests_total[1m]))")], tmp_path)
    assert result.returncode != 0


def test_selector_extraction() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, source) (rate(soccer_prediction_duration_seconds_bucket"
        '{job=~"soccer-api", route!~"/metrics|x"}[5m]))) - on (group) max(up) or on () vector(0)'
    )
    assert selectors(expr) == [
        ("soccer_prediction_duration_seconds_bucket", {"job", "route"}),
        ("up", set()),
    ]


# --- every metric named is really exported ------------------------------------------------


@dataclass
class Exported:
    labels: dict[str, set[str]]  # every declared series name -> the label names of its samples
    sampled: set[str]  # names with at least one sample


@pytest.fixture(scope="module")
def exported(live_api, pipeline_store) -> Exported:
    """What the running API's /metrics and the pipeline's textfile export."""
    with live_api.client(API_KEY) as client:
        assert client.get("/predict/cards/", params={"limit": 1}).status_code == 200
        assert client.get("/predict/cards/", params={"limit": 1}).status_code == 200  # a cache hit
        assert client.get("/healthcheck/ready").status_code == 200
        scrape = client.get("/metrics")
    assert scrape.status_code == 200
    textfile = pipeline_store.root.parent / "metrics" / "soccer.prom"
    assert textfile.exists(), "the pipeline wrote no Prometheus textfile"
    names: dict[str, set[str]] = {"up": set()}  # Prometheus's own series per target
    sampled = {"up"}
    for text in (scrape.text, textfile.read_text()):
        for family in text_string_to_metric_families(text):
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(
                family.type, [""]
            )
            for suffix in suffixes:
                names.setdefault(family.name + suffix, set())
            for sample in family.samples:
                names.setdefault(sample.name, set()).update(sample.labels)
                sampled.add(sample.name)
    return Exported(labels=names, sampled=sampled)


@pytest.mark.slow
def test_every_metric_in_dashboards_and_rules_is_exported(exported: Exported) -> None:
    missing, unknown_labels = [], []
    for where, expr in dashboard_queries() + rule_queries():
        for name, labels in selectors(expr):
            if name not in exported.labels:
                missing.append((where, name))
            elif name in exported.sampled and labels - TARGET_LABELS - exported.labels[name]:
                unknown_labels.append((where, name, sorted(labels - TARGET_LABELS - exported.labels[name])))
    assert not missing, f"not exported by the API or the pipeline: {missing}"
    assert not unknown_labels, f"filtered on labels the series do not have: {unknown_labels}"


@pytest.mark.slow
def test_the_publication_figures_the_alerts_need_are_exported(exported: Exported) -> None:
    for name in (
        "soccer_publication_age_seconds",
        "soccer_source_last_fetch_timestamp_seconds",
        "soccer_source_stale_after_seconds",
        "soccer_drift_share",
        "soccer_drift_threshold",
        "soccer_quality_logloss",
        "soccer_model_info",
    ):
        assert name in exported.sampled, f"{name} has no sample on the pipeline's publication"
    assert {"source", "scope", "group"} <= exported.labels["soccer_quality_logloss"]
    assert {"name", "version", "alias"} <= exported.labels["soccer_model_info"]
