"""The UI's HTTP client: plain sentences instead of errors, the last good data kept.

The bodies served here are the recorded answers of a real API (tests/ui/recorded); the
real API's ETag round trip is checked in test_browser.py.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx

from soccer_ui.client import ApiClient

RECORDED = Path(__file__).parent / "recorded"
CARDS = json.loads((RECORDED / "cards.json").read_text())
PAGE = {**CARDS, "limit": 5000, "offset": 0}


def serving(outage: list[bool], seen: list[httpx.Request]):
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if outage[0]:
            raise httpx.ConnectError("connection refused", request=request)
        headers = {"ETag": '"p1"', "X-Publication-Id": CARDS["publication_id"]}
        if request.headers.get("if-none-match") == '"p1"':
            return httpx.Response(304, headers=headers)
        return httpx.Response(200, json=PAGE, headers=headers)

    return httpx.MockTransport(handle)


def test_outage_keeps_the_last_cards_with_a_plain_message():
    outage, seen = [False], []
    client = ApiClient("http://api.test", "secret-key", transport=serving(outage, seen))
    first = client.cards()
    assert first.ok and len(first.data) == CARDS["total"]
    assert seen[0].headers["x-api-key"] == "secret-key"
    assert client.cards().data == first.data and seen[1].headers["if-none-match"] == '"p1"'
    outage[0] = True
    down = client.cards()
    assert down.data == first.data
    assert down.message.startswith("The API at http://api.test cannot be reached.")
    assert "Showing the last data received" in down.message
    sent = len(seen)
    assert client.cached_cards().data == first.data and len(seen) == sent  # filters send nothing


def test_no_data_yet_and_api_down_is_a_sentence_not_an_error():
    client = ApiClient("http://api.test", "k", transport=serving([True], []))
    fetched = client.cards()
    assert fetched.data is None and fetched.message == "The API at http://api.test cannot be reached."


def test_a_silent_api_times_out_with_a_sentence():
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        fetched = ApiClient(url, "k", timeout_s=0.3).region_roi()
    assert fetched.data is None
    assert fetched.message == f"The API at {url} did not answer within 0.3 s."


def test_missing_on_demand_endpoint_is_said_plainly():
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="Not Found")

    client = ApiClient("http://api.test", "k", transport=httpx.MockTransport(handle))
    answer = client.post("/predict", {"league": "E0", "home_team": "A", "away_team": "B"})
    assert answer.data is None and answer.message == "This API has no on-demand prediction endpoint yet."
