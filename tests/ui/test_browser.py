"""The web app in Debian's Chromium (Playwright) against real API and UI processes.

Every expected row count comes from the API's own filters (``/predict/cards/?...``), which
are implemented independently of the UI's; screenshots of each tab go to the test run's
output folder. The last test stops the API.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from gradio_client import Client
from playwright.sync_api import Page, expect, sync_playwright

from soccer_assets.sources.browser import CHROMIUM_ARGS
from soccer_ui.client import ApiClient
from tests.serving.conftest import API_KEY

pytestmark = pytest.mark.slow

TABS = ("Matches", "Match page", "Quality", "Model health", "Dashboard")


@pytest.fixture(scope="module")
def api_http(stack) -> Iterator[httpx.Client]:
    with stack.api.client() as client:
        yield client


def api_total(api_http: httpx.Client, **params) -> int:
    response = api_http.get("/predict/cards/", params={"limit": 1, **params})
    response.raise_for_status()
    return response.json()["total"]


REQUESTED: list[str] = []  # every URL the browser asked for during this module


@pytest.fixture(scope="module")
def page(stack) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=list(CHROMIUM_ARGS))
        tab = browser.new_page(viewport={"width": 1600, "height": 1100})
        tab.set_default_timeout(20_000)
        expect.set_options(timeout=15_000)  # assertions wait for a redraw beside a busy test suite
        tab.on("request", lambda request: REQUESTED.append(request.url))
        yield tab
        browser.close()


def open_app(page: Page, url: str) -> None:
    page.goto(url + "/")
    expect(page.locator("#row-count")).to_contain_text("published cards", timeout=30_000)


def rows_shown(page: Page) -> int:
    grid = page.locator("#matches-table [role=grid]")
    return int(grid.get_attribute("aria-rowcount")) - 1  # minus the header row


def expect_count(page: Page, total: int) -> None:
    if total == 0:
        expect(page.locator("#row-count")).to_contain_text("No match passes these filters")
    else:
        expect(page.locator("#row-count")).to_contain_text(
            re.compile(rf"(?<!\d){total} of \d+ published cards")
        )
    expect(page.locator("#matches-table [role=grid]")).to_have_attribute(
        "aria-rowcount", str(min(total, 500) + 1)
    )


def choose(page: Page, elem_id: str, option: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.locator(f"#{elem_id}").get_by_role("option", name=option, exact=True).click()


def type_in(page: Page, elem_id: str, text: str) -> None:
    box = page.locator(f"#{elem_id} textarea, #{elem_id} input").first
    box.fill(text)
    box.press("Enter")


def test_matches_table_shows_the_published_cards(stack, page, api_http):
    open_app(page, stack.ui.url)
    total = api_total(api_http)
    assert total > 0
    expect_count(page, total)
    table = page.locator("#matches-table")
    expect(table).to_contain_text("Pick right")
    first = api_http.get("/predict/cards/", params={"status": "upcoming", "limit": 1}).json()["items"][0]
    expect(table).to_contain_text(first["home_team"])
    page.screenshot(path=stack.screenshots / "matches.png", full_page=True)


@pytest.mark.parametrize(
    ("action", "api_params"),
    [
        (lambda p: choose(p, "f-region", "Germany"), {"region": "Germany"}),
        (lambda p: choose(p, "f-league", "E0 · Premier League"), {"league": "E0"}),
        (
            lambda p: p.locator("#f-status").get_by_text("finished", exact=True).click(),
            {"status": "finished"},
        ),
        (
            lambda p: p.locator("#f-status").get_by_text("upcoming", exact=True).click(),
            {"status": "upcoming"},
        ),
        (lambda p: type_in(p, "f-team", "Bayern"), {"team": "Bayern"}),
        (lambda p: p.locator("#f-value input").check(), {"value_only": "true"}),
        (
            lambda p: (
                choose(p, "f-period", "Custom range"),
                type_in(p, "f-from", "2026-02-01"),
                type_in(p, "f-to", "2026-02-28"),
            ),
            {"date_from": "2026-02-01", "date_to": "2026-02-28"},
        ),
        (lambda p: type_in(p, "f-roi", "-6"), {"min_region_roi": "-0.06"}),
        (lambda p: type_in(p, "f-team", "no such team"), {"team": "no such team"}),
    ],
    ids=["region", "league", "finished", "upcoming", "team", "value", "period", "min-region-roi", "empty"],
)
def test_each_filter_changes_the_rows_like_the_api(stack, page, api_http, action, api_params):
    open_app(page, stack.ui.url)
    total = api_total(api_http, **api_params)
    assert total < api_total(api_http)  # the filter does something on this store
    action(page)
    expect_count(page, total)


def test_roi_panel_follows_the_filters(stack, page, api_http):
    open_app(page, stack.ui.url)
    published = api_http.get("/predict/region-roi/").json()["items"]

    def row(strategy: str, level: str, group: str) -> dict:
        return next(
            r for r in published if (r["strategy"], r["level"], r["group"]) == (strategy, level, group)
        )

    panel = page.locator("#roi-panel")
    overall = row("all_picks", "overall", "all")
    expect(panel).to_contain_text(f"{overall['bets']}\t{100 * overall['yield']:+.1f}%")
    choose(page, "f-region", "Germany")
    germany = row("all_picks", "region", "Germany")
    expect(panel).to_contain_text(f"{germany['bets']}\t{100 * germany['yield']:+.1f}%")
    assert germany["bets"] != overall["bets"]


def test_disclaimer_is_on_every_tab_and_plots_render(stack, page):
    open_app(page, stack.ui.url)
    for name in TABS:
        page.get_by_role("tab", name=name, exact=True).click()
        panel = page.locator("[role=tabpanel]:visible")
        expect(panel.locator(".block.disclaimer")).to_contain_text("Demo only, not betting advice")
        if name == "Quality":
            for plot in ("quality-rolling", "quality-reliability", "quality-profit"):
                expect(page.locator(f"#{plot} canvas, #{plot} svg").first).to_be_visible()
        if name == "Model health":
            expect(page.locator("#model-summary")).to_contain_text("version")
            for plot in ("health-drift", "health-divergence"):
                expect(page.locator(f"#{plot} canvas, #{plot} svg").first).to_be_visible()
        if name == "Dashboard":
            expect(page.locator("#system")).to_contain_text("API status: ok")
            expect(page.locator("#freshness")).to_contain_text("stale after")
        page.wait_for_timeout(500)  # let the plots finish drawing for the picture
        page.screenshot(path=stack.screenshots / f"{name.lower().replace(' ', '-')}.png", full_page=True)


def test_the_page_loads_nothing_from_the_internet(stack, page):
    open_app(page, stack.ui.url)
    for name in TABS:
        page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(1000)
    hosts = {httpx.URL(url).host for url in REQUESTED if url.startswith("http")}
    assert hosts == {"127.0.0.1"}, hosts


def test_the_ui_process_imports_no_pipeline_code():
    code = (
        "import sys, soccer_assets.cli, soccer_ui.app; "
        "print([m for m in ('dagster', 'mlflow', 'soccer_assets.storage', 'soccer_serving', 'duckdb') "
        "if m in sys.modules])"
    )
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_match_page_and_what_if_predictor(stack, page, api_http):
    open_app(page, stack.ui.url)
    card = api_http.get("/predict/cards/", params={"status": "upcoming", "limit": 1}).json()["items"][0]
    page.locator("#matches-table").get_by_text(card["home_team"], exact=True).first.click()
    page.get_by_role("tab", name="Match page", exact=True).click()
    expect(page.locator("#match-summary")).to_contain_text(f"{card['home_team']} – {card['away_team']}")
    expect(page.locator("#odds-history canvas, #odds-history svg").first).to_be_visible()
    choose(page, "wi-league", f"{card['league']} · {card['league_name']}")
    choose(page, "wi-home", card["home_team"])
    choose(page, "wi-away", card["away_team"])
    page.locator("#wi-go").click()
    expect(page.locator("#wi-text")).to_contain_text("pick")
    expect(page.locator("#wi-result [role=grid]")).to_have_attribute("aria-rowcount", "4")
    page.screenshot(path=stack.screenshots / "what-if.png", full_page=True)


def test_gradio_client_calls_the_exposed_callbacks(stack, api_http):
    client = Client(stack.ui.url + "/", verbose=False)
    answer = client.predict(region="Germany", status="finished", api_name="/filter_cards")
    total = api_total(api_http, region="Germany", status="finished")
    assert answer["count"].startswith(f"{total} of ")
    assert answer["rows"] == min(total, 500) and answer["message"] == ""
    card = api_http.get("/predict/cards/", params={"status": "upcoming", "limit": 1}).json()["items"][0]
    league = f"{card['league']} · {card['league_name']}"
    answer = client.predict(league, card["home_team"], card["away_team"], api_name="/what_if")
    probabilities = [row["model %"] for row in answer["rows"]]
    assert len(probabilities) == 3 and sum(probabilities) == pytest.approx(100, abs=0.2)
    assert "pick" in answer["text"]
    refused = client.predict(league, card["home_team"], "Nowhere FC", api_name="/what_if")
    assert refused["rows"] == [] and "422" in refused["text"] and "closest names" in refused["text"]
    dashboard = client.predict(api_name="/dashboard")
    assert "API status: **ok**" in dashboard[0]


def test_the_key_never_reaches_the_browser(stack):
    for path in ("/", "/config", "/gradio_api/info"):
        response = httpx.get(stack.ui.url + path, timeout=10)
        assert response.status_code == 200, path
        assert API_KEY not in response.text


def test_client_reuses_answers_by_etag_and_filters_without_requests(stack):
    statuses: list[int] = []

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request):
            response = super().handle_request(request)
            statuses.append(response.status_code)
            return response

    client = ApiClient(stack.api.url, API_KEY, 10, transport=Recording())
    first = client.cards()
    assert first.ok and statuses == [200]
    again = client.cards()
    assert again.data == first.data and statuses == [200, 304]
    sent = client.requests
    assert client.cached_cards().data == first.data and client.requests == sent


def test_a_refused_key_is_a_plain_message(stack):
    fetched = ApiClient(stack.api.url, "wrong-key-0123456789abcdef", 10).cards()
    assert fetched.data is None
    assert fetched.message == "The API refused the UI's key (401): check SOCCER_UI_API_KEY."


def test_api_stopped_shows_a_plain_message_and_keeps_the_data(stack, page, api_http):
    open_app(page, stack.ui.url)
    total = api_total(api_http)
    stack.api.proc.terminate()
    stack.api.proc.wait(timeout=15)
    page.locator("#refresh").click()
    message = page.locator("#api-message")
    expect(message).to_contain_text("cannot be reached")
    expect(message).to_contain_text("Showing the last data received")
    expect_count(page, total)
    assert "Traceback" not in page.content()
    page.screenshot(path=stack.screenshots / "api-down.png", full_page=True)
