"""On-demand predictions of a real API process: parity with the batch, 4xx answers, async tasks."""

from __future__ import annotations

import math
import time
import uuid

import numpy as np
import polars as pl
import pytest

from tests.serving.conftest import api_process

pytestmark = pytest.mark.slow
REDIS_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture(scope="module")
def publication(pipeline_store):
    return pipeline_store.published.read_publication()


@pytest.fixture(scope="module")
def client(api):
    with api.client() as c:
        yield c


def _probs(body: dict) -> np.ndarray:
    return np.array([body["prob_home"], body["prob_draw"], body["prob_away"]])


def test_served_predictions_equal_the_published_batch(client, publication):
    """Train/serve parity: GET by id and POST by league and teams give the batch's numbers,
    and the feature row built in the API is the pipeline's."""
    predictions = publication.tables["predictions"].filter(pl.col("status") == "upcoming")
    features = publication.tables["upcoming_features"]
    names = [c for c in features.columns if c.startswith("f_")]
    assert predictions.height > 10 and set(predictions["model_fit"]) == {"serving"}
    for row in predictions.iter_rows(named=True):
        expected = np.array([row["prob_home"], row["prob_draw"], row["prob_away"]])
        by_id = client.get(f"/predict/{row['match_id']}").json()
        assert by_id["match_id"] == row["match_id"] and by_id["source"] == "scored_now"
        np.testing.assert_allclose(_probs(by_id), expected, rtol=0, atol=1e-9)
        assert by_id["model"]["version"] == row["model_version"] and by_id["model"]["fit"] == "serving"

        asked = {"league": row["league"], "home_team": row["home_team"], "away_team": row["away_team"]}
        posted = client.post("/predict", json=asked | {"include_features": True}).json()
        assert posted["match_id"] == row["match_id"] and posted["kickoff_date"] == str(row["kickoff_date"])
        np.testing.assert_allclose(_probs(posted), expected, rtol=0, atol=1e-9)
        published = features.filter(pl.col("match_id") == row["match_id"]).row(0, named=True)
        for name in names:
            got, want = posted["features"][name], published[name]
            assert (got is None and (want is None or math.isnan(want))) or got == pytest.approx(
                want, abs=1e-12
            ), name
        assert by_id["explanation"]["available"] == (row["model_family"] != "hgb")


def test_any_pair_of_teams_with_odds_and_a_batch(client, publication):
    teams = publication.tables["team_state"].filter(pl.col("league") == "E0")["team"].to_list()
    home, away = teams[0], teams[1]
    body = {"league": "E0", "home_team": home.upper(), "away_team": away, "kickoff_date": "2026-08-22"}
    without = client.post("/predict", json=body).json()
    assert without["match_id"] is None and without["home_team"] == home and without["market"] is None
    assert abs(sum(_probs(without)) - 1) < 1e-9 and without["notes"]
    priced = client.post("/predict", json=body | {"odds": {"home": 2.1, "draw": 3.4, "away": 3.6}}).json()
    market = priced["market"]
    assert market["odds_source"] == "request" and market["market_home"] == pytest.approx(
        (1 / 2.1) / (1 / 2.1 + 1 / 3.4 + 1 / 3.6)
    )
    assert market["edge_pp_home"] == pytest.approx((priced["prob_home"] - market["market_home"]) * 100)

    items = [
        {"league": "E0", "home_team": h, "away_team": a}
        for h, a in zip(teams[:10], teams[10:20], strict=True)
    ]
    batch = client.post("/predict/batch", json={"items": items}).json()
    assert len(batch["items"]) == 10 and batch["publication_id"] == publication.manifest.publication_id
    single = client.post("/predict", json=items[3]).json()
    np.testing.assert_allclose(_probs(batch["items"][3]), _probs(single), rtol=0, atol=1e-12)


def test_requests_the_model_cannot_answer_are_4xx_that_say_why(client):
    def problem(response, status: int) -> dict:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        return response.json()

    unknown = problem(
        client.post(
            "/predict", json={"league": "E0", "home_team": "Arsenall FC", "away_team": "Gotham City"}
        ),
        422,
    )
    assert unknown["invalid_params"][0]["name"] == "away_team" and "Gotham City" in unknown["detail"]
    assert len(unknown["suggestions"]) == 5
    itself = problem(
        client.post("/predict", json={"league": "E0", "home_team": "Chelsea", "away_team": "chelsea"}), 422
    )
    assert "itself" in itself["detail"]
    uncovered = problem(
        client.post("/predict", json={"league": "SP1", "home_team": "Barcelona", "away_team": "Sevilla"}), 422
    )
    assert "not covered" in uncovered["detail"] and uncovered["suggestions"] == ["D1", "E0"]
    assert problem(client.post("/predict", json={"league": "XX9", "home_team": "a", "away_team": "b"}), 422)
    past = problem(
        client.post(
            "/predict",
            json={
                "league": "E0",
                "home_team": "Chelsea",
                "away_team": "Arsenal",
                "kickoff_date": "2021-01-01",
            },
        ),
        422,
    )
    assert past["invalid_params"][0]["name"] == "kickoff_date"
    assert problem(client.post("/predict", content=b"{not json"), 400)
    assert problem(client.post("/predict", json={"league": "E0", "home_team": "Chelsea"}), 400)
    assert problem(
        client.post(
            "/predict",
            json={
                "league": "E0",
                "home_team": "A",
                "away_team": "B",
                "odds": {"home": 0.5, "draw": 3, "away": 3},
            },
        ),
        400,
    )
    assert problem(
        client.post("/predict", json={"league": "E0", "home_team": "A", "away_team": "B", "colour": "red"}),
        400,
    )
    too_many = [{"league": "E0", "home_team": "Chelsea", "away_team": "Arsenal"}] * 501
    over = problem(client.post("/predict/batch", json={"items": too_many}), 422)
    assert "at most 500" in over["detail"]
    bad_item = problem(
        client.post(
            "/predict/batch",
            json={"items": [too_many[0], {"league": "E0", "home_team": "Nobody", "away_team": "Chelsea"}]},
        ),
        422,
    )
    assert bad_item["invalid_params"][0]["name"] == "items[1].home_team"
    assert problem(client.get("/predict/E0_2031-01-01_nobody_noone"), 404)


def _wait_done(client, task_id: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        state = client.get(f"/monitoring/task_status/{task_id}")
        assert state.status_code == 200, state.text
        body = state.json()
        if body["status"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def _items(publication, n: int) -> list[dict]:
    upcoming = publication.tables["predictions"].filter(pl.col("status") == "upcoming").head(n)
    return [
        {"league": r["league"], "home_team": r["home_team"], "away_team": r["away_team"]}
        for r in upcoming.iter_rows(named=True)
    ]


def test_async_tasks_shared_through_redis(pipeline_store, publication, tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).ping()  # the machine's real Redis
    env = {"SOCCER_REDIS_URL": REDIS_URL}
    with (
        api_process(str(pipeline_store.root), tmp_path, **env) as first,
        api_process(str(pipeline_store.root), tmp_path, **env) as second,
        first.client() as one,
        second.client() as other,
    ):
        items = _items(publication, 8)
        accepted = one.post("/predict/async", json={"items": items})
        assert accepted.status_code == 202 and accepted.json()["status"] == "pending"
        task_id = accepted.json()["task_id"]
        done = _wait_done(other, task_id)  # polled on the other replica
        assert done["status"] == "done" and len(done["result"]["items"]) == 8
        direct = one.post("/predict/batch", json={"items": items}).json()["items"]
        for queued, now in zip(done["result"]["items"], direct, strict=True):
            np.testing.assert_allclose(_probs(queued), _probs(now), rtol=0, atol=1e-12)
        assert other.get(f"/monitoring/task_status/{uuid.uuid4().hex}").status_code == 404
        bad = one.post(
            "/predict/async",
            json={"items": [{"league": "E0", "home_team": "Nobody", "away_team": "Chelsea"}]},
        )
        assert bad.status_code == 422


def test_async_tasks_in_memory_and_a_full_queue(pipeline_store, publication, tmp_path):
    with (
        api_process(str(pipeline_store.root), tmp_path, SOCCER_API_TASK_QUEUE="1") as running,
        running.client() as client,
    ):
        items = _items(publication, 20) * 25  # 500 requests: long enough for the queue to fill up
        answers = [client.post("/predict/async", json={"items": items}) for _ in range(12)]
        statuses = [a.status_code for a in answers]
        assert statuses[0] == 202 and 429 in statuses and set(statuses) == {202, 429}
        refused = next(a for a in answers if a.status_code == 429)
        assert (
            refused.headers["content-type"] == "application/problem+json"
            and "full" in refused.json()["detail"]
        )
        assert refused.headers["retry-after"]
        for answer in answers:
            if answer.status_code == 202:
                assert _wait_done(client, answer.json()["task_id"], 120)["status"] == "done"
        again = client.post("/predict/async", json={"items": items[:3]})  # the queue has drained
        assert again.status_code == 202 and _wait_done(client, again.json()["task_id"])["status"] == "done"
        metrics = client.get("/metrics").text
        assert 'soccer_tasks_total{outcome="done"}' in metrics and "soccer_task_queue_depth 0.0" in metrics
        assert 'soccer_predictions_total{source="async"}' in metrics
