"""The pages' pure functions on API answers recorded from a real run (tests/ui/record.py)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from soccer_ui import callbacks as cb
from soccer_ui.settings import SettingsError, UiSettings

RECORDED = Path(__file__).parent / "recorded"


def load(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def cards() -> list[dict]:
    return load("cards")["items"]


@pytest.fixture(scope="module")
def roi() -> dict:
    return load("region_roi")


@pytest.fixture(scope="module")
def yields(roi) -> dict[str, float]:
    return cb.region_yields(roi)


def backtest(roi: dict, strategy: str, level: str, group: str) -> dict:
    return next(
        r for r in roi["items"] if (r["strategy"], r["level"], r["group"]) == (strategy, level, group)
    )


def run(cards, yields, today=dt.date(2026, 5, 4), **filters) -> list[dict]:
    return cb.filter_cards(cards, cb.Filters(**filters), yields, today)


def test_recording_is_a_real_mixed_publication(cards):
    statuses = {c["status"] for c in cards}
    assert statuses == {"upcoming", "finished"}
    assert len({c["region"] for c in cards}) >= 2
    assert any(c["value_outcome"] for c in cards) and not all(c["value_outcome"] for c in cards)


def test_no_filter_keeps_every_card(cards, yields):
    assert run(cards, yields) == cards


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        ({"region": "Germany"}, lambda c: c["region"] == "Germany"),
        ({"league": "E0 · Premier League"}, lambda c: c["league"] == "E0"),
        ({"status": "upcoming"}, lambda c: c["status"] == "upcoming"),
        ({"status": "finished"}, lambda c: c["status"] == "finished"),
        ({"team": "arsenal"}, lambda c: "Arsenal" in (c["home_team"], c["away_team"])),
        ({"value_only": True}, lambda c: c["value_outcome"] is not None),
        (
            {"period": "Custom range", "date_from": "2026-03-01", "date_to": "2026-03-31"},
            lambda c: "2026-03-01" <= c["kickoff_date"] <= "2026-03-31",
        ),
        ({"period": "Last 30 days"}, lambda c: "2026-04-04" <= c["kickoff_date"] <= "2026-05-04"),
    ],
)
def test_each_filter_keeps_exactly_the_matching_cards(cards, yields, filters, check):
    kept = run(cards, yields, **filters)
    assert kept == [c for c in cards if check(c)]
    assert 0 < len(kept) < len(cards)


def test_filters_combine(cards, yields):
    kept = run(cards, yields, region="England", status="finished", value_only=True)
    assert kept
    assert all(c["region"] == "England" and c["status"] == "finished" and c["value_outcome"] for c in kept)


def test_malformed_date_is_reported_in_words(cards, yields):
    with pytest.raises(cb.FilterError, match="not a date"):
        run(cards, yields, period="Custom range", date_from="03/01/2026")


def test_min_region_roi_hides_regions_below_it(cards, yields):
    england, germany = yields["england"], yields["germany"]
    assert england < germany  # the recorded backtest: both negative, England worse
    between = 100 * (england + germany) / 2
    kept = run(cards, yields, min_region_roi_pct=between)
    assert {c["region"] for c in kept} == {"Germany"}
    assert len(run(cards, yields, min_region_roi_pct=100 * england - 0.5)) == len(cards)
    assert run(cards, yields, min_region_roi_pct=100 * germany + 0.5) == []
    assert len(run(cards, yields, min_region_roi_pct=cb.ROI_OFF)) == len(cards)  # leftmost: off


def test_min_region_roi_hides_regions_without_a_backtest(cards):
    assert run(cards, {}, min_region_roi_pct=-10) == []  # unknown ROI never passes, as in the API


def test_roi_panel_agrees_with_the_pipelines_backtest(cards, roi):
    figures = cb.roi_figures(cards)
    for key, strategy in (("roi_all", "all_picks"), ("roi_value", "value_bets")):
        published = backtest(roi, strategy, "overall", "all")
        assert figures[key].n == published["bets"]
        assert figures[key].value == pytest.approx(published["yield"], abs=1e-9)
        assert figures[key].low < figures[key].value < figures[key].high
    accuracy = figures["accuracy"]
    assert accuracy.value == pytest.approx(backtest(roi, "all_picks", "overall", "all")["hit_rate"])
    assert 0 < accuracy.low < accuracy.value < accuracy.high < 1


def test_roi_panel_follows_the_filters(cards, roi, yields):
    germany = run(cards, yields, region="Germany")
    figures = cb.roi_figures(germany)
    published = backtest(roi, "all_picks", "region", "Germany")
    assert figures["roi_all"].n == published["bets"]
    assert figures["roi_all"].value == pytest.approx(published["yield"], abs=1e-9)
    assert cb.roi_panel(germany, 5) != cb.roi_panel(cards, 5)
    assert f"| {published['bets']} |" in cb.roi_panel(germany, 5)
    assert "edge > 5 pp" in cb.roi_panel(germany, 5)


def test_value_markers_score_and_verdict(cards):
    frame = cb.table(cards, max_rows=len(cards))
    by_id = {c["match_id"]: c for c in cards}
    for row in frame.to_dict("records"):
        card = by_id[row["Match id"]]
        assert row["Value"].startswith("★") == (card["value_outcome"] is not None)
        if card["value_outcome"]:
            assert f"★ {card['value_outcome']} +{card['value_edge_pp']:.1f}pp" == row["Value"]
        if card["status"] == "finished":
            assert row["Score"] == f"{card['home_goals']}-{card['away_goals']}"
            assert row["Pick right"] == ("✔ yes" if card["pick"] == card["result"] else "✘ no")
        else:
            assert row["Score"] == "" and row["Pick right"] == ""
        assert row["Model H %"] == round(100 * card["prob_home"], 1)


def test_table_lists_upcoming_first_then_latest_results(cards):
    frame = cb.table(cards, max_rows=len(cards))
    upcoming = sum(c["status"] == "upcoming" for c in cards)
    assert (frame["Score"].iloc[:upcoming] == "").all()
    finished = frame["Kickoff"].iloc[upcoming:].tolist()
    assert finished == sorted(finished, reverse=True)


def test_empty_result(cards, yields):
    kept = run(cards, yields, team="no such team")
    frame = cb.table(kept)
    assert kept == [] and frame.empty and list(frame.columns) == cb.TABLE_COLUMNS
    assert cb.count_line(0, 0, len(cards)).startswith("No match passes these filters")
    panel = cb.roi_panel(kept, 5)
    assert "| Accuracy of the pick | 0 | – | – |" in panel


def test_a_few_thousand_rows_stay_fast(cards, yields):
    many = [dict(c, match_id=f"{c['match_id']}#{i}") for i in range(8) for c in cards]  # ~4,000 real cards
    started = time.perf_counter()
    kept = run(many, yields, status="finished", min_region_roi_pct=-30)
    frame = cb.table(kept)
    panel = cb.roi_panel(kept, 5)
    elapsed = time.perf_counter() - started
    assert len(frame) == cb.MAX_ROWS and "n" in panel
    assert "the table lists the first 500" in cb.count_line(len(frame), len(kept), len(many))
    assert elapsed < 0.3, elapsed


def test_quality_views(cards, roi):
    quality = load("quality")
    assert len(cb.quality_table(quality)) == len(quality["live"])
    assert cb.quality_note(quality).startswith("Live quality" if quality["live"] else "No live quality yet")
    holdout = cb.holdout_table(quality)
    assert len(holdout) == len(quality["holdout"]) and holdout["logloss"].notna().all()
    rolling = cb.rolling_quality(cards)
    assert set(rolling["source"]) == {"model", "market"} and rolling["logloss"].between(0, 5).all()
    diagram = cb.reliability(cards)
    model = diagram[diagram["series"] == "model"]
    finished = sum(1 for c in cards if c["status"] == "finished")
    assert model["n"].sum() == 3 * finished
    assert model["observed"].between(0, 1).all()
    profit = cb.cumulative_profit(cards)
    every = profit[profit["strategy"] == "every pick"]["profit"]
    assert every.iloc[-1] == pytest.approx(backtest(roi, "all_picks", "overall", "all")["profit"], abs=1e-6)
    table = cb.backtest_table(roi)
    assert len(table) == len(roi["items"])


def test_model_health_views():
    info, drift, health = load("model_info"), load("drift"), load("model_health")
    summary = cb.model_summary(info, health)
    assert f"version **{info['model']['version']}**" in summary and "Drift share" in summary
    bars = cb.drift_bars(drift)
    assert 0 < len(bars) <= 20
    assert bars["feature"].tolist() == [f["column"] for f in drift["features"][:20]]
    divergence = cb.divergence_bars(health)
    for d in health["divergence"]:
        assert divergence[divergence["outcome"] == d["outcome"]]["cards"].sum() == sum(d["counts"])
    assert len(cb.league_drift_table(health)) == len(health["league_drift"])
    assert cb.model_summary(None, None) == "No model information from the API."


def test_dashboard_views():
    freshness, system = load("freshness"), load("system")
    html = cb.freshness_html(freshness)
    for item in freshness["items"]:
        assert item["name"] in html
    assert "#1a7f37" in html or "#b42318" in html
    ready = {"status": "ok", "reasons": [], "latency_ms": 3.2}
    text = cb.system_markdown(ready, system, {"Dagster UI": "http://127.0.0.1:3000", "MLflow UI": None})
    assert "API status: **ok**" in text and system["publication_id"] in text
    assert "[http://127.0.0.1:3000](http://127.0.0.1:3000)" in text and "MLflow UI: not configured" in text
    assert "unreachable" in cb.system_markdown(None, None, {})


def test_match_page_views(cards):
    finished = load("odds_finished")
    card = next(c for c in cards if c["match_id"] == finished["match_id"])
    assert len(cb.side_by_side(card)) == 6 and cb.side_by_side(None).empty
    summary = cb.match_summary(card)
    assert f"{card['home_goals']}-{card['away_goals']}" in summary
    history = cb.odds_history(finished)
    assert len(history) == 3 * len(finished["history"])
    timings = [q["timing"] for q in finished["history"] if not q["captured_at"]]
    if "pre" in timings and "close" in timings:  # football-data: the opening line before the closing one
        whens = history["when"].tolist()
        assert whens.index(cb.TIMING_LABEL["pre"]) < whens.index(cb.TIMING_LABEL["close"])
    side = cb.side_by_side(card)
    assert side["probability %"].sum() == pytest.approx(200, abs=0.5)
    assert cb.odds_history_note(finished, None).startswith(f"{len(finished['history'])} quotes")
    assert cb.odds_history_note(None, "The API at x cannot be reached.") == "The API at x cannot be reached."


def test_what_if_views():
    answer = load("predict_what_if")
    frame, text = cb.what_if_result(answer, None)
    assert frame["model %"].sum() == pytest.approx(100, abs=0.2)
    assert f"pick **{answer['pick']}**" in text
    contributions, note = cb.contributions(answer["explanation"])
    assert len(contributions) > 0 and set(contributions["outcome"]) == {"H", "D", "A"}
    empty, message = cb.what_if_result(None, "The API answered 422: 'Nowhere FC' is not a team")
    assert empty.empty and "Nowhere FC" in message
    _, unavailable = cb.contributions({"available": False, "detail": "HistGradientBoosting"})
    assert unavailable.startswith("Feature contributions are not available")


def test_teams_and_choices(cards):
    regions, leagues = cb.choices(cards)
    assert regions == [cb.ALL, "England", "Germany"]
    assert leagues[0] == cb.ALL and "E0 · Premier League" in leagues
    teams = cb.teams_of(cards, "E0 · Premier League")
    assert "Arsenal" in teams and "Bayern Munich" not in teams


def test_settings_defaults_fallback_and_errors():
    settings = UiSettings.from_env({"SOCCER_API_KEYS": "first-key-0123456789,second-key-0123456789"})
    assert settings.api_key == "first-key-0123456789"
    assert (settings.api_url, settings.host, settings.port) == ("http://127.0.0.1:8000", "127.0.0.1", 7860)
    own = UiSettings.from_env({"SOCCER_UI_API_KEY": "k", "SOCCER_UI_API_URL": "http://api:8000/"})
    assert own.api_key == "k" and own.api_url == "http://api:8000"
    with pytest.raises(SettingsError, match="^SOCCER_UI_API_KEY is not set"):
        UiSettings.from_env({})
    for name, value in (("UI_PORT", "70000"), ("UI_API_URL", "api:8000"), ("UI_TIMEOUT_S", "0")):
        with pytest.raises(SettingsError, match=f"^SOCCER_{name}="):
            UiSettings.from_env({"SOCCER_UI_API_KEY": "k", f"SOCCER_{name}": value})
