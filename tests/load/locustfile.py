"""Load profile of the API: what the UI and API clients call, in realistic proportions.

    SOCCER_LOAD_API_KEY=... locust -f tests/load/locustfile.py --headless -u 20 -r 20 -t 30s --host http://127.0.0.1:8000

Any non-2xx (or 304 where asked) counts as a failure, so a run with failures exits 1.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

KEY = os.environ.get("SOCCER_LOAD_API_KEY", "")
FILTERS = [
    {},
    {"status": "upcoming"},
    {"league": "E0"},
    {"value_only": "true"},
    {"status": "finished", "limit": 500},
    {"team": "united"},
]


class ApiClient(HttpUser):
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        self.client.headers["X-API-Key"] = KEY
        cards = self.client.get("/predict/cards", params={"limit": 5000}, name="/predict/cards [all]").json()
        self.match_ids = [c["match_id"] for c in cards["items"]] or ["none"]
        self.matches = self.client.get("/predict/matches", params={"limit": 5000}).json()["items"]
        self.etag = None

    @task(10)
    def cards(self) -> None:
        self.client.get("/predict/cards", params=random.choice(FILTERS), name="/predict/cards")

    @task(5)
    def precomputed(self) -> None:
        self.client.get(
            f"/predict/precomputed/{random.choice(self.match_ids)}", name="/predict/precomputed/{id}"
        )

    @task(3)
    def revalidate(self) -> None:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        with self.client.get(
            "/predict/cards", headers=headers, name="/predict/cards [etag]", catch_response=True
        ) as r:
            if r.status_code in (200, 304):
                self.etag = r.headers.get("etag", self.etag)
                r.success()
            else:
                r.failure(f"status {r.status_code}")

    @task(3)
    def what_if(self) -> None:
        match = random.choice(self.matches)
        body = {"league": match["league"], "home_team": match["home_team"], "away_team": match["away_team"]}
        self.client.post("/predict", json=body, name="POST /predict")

    @task(2)
    def monitoring(self) -> None:
        self.client.get(
            random.choice(["/monitoring/dashboard", "/monitoring/model-health", "/predict/model/info"])
        )

    @task(1)
    def health(self) -> None:
        self.client.get("/healthcheck/ready")
