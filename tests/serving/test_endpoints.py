"""Every read endpoint of a real ``soccer serve`` process, checked against the published tables."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.serving.conftest import API_KEY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def publication(pipeline_store):
    return pipeline_store.published.read_publication()


@pytest.fixture(scope="module")
def client(api):
    with api.client() as c:
        yield c


def ok(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, (path, params, response.text[:500])
    return response.json()


def every_item(client, path: str, page: int = 97, **params) -> list[dict]:
    """All rows of a paged list, fetched page by page (checks totals on the way)."""
    items, offset, total = [], 0, None
    while True:
        body = ok(client, path, limit=page, offset=offset, **params)
        total = body["total"] if total is None else total
        assert body["total"] == total and body["limit"] == page and body["offset"] == offset
        items += body["items"]
        offset += page
        if offset >= total:
            assert len(items) == total
            return items


def serving_order(frame: pl.DataFrame) -> list[str]:
    kickoff = pl.coalesce("kickoff_utc", pl.col("kickoff_date").cast(pl.Datetime("us", "UTC")))
    return frame.sort(kickoff, "match_id")["match_id"].to_list()


def test_cards_are_the_published_cards_in_a_stable_order(client, publication):
    cards = publication.tables["cards"]
    items = every_item(client, "/predict/cards/")
    assert [c["match_id"] for c in items] == serving_order(cards)
    by_id = {row["match_id"]: row for row in cards.to_dicts()}
    for item in items:
        row = by_id[item["match_id"]]
        assert item["prob_home"] == pytest.approx(row["prob_home"]) and item["pick"] == row["pick"]
        assert item["odds_source"] == row["odds_source"] and item["value_outcome"] == row["value_outcome"]
        assert item["edge_pp_draw"] == pytest.approx(row["edge_pp_draw"], nan_ok=True)
        assert (item["home_goals"], item["result"], item["region"]) == (
            row["home_goals"],
            row["result"],
            row["region"],
        )
        assert item["model_version"] == publication.manifest.model["version"]
    assert {c["status"] for c in items} == {"upcoming", "finished"}
    assert all(
        c["odds_source"] for c in items if c["status"] == "upcoming"
    )  # every card says where odds came from


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"league": "E0"}, pl.col("league") == "E0"),
        ({"league": ["E0", "D1"]}, pl.col("league").is_in(["E0", "D1"])),
        ({"region": "germany"}, pl.col("region") == "Germany"),
        ({"status": "upcoming"}, pl.col("status") == "upcoming"),
        (
            {"status": "finished", "league": "D1"},
            (pl.col("status") == "finished") & (pl.col("league") == "D1"),
        ),
        (
            {"date_from": "2026-02-01", "date_to": "2026-02-28"},
            pl.col("kickoff_date").is_between(dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        ),
        (
            {"team": "ARSENAL"},
            pl.col("home_team").str.contains("Arsenal") | pl.col("away_team").str.contains("Arsenal"),
        ),
        ({"value_only": "true"}, pl.col("value_outcome").is_not_null()),
        ({"min_edge_pp": 4}, pl.max_horizontal("edge_pp_home", "edge_pp_draw", "edge_pp_away") >= 4),
    ],
)
def test_card_filters(client, publication, params, expected):
    cards = publication.tables["cards"]
    wanted = cards.filter(expected)
    assert wanted.height > 0, "the real slice should have rows for every filter tried here"
    items = every_item(client, "/predict/cards", page=500, **params)
    assert [c["match_id"] for c in items] == serving_order(wanted)


def test_min_region_roi_hides_regions_below_it(client, publication):
    roi = publication.tables["region_roi"].filter(
        (pl.col("level") == "region") & (pl.col("strategy") == "all_picks")
    )
    yields = dict(zip(roi["group"], roi["yield"], strict=True))
    assert set(yields) == {"England", "Germany"} and yields["England"] != yields["Germany"]
    threshold = (yields["England"] + yields["Germany"]) / 2
    better = max(yields, key=yields.__getitem__)
    items = every_item(client, "/predict/cards", page=1000, min_region_roi=threshold)
    assert {c["region"] for c in items} == {better}
    assert len(items) == publication.tables["cards"].filter(pl.col("region") == better).height
    assert ok(client, "/predict/cards", min_region_roi=max(yields.values()) + 0.01)["total"] == 0


def test_pages_are_windows_of_one_ordering(client):
    full = ok(client, "/predict/cards", limit=1000)
    window = ok(client, "/predict/cards", limit=7, offset=11)
    assert window["items"] == full["items"][11:18] and window["total"] == full["total"]
    beyond = ok(client, "/predict/cards", limit=5, offset=full["total"] + 3)
    assert beyond["items"] == [] and beyond["total"] == full["total"]
    empty_period = ok(client, "/predict/cards", date_from="2026-05-01", date_to="2026-04-01")
    assert empty_period["total"] == 0


def test_predictions_and_one_precomputed_prediction(client, publication):
    predictions = publication.tables["predictions"]
    items = every_item(client, "/predict/predictions", page=250)
    assert [p["match_id"] for p in items] == serving_order(predictions)
    upcoming = ok(client, "/predict/predictions", status="upcoming", limit=1000)
    assert upcoming["total"] == predictions.filter(pl.col("status") == "upcoming").height > 0

    row = predictions.filter(pl.col("status") == "upcoming").row(0, named=True)
    body = ok(client, f"/predict/precomputed/{row['match_id']}")
    again = ok(client, f"/predict/precomputed/{row['match_id']}/")  # trailing slash optional
    assert body == again and body["publication_id"] == publication.manifest.publication_id
    prediction, provenance = body["prediction"], body["provenance"]
    assert prediction["prob_away"] == pytest.approx(row["prob_away"])
    assert (provenance["model_name"], provenance["model_version"], provenance["model_alias"]) == (
        row["model_name"], row["model_version"], row["model_alias"],
    )  # fmt: skip
    assert provenance["features_version"] == row["features_version"]
    entry = publication.manifest.datasets["predictions"]
    assert provenance["dataset_sha256"] == entry.sha256 and provenance["dagster_run_id"]

    missing = client.get("/predict/precomputed/E0_2031-01-01_nobody_noone")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert "E0_2031-01-01_nobody_noone" in missing.json()["detail"]


def test_region_roi_odds_and_matches(client, publication):
    roi = ok(client, "/predict/region-roi")["items"]
    table = publication.tables["region_roi"]
    assert len(roi) == table.height
    assert {(r["strategy"], r["level"], r["group"]) for r in roi} == set(
        table.select("strategy", "level", "group").rows()
    )
    overall = next(r for r in roi if r["level"] == "overall" and r["strategy"] == "all_picks")
    expected = table.filter((pl.col("level") == "overall") & (pl.col("strategy") == "all_picks")).row(
        0, named=True
    )
    assert overall["yield"] == pytest.approx(expected["yield"]) and overall["bets"] == expected["bets"]

    cards = publication.tables["cards"]
    latest = every_item(client, "/predict/odds", page=500)
    assert len(latest) == cards.filter(pl.col("odds_source").is_not_null()).height
    card = cards.filter(pl.col("status") == "finished").row(0, named=True)
    history = ok(client, "/predict/odds", match_id=card["match_id"])
    assert (
        history["latest"]["odds_home"] == card["odds_home"]
        and history["latest"]["odds_source"] == card["odds_source"]
    )
    quotes = publication.tables["odds_history"].filter(pl.col("match_id") == card["match_id"])
    assert len(history["history"]) == quotes.height > 1
    assert {q["timing"] for q in history["history"]} == {"pre", "close"}
    assert client.get("/predict/odds", params={"match_id": "nope"}).status_code == 404

    matches = every_item(client, "/predict/matches", page=50)
    assert [m["match_id"] for m in matches] == serving_order(cards.filter(pl.col("status") == "upcoming"))
    assert set(matches[0]) >= {"league", "league_name", "region", "kickoff_date", "home_team", "away_team"}


def test_model_info_names_the_serving_version(client, publication):
    info = ok(client, "/predict/model/info")
    model = info["model"]
    assert model["version"] == publication.manifest.model["version"] and model["alias"] == "candidate"
    assert model["family"] and model["features"] and model["temperature"] > 0
    assert model["train_seasons"] == ["2122", "2223", "2324"] and model["test_seasons"] == ["2526"]
    assert model["mlflow_run_id"] and model["registered_at"]
    sources = {row["source"] for row in info["holdout"] if row["league"] == "ALL"}
    assert {"model", "market_pre", "market_close", "base_rates"} <= sources


def test_monitoring_views(client, publication):
    drift = ok(client, "/monitoring/drift")
    table = publication.tables["drift"]
    assert len(drift["features"]) == table.filter(pl.col("kind") == "features").height
    assert (
        drift["summary"]["features"]["drifted_columns"]
        == table.filter((pl.col("kind") == "features") & pl.col("drifted")).height
    )
    assert {league["league"] for league in drift["leagues"]} == {"E0", "D1"}
    report = client.get("/monitoring/drift/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert report.content == publication.artifacts["drift_report_html"]

    quality = ok(client, "/monitoring/quality")
    assert quality["live"] == [] and quality["model_version"] == publication.manifest.model["version"]
    assert len(quality["holdout"]) == publication.tables["model_evaluation"].height

    health = ok(client, "/monitoring/model-health")
    assert health["scores"]["basis"] == "holdout" and health["scores"]["market_logloss"] is not None
    priced = publication.tables["cards"]["edge_pp_home"].drop_nulls().len()
    assert [sum(d["counts"]) for d in health["divergence"]] == [priced] * 3

    freshness = ok(client, "/monitoring/freshness")
    kinds = {(i["kind"], i["name"]): i["status"] for i in freshness["items"]}
    assert kinds[("source", "football-data/results")] == "ok" and kinds[("dataset", "cards")] == "ok"
    assert kinds[("source", "fonbet/line")] == "missing"  # Fonbet was unreachable in this pipeline run
    assert freshness["stale"] == 1

    system = ok(client, "/monitoring/system")
    assert system["publication_id"] == publication.manifest.publication_id and system["requests_today"] > 0
    dashboard = ok(client, "/monitoring/dashboard")
    assert dashboard["health"]["status"] == "ok" and dashboard["stale"] == ["fonbet/line"]
    assert dashboard["upcoming"] == publication.tables["cards"].filter(pl.col("status") == "upcoming").height
    assert {b["strategy"] for b in dashboard["backtest"]} == {"all_picks", "value_bets"}


def test_health_schema_and_metrics(api, client, publication):
    live = client.get("/healthcheck")
    ready = client.get("/healthcheck/ready/")
    assert live.status_code == ready.status_code == 200 and ready.json()["status"] == "ok"
    schema = client.get("/schema/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert {"/predict/cards", "/predict/precomputed/{match_id}", "/monitoring/dashboard"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "name": "X-API-Key",
        "in": "header",
    }
    page = client.get("/schema")
    assert page.status_code == 200 and "openapi.json" in page.text

    client.get("/predict/cards", params={"limit": 3})
    text = client.get("/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    routes = {dict(labels).get("route") for (name, labels) in samples if name == "http_requests_total"}
    assert {"/predict/cards", "/predict/precomputed/{match_id}"} <= routes
    assert all(route and "E0_" not in route for route in routes)  # templates, never raw paths
    version = publication.manifest.model["version"]
    info = [labels for (name, labels) in samples if name == "soccer_model_info"]
    assert ("version", version) in info[0] and ("alias", "candidate") in info[0]
    assert (
        samples[("soccer_publication_info", (("publication_id", publication.manifest.publication_id),))] == 1
    )
    assert 0 <= samples[("soccer_publication_age_seconds", ())] < 3600
    assert ("soccer_reloads_total", (("outcome", "ok"),)) in samples
    assert any(name == "soccer_value_bets" for name, _ in samples)


def test_every_answer_names_its_publication_and_revalidates(client, publication):
    first = client.get("/predict/cards", params={"league": "D1", "limit": 5})
    assert first.headers["x-publication-id"] == publication.manifest.publication_id
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("private, max-age=")
    # the same query spelled otherwise: same cached body, same ETag
    same = client.get(
        "/predict/cards", params=[("limit", 5), ("league", "D1"), ("league", "D1"), ("status", "all")]
    )
    assert same.headers["etag"] == etag and same.content == first.content
    revalidated = client.get(
        "/predict/cards", params={"league": "D1", "limit": 5}, headers={"If-None-Match": etag}
    )
    assert revalidated.status_code == 304 and revalidated.content == b""
    other = client.get("/predict/cards", params={"league": "E0", "limit": 5}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    assert client.get("/healthcheck/ready").headers["x-publication-id"] == publication.manifest.publication_id
    assert API_KEY not in first.text


def test_workers_share_one_metrics_view(pipeline_store, tmp_path):
    """``--workers 2``: whichever worker answers the scrape, /metrics counts every worker's requests."""
    import httpx

    from tests.serving.conftest import api_process

    with api_process(str(pipeline_store.root), tmp_path, workers=2) as running:
        pids = set()
        for _ in range(40):  # a new connection each time, so both workers get some
            response = httpx.get(
                f"{running.url}/predict/cards", params={"limit": 1}, headers={"X-API-Key": API_KEY}
            )
            assert response.status_code == 200
        for _ in range(20):
            pids.add(
                httpx.get(f"{running.url}/monitoring/system", headers={"X-API-Key": API_KEY}).json()[
                    "worker_pid"
                ]
            )
        text = httpx.get(f"{running.url}/metrics").text
    counted = sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "http_requests_total" and s.labels.get("route") == "/predict/cards"
    )
    assert counted == 40
    assert len(pids) == 2
