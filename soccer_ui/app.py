"""The Gradio Blocks app: matches, quality, model health, dashboard, match page.

The app talks to the API only through ``ApiClient`` (the key stays in this process) and
shows what the pure functions in ``callbacks`` compute. It runs mounted on a small FastAPI
parent, which also relays the Evidently drift report so the browser never needs the key.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import sys  # noqa: E402

import gradio as gr  # noqa: E402

from soccer_ui import callbacks as cb  # noqa: E402
from soccer_ui.client import ApiClient, Fetched  # noqa: E402
from soccer_ui.settings import SettingsError, UiSettings  # noqa: E402

DISCLAIMER = "⚠️ **Demo only, not betting advice.** Figures describe past data; they promise nothing."
LOCAL_FONTS = ["ui-sans-serif", "system-ui", "sans-serif"]  # no web fonts: the UI works offline
CSS = """
.disclaimer {border-left: 4px solid #b54708; padding-left: 8px; background: #fffaeb}
#api-message p {color: #b42318; font-weight: 600}
table.freshness td, table.freshness th {padding: 2px 10px}
"""


MATCHES_VIEW = "matches-view"  # the concurrency group of the events that redraw the matches table


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _messages(*fetched: Fetched | None) -> str:
    seen = []
    for f in fetched:
        if f is not None and f.message and f.message not in seen:
            seen.append(f.message)
    return "\n\n".join(seen)


class Pages:
    """The event handlers: fetch through the client, compute through ``callbacks``."""

    def __init__(self, settings: UiSettings, client: ApiClient):
        self.settings = settings
        self.client = client

    # -- matches -----------------------------------------------------------------------

    def refresh(self, *filters):
        """Page load and the Refresh button: ask the API (conditional requests), then filter."""
        cards, roi = self.client.cards(), self.client.region_roi()
        regions, leagues = cb.choices(cards.data or [])
        shown = self._filtered(cards, roi, filters)
        first_league = leagues[1] if len(leagues) > 1 else None
        return (
            gr.update(choices=regions),
            gr.update(choices=leagues),
            gr.update(choices=leagues[1:], value=first_league),
            *self.teams(first_league),
            *shown,
        )

    def refresh_matches(self, *filters):
        """The Refresh button: like a page load, leaving the what-if controls alone."""
        region, league, _, _, _, *shown = self.refresh(*filters)
        return (region, league, *shown)

    def filter(self, *filters):
        """A filter change: the cards already held, no request to the API."""
        return self._filtered(self.client.cached_cards(), self.client.cached_region_roi(), filters)

    def _filtered(self, cards: Fetched, roi: Fetched, filters: tuple):
        all_cards = cards.data or []
        message = _messages(cards, roi)
        try:
            view = cb.filter_cards(all_cards, cb.Filters(*filters), cb.region_yields(roi.data), _today())
        except cb.FilterError as exc:
            view, message = [], f"{exc}. {message}".strip()
        frame = cb.table(view)
        return (
            frame,
            cb.count_line(len(frame), len(view), len(all_cards)),
            cb.roi_panel(view, self.settings.value_threshold_pp),
            message,
            gr.update(choices=cb.match_choices(view)),
        )

    # -- quality, model health, dashboard -------------------------------------------------

    def quality(self):
        quality, roi = self.client.get("/monitoring/quality"), self.client.cached_region_roi()
        cards = (self.client.held("cards") or self.client.cards()).data or []
        return (
            cb.quality_note(quality.data),
            cb.quality_table(quality.data),
            cb.holdout_table(quality.data),
            cb.rolling_quality(cards),
            cb.reliability(cards),
            cb.cumulative_profit(cards),
            cb.backtest_table(roi.data),
            _messages(quality, roi),
        )

    def health(self):
        info = self.client.get("/predict/model/info")
        drift = self.client.get("/monitoring/drift")
        health = self.client.get("/monitoring/model-health")
        report = (
            "<a href='drift-report' target='_blank'>Open the Evidently drift report</a>"
            if drift.data and drift.data.get("summary")
            else "No drift report is published yet."
        )
        return (
            cb.model_summary(info.data, health.data),
            cb.drift_bars(drift.data),
            cb.divergence_bars(health.data),
            cb.league_drift_table(health.data),
            report,
            _messages(info, drift, health),
        )

    def dashboard(self):
        ready = self.client.ready()
        system = self.client.get("/monitoring/system")
        freshness = self.client.get("/monitoring/freshness")
        links = {"Dagster UI": self.settings.dagster_url, "MLflow UI": self.settings.mlflow_url}
        return (
            cb.system_markdown(ready.data, system.data if system.ok else None, links),
            cb.freshness_html(freshness.data),
            _messages(ready, system, freshness),
        )

    # -- match page ----------------------------------------------------------------------

    def match(self, match_id: str | None):
        cards = self.client.cached_cards().data or []
        card = next((c for c in cards if c["match_id"] == match_id), None)
        if card is None:
            empty = cb.contributions(None)
            return (cb.match_summary(None), cb.side_by_side(None), cb.odds_history(None), "", *empty)
        odds = self.client.get("/predict/odds/", {"match_id": card["match_id"]})
        scored = self.client.get(f"/predict/{card['match_id']}", {"top": 5})
        if scored.data is not None:
            explained = cb.contributions(scored.data.get("explanation"))
        else:
            explained = (cb.contributions(None)[0], scored.message or "")
        return (
            cb.match_summary(card),
            cb.side_by_side(card),
            cb.odds_history(odds.data),
            cb.odds_history_note(odds.data, odds.message),
            *explained,
        )

    def teams(self, league: str | None):
        names = cb.teams_of(self.client.cached_cards().data or [], league or "")
        return gr.update(choices=names, value=None), gr.update(choices=names, value=None)

    def what_if(self, league, home, away, odds_home, odds_draw, odds_away, kickoff_date):
        if not league or not home or not away:
            return cb.what_if_result(None, "Choose a league and two teams.")
        body: dict = {"league": league.split(" · ")[0], "home_team": home, "away_team": away}
        prices = [odds_home, odds_draw, odds_away]
        if all(p and p > 1 for p in prices):
            body["odds"] = dict(zip(("home", "draw", "away"), map(float, prices), strict=True))
        elif any(prices):
            return cb.what_if_result(None, "Give all three odds (each above 1.0), or none.")
        if (kickoff_date or "").strip():
            body["kickoff_date"] = kickoff_date.strip()
        answer = self.client.post("/predict", body, {"explain": "false"})
        return cb.what_if_result(answer.data, answer.message)


def _disclaimer() -> None:
    gr.Markdown(DISCLAIMER, elem_classes=["disclaimer"])


def build_app(settings: UiSettings, client: ApiClient) -> gr.Blocks:
    pages = Pages(settings, client)
    empty = cb.table([])
    with gr.Blocks(title="Soccer 1X2 predictions", analytics_enabled=False) as app:
        message = gr.Markdown("", elem_id="api-message")
        with gr.Tabs():
            with gr.Tab("Matches", id="matches"):
                _disclaimer()
                with gr.Row():
                    region = gr.Dropdown([cb.ALL], value=cb.ALL, label="Region", elem_id="f-region")
                    league = gr.Dropdown([cb.ALL], value=cb.ALL, label="League", elem_id="f-league")
                    status = gr.Radio(list(cb.STATUSES), value="all", label="Status", elem_id="f-status")
                    team = gr.Textbox(label="Team", placeholder="part of a name", elem_id="f-team")
                with gr.Row():
                    period = gr.Dropdown(
                        list(cb.PERIODS), value=cb.PERIODS[0], label="Period", elem_id="f-period"
                    )
                    date_from = gr.Textbox(
                        label="From (custom range)", placeholder="YYYY-MM-DD", elem_id="f-from"
                    )
                    date_to = gr.Textbox(label="To (custom range)", placeholder="YYYY-MM-DD", elem_id="f-to")
                    value_only = gr.Checkbox(label="Value bets only", elem_id="f-value")
                    min_roi = gr.Slider(
                        cb.ROI_OFF,
                        20,
                        value=cb.ROI_OFF,
                        step=0.5,
                        label="Minimum region ROI % (backtest, every pick; leftmost = off)",
                        elem_id="f-roi",
                    )
                    refresh = gr.Button("Refresh from the API", elem_id="refresh")
                roi_panel = gr.Markdown(elem_id="roi-panel")
                count = gr.Markdown(elem_id="row-count")
                matches = gr.Dataframe(
                    empty, interactive=False, max_height=560, wrap=False, elem_id="matches-table"
                )
            with gr.Tab("Match page", id="match"):
                _disclaimer()
                match_id = gr.Dropdown([], label="Match (from the filtered list)", elem_id="match-choice")
                with gr.Row():
                    summary = gr.Markdown("Choose a match.", elem_id="match-summary")
                    probs = gr.BarPlot(
                        cb.side_by_side(None),
                        x="bar",
                        y="probability %",
                        color="source",
                        sort="x",
                        title="Model vs market",
                        elem_id="match-probs",
                    )
                history = gr.LinePlot(
                    cb.odds_history(None),
                    x="when",
                    y="odds",
                    color="line",
                    title="Odds history (capture time, or pre-match then closing)",
                    elem_id="odds-history",
                )
                history_note = gr.Markdown()
                contributions = gr.Dataframe(
                    cb.contributions(None)[0], interactive=False, label="Feature contributions"
                )
                contributions_note = gr.Markdown()
                gr.Markdown("### What if? Any pairing of a league's teams, scored now by the serving model")
                with gr.Row():
                    wi_league = gr.Dropdown([], label="League", elem_id="wi-league")
                    wi_home = gr.Dropdown([], label="Home team", allow_custom_value=True, elem_id="wi-home")
                    wi_away = gr.Dropdown([], label="Away team", allow_custom_value=True, elem_id="wi-away")
                    wi_date = gr.Textbox(label="Kickoff date (optional)", placeholder="YYYY-MM-DD")
                with gr.Row():
                    wi_odds = [
                        gr.Number(
                            None, label=f"Odds {o} (optional, 0 = none)", minimum=0, elem_id=f"wi-odds-{o}"
                        )
                        for o in ("H", "D", "A")
                    ]
                    wi_go = gr.Button("Predict", variant="primary", elem_id="wi-go")
                wi_table = gr.Dataframe(
                    cb.what_if_result(None, "")[0], interactive=False, elem_id="wi-result"
                )
                wi_text = gr.Markdown(elem_id="wi-text")
            with gr.Tab("Quality", id="quality"):
                _disclaimer()
                gr.Markdown(
                    "Pre-kickoff predictions of finished matches, the model beside the de-vigged market."
                )
                quality_note = gr.Markdown(elem_id="quality-note")
                live = gr.Dataframe(
                    interactive=False, label="Live quality (model and market)", elem_id="quality-live"
                )
                with gr.Row():
                    rolling = gr.LinePlot(
                        x="kickoff",
                        y="logloss",
                        color="source",
                        title="Rolling log loss (lower is better)",
                        elem_id="quality-rolling",
                    )
                    calibration = gr.ScatterPlot(
                        x="forecast",
                        y="observed",
                        color="series",
                        title="Reliability diagram",
                        x_lim=[0, 1],
                        y_lim=[0, 1],
                        elem_id="quality-reliability",
                    )
                profit = gr.LinePlot(
                    x="kickoff",
                    y="profit",
                    color="strategy",
                    title="Cumulative flat-stake profit (units) on finished cards",
                    elem_id="quality-profit",
                )
                backtest = gr.Dataframe(
                    interactive=False, label="Backtest ROI overall, per region and league"
                )
                holdout = gr.Dataframe(interactive=False, label="Holdout of the serving version")
            with gr.Tab("Model health", id="health"):
                _disclaimer()
                model_md = gr.Markdown(elem_id="model-summary")
                with gr.Row():
                    drift = gr.BarPlot(
                        x="feature",
                        y="score",
                        color="drifted",
                        title="Per-feature drift score",
                        sort="-y",
                        x_label_angle=-45,
                        elem_id="health-drift",
                    )
                    divergence = gr.BarPlot(
                        x="pp",
                        y="cards",
                        color="outcome",
                        title="Model minus market (pp)",
                        elem_id="health-divergence",
                    )
                league_drift = gr.Dataframe(interactive=False, label="Drift per league")
                report = gr.HTML(elem_id="drift-report-link")
            with gr.Tab("Dashboard", id="dashboard"):
                _disclaimer()
                system = gr.Markdown(elem_id="system")
                freshness = gr.HTML(elem_id="freshness")
                dash_refresh = gr.Button("Refresh")

        filters = [region, league, status, period, date_from, date_to, team, value_only, min_roi]
        shown = [matches, count, roi_panel, message, match_id]
        # Every event that redraws the table runs in one queue, one at a time, in the order the
        # browser sent them: as separate events (the default) a slow, older filter result (a
        # blur with half the range typed) could land after the newer one and stay on screen.
        in_order = {"api_name": False, "concurrency_id": MATCHES_VIEW, "concurrency_limit": 1}
        app.load(pages.refresh, filters, [region, league, wi_league, wi_home, wi_away, *shown], **in_order)
        refresh.click(pages.refresh_matches, filters, [region, league, *shown], **in_order)
        for control in (region, league, status, period, value_only):
            control.change(pages.filter, filters, shown, show_progress="hidden", **in_order)
        for control in (date_from, date_to, team):
            control.submit(pages.filter, filters, shown, show_progress="hidden", **in_order)
            control.blur(pages.filter, filters, shown, show_progress="hidden", **in_order)
        min_roi.change(
            pages.filter, filters, shown, show_progress="hidden", trigger_mode="always_last", **in_order
        )
        gr.api(_filter_api(pages), api_name="filter_cards")
        gr.api(_what_if_api(pages), api_name="what_if")

        quality_out = [quality_note, live, holdout, rolling, calibration, profit, backtest, message]
        app.load(pages.quality, None, quality_out, api_name="quality")
        health_out = [model_md, drift, divergence, league_drift, report, message]
        app.load(pages.health, None, health_out, api_name="model_health")
        dash_out = [system, freshness, message]
        app.load(pages.dashboard, None, dash_out, api_name="dashboard")
        dash_refresh.click(pages.dashboard, None, dash_out, api_name=False)

        match_out = [summary, probs, history, history_note, contributions, contributions_note]
        match_id.change(pages.match, [match_id], match_out, api_name=False)
        matches.select(_pick_row, None, [match_id], api_name=False)
        wi_league.change(pages.teams, [wi_league], [wi_home, wi_away], api_name=False)
        wi_go.click(
            pages.what_if,
            [wi_league, wi_home, wi_away, *wi_odds, wi_date],
            [wi_table, wi_text],
            api_name=False,
        )
    return app


def _filter_api(pages: Pages):
    def filter_cards(
        region: str = cb.ALL,
        league: str = cb.ALL,
        status: str = "all",
        period: str = "All dates",
        date_from: str = "",
        date_to: str = "",
        team: str = "",
        value_only: bool = False,
        min_region_roi_pct: float = cb.ROI_OFF,
    ) -> dict:
        """The matches tab's filtering for API clients: row count, first rows, ROI panel."""
        frame, count, roi, message, _ = pages.filter(
            region, league, status, period, date_from, date_to, team, value_only, min_region_roi_pct
        )
        published = len(pages.client.cached_cards().data or [])
        return {
            "count": count,
            "matches": int(count.split(" of ")[0]) if " of " in count and count[0].isdigit() else 0,
            "published": published,
            "rows": len(frame),
            "match_ids": frame["Match id"].tolist(),
            "roi_panel": roi,
            "message": message,
        }

    return filter_cards


def _what_if_api(pages: Pages):
    def what_if(
        league: str,
        home_team: str,
        away_team: str,
        odds_home: float | None = None,
        odds_draw: float | None = None,
        odds_away: float | None = None,
        kickoff_date: str = "",
    ) -> dict:
        """The what-if predictor for API clients: model (and market) probabilities in %, or the reason."""
        frame, text = pages.what_if(
            league, home_team, away_team, odds_home, odds_draw, odds_away, kickoff_date
        )
        return {"rows": frame.to_dict("records"), "text": text}

    return what_if


def _pick_row(evt: gr.SelectData):
    """A click on a table row opens that match on the match page."""
    row = evt.row_value or []
    return gr.update(value=row[-1]) if row else gr.update()


def create_server(settings: UiSettings, client: ApiClient):
    """FastAPI parent: the Gradio app at ``/`` and the relayed drift report at ``/drift-report``."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @server.get("/drift-report", response_class=HTMLResponse)
    def drift_report() -> HTMLResponse:
        fetched = client.get("/monitoring/drift/report")
        if not isinstance(fetched.data, str):
            return HTMLResponse(f"<p>{fetched.message or 'No drift report.'}</p>", status_code=502)
        return HTMLResponse(fetched.data)

    theme = gr.themes.Default(font=LOCAL_FONTS, font_mono=["ui-monospace", "monospace"])
    return gr.mount_gradio_app(
        server, build_app(settings, client), path="/", theme=theme, css=CSS, ssr_mode=False
    )


def serve(settings: UiSettings, host: str | None = None, port: int | None = None) -> int:
    import uvicorn

    client = ApiClient(settings.api_url, settings.api_key, settings.timeout_s)
    host, port = host or settings.host, port or settings.port
    print(f"soccer ui on http://{host}:{port} (API {settings.api_url})", flush=True)
    uvicorn.run(create_server(settings, client), host=host, port=port, log_level="warning", access_log=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soccer-ui", description="The Gradio web app over the API.")
    parser.add_argument("--host", help="address (default SOCCER_UI_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default SOCCER_UI_PORT or 7860)")
    args = parser.parse_args(argv)
    try:
        settings = UiSettings.from_env()
    except SettingsError as exc:
        print(f"soccer ui: {exc}", file=sys.stderr)
        return 2
    return serve(settings, args.host, args.port)


if __name__ == "__main__":
    raise SystemExit(main())
