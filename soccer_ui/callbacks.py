"""What the pages show, as pure functions of API responses (JSON dicts) and filter values.

No HTTP, no Gradio: the app glues these to components; the tests call them on responses
recorded from a real API. Percentages shown are rounded for reading; filters use raw values.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

ALL = "All"
STATUSES = ("all", "upcoming", "finished")
PERIODS = (
    "All dates",
    "Next 7 days",
    "Next 30 days",
    "Last 7 days",
    "Last 30 days",
    "Last 365 days",
    "Custom range",
)
ROI_OFF = -20.0  # the slider's leftmost value: no region is hidden
MAX_ROWS = 500  # rows sent to the browser; the count and the ROI panel cover every match in view
OUTCOMES = (("H", "home"), ("D", "draw"), ("A", "away"))
TABLE_COLUMNS = [
    "Kickoff",
    "League",
    "Home",
    "Away",
    "Pick",
    "Value",
    "Score",
    "Pick right",
    "Model H %",
    "Model D %",
    "Model A %",
    "Market H %",
    "Market D %",
    "Market A %",
    "Odds H",
    "Odds D",
    "Odds A",
    "Edge pp",
    "Odds source",
    "Region",
    "Match id",
]


@dataclass(frozen=True)
class Filters:
    region: str = ALL
    league: str = ALL
    status: str = "all"
    period: str = "All dates"
    date_from: str = ""  # YYYY-MM-DD, used with the "Custom range" period
    date_to: str = ""
    team: str = ""
    value_only: bool = False
    min_region_roi_pct: float = ROI_OFF  # at ROI_OFF (or below) nothing is hidden


class FilterError(ValueError):
    """A filter value the page reports in words (a malformed date)."""


# -- helpers -------------------------------------------------------------------------------


def _pct(p: float | None, digits: int = 1) -> float | None:
    return None if p is None else round(100 * p, digits)


def _date(value: str, name: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{name} {value!r} is not a date like 2026-03-19") from None


def period_bounds(
    period: str, today: dt.date, date_from: str = "", date_to: str = ""
) -> tuple[dt.date | None, dt.date | None]:
    """The first and last kickoff date (inclusive) of a period preset, or of the custom range."""
    day = dt.timedelta(days=1)
    presets = {
        "All dates": (None, None),
        "Next 7 days": (today, today + 7 * day),
        "Next 30 days": (today, today + 30 * day),
        "Last 7 days": (today - 7 * day, today),
        "Last 30 days": (today - 30 * day, today),
        "Last 365 days": (today - 365 * day, today),
    }
    if period == "Custom range":
        return _date(date_from, "From"), _date(date_to, "To")
    if period not in presets:
        raise FilterError(f"unknown period {period!r}")
    return presets[period]


def region_yields(region_roi: dict | None) -> dict[str, float]:
    """Region (case-folded) -> backtest yield of all picks, as the API's min_region_roi uses it."""
    items = (region_roi or {}).get("items", [])
    return {
        r["group"].casefold(): r["yield"]
        for r in items
        if r["level"] == "region" and r["strategy"] == "all_picks"
    }


def choices(cards: Sequence[dict]) -> tuple[list[str], list[str]]:
    """Region and league choices of the filters (``All`` first)."""
    regions = sorted({c["region"] for c in cards})
    leagues = sorted({f"{c['league']} · {c['league_name']}" for c in cards})
    return [ALL, *regions], [ALL, *leagues]


# -- the matches tab -----------------------------------------------------------------------


def filter_cards(
    cards: Sequence[dict], filters: Filters, yields: dict[str, float], today: dt.date
) -> list[dict]:
    """The cards every filter lets through, in the API's order (kickoff, then match id)."""
    first, last = period_bounds(filters.period, today, filters.date_from, filters.date_to)
    league = filters.league.split(" · ")[0] if filters.league and filters.league != ALL else None
    region = filters.region.casefold() if filters.region and filters.region != ALL else None
    team = (filters.team or "").strip().casefold()
    min_roi = None if filters.min_region_roi_pct <= ROI_OFF else filters.min_region_roi_pct / 100
    status = filters.status if filters.status in STATUSES else "all"
    out = []
    for card in cards:
        if league and card["league"] != league:
            continue
        if region and card["region"].casefold() != region:
            continue
        if status != "all" and card["status"] != status:
            continue
        if first or last:
            kickoff = dt.date.fromisoformat(card["kickoff_date"])
            if (first and kickoff < first) or (last and kickoff > last):
                continue
        if team and team not in card["home_team"].casefold() and team not in card["away_team"].casefold():
            continue
        if filters.value_only and not card.get("value_outcome"):
            continue
        if min_roi is not None:
            roi = yields.get(card["region"].casefold())
            if roi is None or roi < min_roi:  # unknown ROI never passes, as in the API
                continue
        out.append(card)
    return out


def _edge(card: dict) -> tuple[float | None, str | None]:
    edges = [(card.get(f"edge_pp_{name}"), code) for code, name in OUTCOMES]
    priced = [(e, code) for e, code in edges if e is not None]
    return max(priced) if priced else (None, None)


def _score(card: dict) -> str:
    if card.get("home_goals") is None or card.get("away_goals") is None:
        return ""
    return f"{card['home_goals']}-{card['away_goals']}"


def _right(card: dict) -> str:
    verdict = card.get("pick_correct")
    return "" if verdict is None else ("✔ yes" if verdict else "✘ no")


def value_marker(card: dict) -> str:
    outcome = card.get("value_outcome")
    if not outcome:
        return ""
    edge = card.get("value_edge_pp")
    return f"★ {outcome} +{edge:.1f}pp" if edge is not None else f"★ {outcome}"


def display_order(cards: Sequence[dict]) -> list[dict]:
    """Upcoming first (soonest first), then finished (most recent first)."""
    upcoming = [c for c in cards if c["status"] == "upcoming"]
    finished = [c for c in cards if c["status"] != "upcoming"]
    return upcoming + finished[::-1]


def table(cards: Sequence[dict], max_rows: int = MAX_ROWS) -> pd.DataFrame:
    rows = []
    for card in display_order(cards)[:max_rows]:
        edge, _ = _edge(card)
        rows.append(
            [
                (card.get("kickoff_utc") or card["kickoff_date"])[:16].replace("T", " "),
                card["league"],
                card["home_team"],
                card["away_team"],
                card["pick"],
                value_marker(card),
                _score(card),
                _right(card),
                _pct(card["prob_home"]),
                _pct(card["prob_draw"]),
                _pct(card["prob_away"]),
                _pct(card.get("market_home")),
                _pct(card.get("market_draw")),
                _pct(card.get("market_away")),
                card.get("odds_home"),
                card.get("odds_draw"),
                card.get("odds_away"),
                None if edge is None else round(edge, 1),
                card.get("odds_source") or "",
                card["region"],
                card["match_id"],
            ]
        )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def count_line(shown: int, total_in_view: int, all_cards: int) -> str:
    if total_in_view == 0:
        return f"No match passes these filters (of {all_cards} published cards)."
    extra = (
        f"; the table lists the first {shown}, narrow the filters to see others"
        if shown < total_in_view
        else ""
    )
    return f"{total_in_view} of {all_cards} published cards match the filters{extra}."


# -- the ROI panel -------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    n: int
    value: float | None  # a fraction
    low: float | None
    high: float | None


def wilson(successes: int, n: int, z: float = 1.96) -> Estimate:
    """A proportion with its Wilson score interval (good at small n and near 0 or 1)."""
    if n == 0:
        return Estimate(0, None, None, None)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(n, p, centre - half, centre + half)


def mean_ci(returns: Sequence[float], z: float = 1.96) -> Estimate:
    """The mean return per unit staked with a normal-approximation interval."""
    n = len(returns)
    if n == 0:
        return Estimate(0, None, None, None)
    mean = sum(returns) / n
    if n == 1:
        return Estimate(1, mean, None, None)
    var = sum((r - mean) ** 2 for r in returns) / (n - 1)
    half = z * math.sqrt(var / n)
    return Estimate(n, mean, mean - half, mean + half)


def _odds(card: dict, outcome: str) -> float | None:
    return card.get({"H": "odds_home", "D": "odds_draw", "A": "odds_away"}[outcome])


def bet_returns(cards: Iterable[dict], value_only: bool) -> list[float]:
    """Profit per unit of a flat stake on each finished card's pick (or its value outcome)."""
    returns = []
    for card in cards:
        if card["status"] != "finished" or not card.get("result"):
            continue
        outcome = card.get("value_outcome") if value_only else card["pick"]
        if not outcome:
            continue
        odds = _odds(card, outcome)
        if odds is None:
            continue
        returns.append(odds - 1 if card["result"] == outcome else -1.0)
    return returns


def roi_figures(cards: Sequence[dict]) -> dict[str, Estimate]:
    finished = [c for c in cards if c.get("pick_correct") is not None]
    return {
        "accuracy": wilson(sum(1 for c in finished if c["pick_correct"]), len(finished)),
        "roi_all": mean_ci(bet_returns(cards, value_only=False)),
        "roi_value": mean_ci(bet_returns(cards, value_only=True)),
    }


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{100 * value:+.1f}%" if signed else f"{100 * value:.1f}%"


def roi_panel(cards: Sequence[dict], threshold_pp: float) -> str:
    """Markdown: accuracy, ROI of all picks and of value bets on the finished matches in view."""
    figures = roi_figures(cards)
    upcoming = [c for c in cards if c["status"] == "upcoming"]
    value_upcoming = sum(1 for c in upcoming if c.get("value_outcome"))
    lines = [
        "| on the finished matches in view | n | estimate | 95% CI |",
        "|---|---:|---:|---|",
    ]
    for label, key, signed in (
        ("Accuracy of the pick", "accuracy", False),
        ("ROI, every pick (flat stake)", "roi_all", True),
        (f"ROI, value bets (edge > {threshold_pp:g} pp)", "roi_value", True),
    ):
        e = figures[key]
        ci = "–" if e.low is None else f"{_fmt(e.low, signed)} … {_fmt(e.high, signed)}"
        lines.append(f"| {label} | {e.n} | {_fmt(e.value, signed)} | {ci} |")
    lines.append("")
    lines.append(
        f"Upcoming in view: **{len(upcoming)}** matches, **{value_upcoming}** value bets. "
        "ROI is profit per unit staked at the card's odds; past results say little about future ones."
    )
    return "\n".join(lines)


# -- quality -------------------------------------------------------------------------------

QUALITY_COLUMNS = ["scope", "group", "source", "matches", "accuracy", "logloss", "brier", "rps", "ece"]


def quality_table(quality: dict | None) -> pd.DataFrame:
    """Live scores (pre-kickoff predictions of finished matches), model beside market."""
    rows = [
        [
            r["scope"],
            r["group"],
            r["source"],
            r["matches"],
            round(r["accuracy"], 4),
            round(r["logloss"], 4),
            round(r["brier"], 4),
            round(r["rps"], 4),
            round(r["ece"], 4),
        ]
        for r in (quality or {}).get("live", [])
    ]
    frame = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
    return frame.sort_values(["scope", "group", "source"], kind="stable").reset_index(drop=True)


def quality_note(quality: dict | None) -> str:
    live = (quality or {}).get("live", [])
    if live:
        return f"Live quality: {len(live)} rows (model and market on the same matches)."
    return (
        "No live quality yet: no finished match has a prediction logged before its kickoff. "
        "The plots below use the finished cards (the holdout predictions) and the holdout table."
    )


def holdout_table(quality: dict | None) -> pd.DataFrame:
    columns = ["league", "season", "source", "n", "accuracy", "logloss", "brier", "rps", "ece"]
    rows = [[r.get(c) for c in columns] for r in (quality or {}).get("holdout", [])]
    frame = pd.DataFrame(rows, columns=columns)
    for c in ("accuracy", "logloss", "brier", "rps", "ece"):
        frame[c] = frame[c].astype(float).round(4)
    return frame


def backtest_table(region_roi: dict | None) -> pd.DataFrame:
    columns = ["strategy", "level", "group", "bets", "yield %", "CI low %", "CI high %", "hit rate %"]
    rows = [
        [
            r["strategy"],
            r["level"],
            r["group"],
            r["bets"],
            _pct(r["yield"]),
            _pct(r.get("yield_ci_low")),
            _pct(r.get("yield_ci_high")),
            _pct(r["hit_rate"]),
        ]
        for r in (region_roi or {}).get("items", [])
    ]
    return pd.DataFrame(rows, columns=columns)


def _finished_scored(cards: Sequence[dict]) -> list[dict]:
    rows = [c for c in cards if c["status"] == "finished" and c.get("result")]
    return sorted(rows, key=lambda c: (c["kickoff_date"], c["match_id"]))


def _logloss(card: dict, prefix: str) -> float | None:
    name = dict(OUTCOMES)[card["result"]]
    p = card.get(f"{prefix}_{name}")
    return None if p is None else -math.log(max(p, 1e-15))


def rolling_quality(cards: Sequence[dict], window: int = 100) -> pd.DataFrame:
    """Rolling log loss of the model and of the market on the same finished matches, by kickoff."""
    rows = [
        (c["kickoff_date"], _logloss(c, "prob"), _logloss(c, "market"))
        for c in _finished_scored(cards)
        if c.get("market_home") is not None
    ]
    if not rows:
        return pd.DataFrame({"kickoff": [], "logloss": [], "source": []})
    frame = pd.DataFrame(rows, columns=["kickoff", "model", "market"])
    frame["kickoff"] = pd.to_datetime(frame["kickoff"])
    size = max(1, min(window, len(frame) // 3 or 1))
    rolled = frame[["model", "market"]].rolling(size, min_periods=size).mean()
    rolled["kickoff"] = frame["kickoff"]
    long = rolled.dropna().melt(id_vars="kickoff", var_name="source", value_name="logloss")
    return long[["kickoff", "logloss", "source"]]


def reliability(cards: Sequence[dict], bins: int = 10) -> pd.DataFrame:
    """Calibration: per probability bin, the mean forecast and how often the outcome happened."""
    points: list[tuple[float, float]] = []
    for card in _finished_scored(cards):
        for code, name in OUTCOMES:
            points.append((card[f"prob_{name}"], 1.0 if card["result"] == code else 0.0))
    out = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(p, y) for p, y in points if low <= p < high or (b == bins - 1 and p == 1.0)]
        if inside:
            out.append(
                {
                    "forecast": sum(p for p, _ in inside) / len(inside),
                    "observed": sum(y for _, y in inside) / len(inside),
                    "n": len(inside),
                    "series": "model",
                }
            )
    out += [{"forecast": x, "observed": x, "n": 0, "series": "perfect"} for x in (0.0, 1.0)]
    return pd.DataFrame(out, columns=["forecast", "observed", "n", "series"])


def cumulative_profit(cards: Sequence[dict]) -> pd.DataFrame:
    """Flat-stake profit over time of every pick and of the value bets on finished cards."""
    rows = []
    for strategy, value_only in (("every pick", False), ("value bets", True)):
        total = 0.0
        for card in _finished_scored(cards):
            r = bet_returns([card], value_only)
            if r:
                total += r[0]
                rows.append((card["kickoff_date"], total, strategy))
    frame = pd.DataFrame(rows, columns=["kickoff", "profit", "strategy"])
    frame["kickoff"] = pd.to_datetime(frame["kickoff"])
    return frame


# -- model health --------------------------------------------------------------------------


def model_summary(info: dict | None, health: dict | None) -> str:
    if not info:
        return "No model information from the API."
    m = info["model"]
    seasons = ", ".join(m.get("train_seasons") or []) or "–"
    leagues = ", ".join(m.get("train_leagues") or []) or "–"
    lines = [
        f"**{m['name']}** version **{m.get('version') or '–'}** (alias `{m.get('alias') or '–'}`, "
        f"family {m.get('family') or '–'})",
        "",
        f"- registered {m.get('registered_at') or '–'}; trained through {m.get('trained_through') or '–'}",
        f"- training seasons {seasons}; leagues {leagues}",
        f"- serving refit seasons {', '.join(m.get('serving_fit_seasons') or []) or '–'}",
        f"- gate: {m.get('gate') or '–'}; promoted by {m.get('promoted_by') or '–'}"
        + (f" ({m['promotion_reason']})" if m.get("promotion_reason") else ""),
    ]
    if m.get("mlflow_run_url"):
        lines.append(f"- MLflow run: {m['mlflow_run_url']}")
    if health:
        s = health["scores"]
        share = health.get("drift_share")
        lines += [
            "",
            f"Headline ({s['basis']}, {s['matches']} matches): log loss {_num(s.get('logloss'))} "
            f"vs market {_num(s.get('market_logloss'))}; accuracy {_fmt(s.get('accuracy'))} "
            f"vs market {_fmt(s.get('market_accuracy'))}.",
            f"Drift share of features: **{_fmt(share)}**" if share is not None else "No drift report yet.",
        ]
    return "\n".join(lines)


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.4f}"


def drift_bars(drift: dict | None, top: int = 20) -> pd.DataFrame:
    """Per-feature drift scores, most drifted first (the API's order)."""
    rows = [
        {"feature": f["column"], "score": f["score"], "drifted": "drifted" if f["drifted"] else "stable"}
        for f in (drift or {}).get("features", [])[:top]
    ]
    return pd.DataFrame(rows, columns=["feature", "score", "drifted"])


def divergence_bars(health: dict | None) -> pd.DataFrame:
    """Model-minus-market histogram per outcome: bin centre (pp) and count."""
    rows = []
    for d in (health or {}).get("divergence", []):
        edges, counts = d["bin_edges_pp"], d["counts"]
        for i, count in enumerate(counts):
            rows.append(
                {"pp": round((edges[i] + edges[i + 1]) / 2, 2), "cards": count, "outcome": d["outcome"]}
            )
    return pd.DataFrame(rows, columns=["pp", "cards", "outcome"])


def league_drift_table(health: dict | None) -> pd.DataFrame:
    columns = ["league", "reference_rows", "current_rows", "drifted_columns", "columns", "drift_share"]
    rows = [[d.get(c) for c in columns] for d in (health or {}).get("league_drift", [])]
    return pd.DataFrame(rows, columns=columns)


# -- dashboard -----------------------------------------------------------------------------


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def freshness_html(freshness: dict | None) -> str:
    """One coloured line per source and dataset: green ok, red stale or missing."""
    if not freshness:
        return "<p>No freshness information from the API.</p>"
    colours = {"ok": "#1a7f37", "stale": "#b42318", "missing": "#b42318"}
    rows = "".join(
        f"<tr><td>{i['name']}</td><td>{i['kind']}</td>"
        f"<td style='color:{colours.get(i['status'], '#555')};font-weight:600'>{i['status']}</td>"
        f"<td>{_age(i.get('age_s'))}</td><td>{_age(i['stale_after_s'])}</td></tr>"
        for i in freshness["items"]
    )
    return (
        f"<p>{freshness['stale']} stale of {len(freshness['items'])}.</p>"
        "<table class='freshness'><tr><th>name</th><th>kind</th><th>status</th><th>age</th>"
        f"<th>stale after</th></tr>{rows}</table>"
    )


def system_markdown(ready: dict | None, system: dict | None, links: dict[str, str | None]) -> str:
    lines = []
    if ready:
        reasons = "; ".join(ready.get("reasons") or [])
        lines.append(
            f"API status: **{ready['status']}**{' (' + reasons + ')' if reasons else ''}, "
            f"answered in {ready.get('latency_ms', 0):.0f} ms."
        )
    else:
        lines.append("API status: **unreachable**.")
    if system:
        m = system["model"]
        lines += [
            f"- publication `{system['publication_id']}`, {_age(system['publication_age_s'])} old",
            f"- model {m['name']} v{m.get('version') or '–'} ({m.get('alias') or '–'})",
            f"- uptime {_age(system['uptime_s'])}; requests today {system['requests_today']}, "
            f"predictions served today {system['predictions_served_today']}",
            f"- latency p50 {_num_ms(system.get('latency_p50_ms'))}, "
            f"p95 {_num_ms(system.get('latency_p95_ms'))}; "
            f"reloads ok {system['reloads_ok']}, failed {system['reloads_failed']}",
        ]
    for name, url in links.items():
        lines.append(f"- {name}: [{url}]({url})" if url else f"- {name}: not configured")
    return "\n".join(lines)


def _num_ms(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f} ms"


# -- match page ----------------------------------------------------------------------------


def match_label(card: dict) -> str:
    return f"{card['kickoff_date']} {card['league']} {card['home_team']} – {card['away_team']}"


def match_choices(cards: Sequence[dict], limit: int = MAX_ROWS) -> list[tuple[str, str]]:
    return [(match_label(c), c["match_id"]) for c in display_order(cards)[:limit]]


def side_by_side(card: dict | None) -> pd.DataFrame:
    """One bar per outcome and source (``H model``, ``H market``, ...), probabilities in %."""
    rows = []
    if card:
        for code, name in OUTCOMES:
            rows.append(
                {"bar": f"{code} model", "source": "model", "probability %": _pct(card[f"prob_{name}"])}
            )
            if card.get(f"market_{name}") is not None:
                rows.append(
                    {
                        "bar": f"{code} market",
                        "source": "market",
                        "probability %": _pct(card[f"market_{name}"]),
                    }
                )
    return pd.DataFrame(rows, columns=["bar", "source", "probability %"])


def match_summary(card: dict | None) -> str:
    if not card:
        return "Choose a match."
    parts = [
        f"### {card['home_team']} – {card['away_team']}",
        f"{card['league_name']} ({card['region']}), {card['kickoff_date']}, {card['status']}",
        "",
        "| | H | D | A |",
        "|---|---:|---:|---:|",
        "| model | " + " | ".join(_fmt(card[f"prob_{n}"]) for _, n in OUTCOMES) + " |",
        "| market | " + " | ".join(_fmt(card.get(f"market_{n}")) for _, n in OUTCOMES) + " |",
        "| odds | " + " | ".join(f"{card.get(f'odds_{n}') or '–'}" for _, n in OUTCOMES) + " |",
        "",
        f"Pick **{card['pick']}**. "
        + (f"Value bet: {value_marker(card)}." if card.get("value_outcome") else "No value bet."),
    ]
    if card["status"] == "finished":
        parts.append(f"Final score {_score(card) or '–'}; the pick was {_right(card) or 'not scored'}.")
    return "\n".join(parts)


TIMING_LABEL = {"pre": "1 · pre-match", "close": "2 · closing"}  # sorts in time order on the axis


def odds_history(history: dict | None) -> pd.DataFrame:
    """The match's quotes in order, one line per outcome and book.

    ``when`` is the capture time where the source gives one, else the quote's timing
    (``pre``, then ``close``): football-data's prices carry no capture time.
    """
    rows = []
    quotes = (history or {}).get("history", [])
    order = {"pre": 0, "close": 1}
    quotes = sorted(quotes, key=lambda q: (q.get("captured_at") or "", order.get(q["timing"], 2)))
    for q in quotes:
        when = (q.get("captured_at") or "")[:16].replace("T", " ") or TIMING_LABEL.get(
            q["timing"], q["timing"]
        )
        for code, name in OUTCOMES:
            rows.append({"when": when, "odds": q[f"odds_{name}"], "line": f"{code} · {q['book']}"})
    return pd.DataFrame(rows, columns=["when", "odds", "line"])


def odds_history_note(history: dict | None, message: str | None) -> str:
    if message:
        return message
    quotes = (history or {}).get("history", [])
    if not quotes:
        return "No quotes are published for this match."
    timed = sum(1 for q in quotes if q.get("captured_at"))
    return f"{len(quotes)} quotes ({timed} with a capture time)."


def contributions(explanation: dict | None) -> tuple[pd.DataFrame, str]:
    columns = ["outcome", "feature", "value", "contribution"]
    if not explanation:
        return pd.DataFrame([], columns=columns), "No explanation."
    rows = [
        [
            code,
            c["feature"],
            None if c.get("value") is None else round(c["value"], 4),
            round(c["contribution"], 4),
        ]
        for code, name in OUTCOMES
        for c in explanation.get(name, [])
    ]
    note = explanation.get("detail") or ""
    if not explanation.get("available"):
        note = f"Feature contributions are not available: {note}"
    return pd.DataFrame(rows, columns=columns), note


def what_if_result(prediction: dict | None, message: str | None) -> tuple[pd.DataFrame, str]:
    """The on-demand answer as a probability table and a sentence (or the API's reason)."""
    columns = ["outcome", "model %", "market %", "edge pp"]
    if message or not prediction:
        return pd.DataFrame([], columns=columns), message or "No answer."
    market = prediction.get("market") or {}
    rows = [
        [
            code,
            _pct(prediction[f"prob_{name}"]),
            _pct(market.get(f"market_{name}")),
            None if market.get(f"edge_pp_{name}") is None else round(market[f"edge_pp_{name}"], 1),
        ]
        for code, name in OUTCOMES
    ]
    m = prediction["model"]
    notes = " ".join(prediction.get("notes") or [])
    text = (
        f"{prediction['home_team']} – {prediction['away_team']} ({prediction['league']}, "
        f"{prediction['kickoff_date']}): pick **{prediction['pick']}** by {m['name']} v{m['version']} "
        f"({prediction['source'].replace('_', ' ')}). {notes}"
    ).strip()
    return pd.DataFrame(rows, columns=columns), text


def teams_of(cards: Sequence[dict], league: str) -> list[str]:
    code = league.split(" · ")[0]
    return sorted({c[k] for c in cards if c["league"] == code for k in ("home_team", "away_team")})
