"""Per-team match statistics from WhoScored's match-centre data.

Team stats in ``home.stats`` / ``away.stats`` are per-minute series (``{"12": 1, ...}``,
or an empty list when the team never recorded one); counts are their sums. Possession
is the team's share of both teams' ``possession`` sums, the team rating is the value
at the last minute. Cards come from the incident events: a second yellow counts as a
yellow and as a red, as in football-data's HY/HR.
"""

from __future__ import annotations

from typing import Any

import polars as pl

COUNT_STATS = {
    "shots": "shotsTotal",
    "shots_on_target": "shotsOnTarget",
    "shots_off_target": "shotsOffTarget",
    "shots_blocked": "shotsBlocked",
    "corners": "cornersTotal",
    "fouls": "foulsCommited",  # sic, the site's spelling
    "offsides": "offsidesCaught",
    "passes": "passesTotal",
    "passes_accurate": "passesAccurate",
    "key_passes": "passesKey",
    "tackles": "tacklesTotal",
    "interceptions": "interceptions",
    "clearances": "clearances",
    "aerials_won": "aerialsWon",
    "dribbles_won": "dribblesWon",
    "touches": "touches",
}
STATS_SCHEMA: dict[str, pl.DataType] = {
    "ws_match_id": pl.Int64(),
    "side": pl.String(),
    "team": pl.String(),
    "team_id": pl.Int64(),
    "opponent": pl.String(),
    "goals": pl.Int16(),
    "ht_goals": pl.Int16(),
    **{name: pl.Int32() for name in COUNT_STATS},
    "yellow_cards": pl.Int16(),
    "red_cards": pl.Int16(),
    "possession": pl.Float64(),
    "rating": pl.Float64(),
}


class MatchCentreFormatError(ValueError):
    """matchCentreData lacks the team blocks this parser reads."""


def _series(stats: dict[str, Any], key: str) -> dict[str, float]:
    value = stats.get(key)
    return {k: float(v) for k, v in value.items() if v is not None} if isinstance(value, dict) else {}


def _total(stats: dict[str, Any], key: str) -> int:
    return int(round(sum(_series(stats, key).values())))


def _last(stats: dict[str, Any], key: str) -> float | None:
    series = _series(stats, key)
    return series[max(series, key=int)] if series else None


def _cards(team: dict[str, Any]) -> tuple[int, int]:
    kinds = [
        (event.get("cardType") or {}).get("displayName")
        for event in team.get("incidentEvents") or []
        if isinstance(event, dict)
    ]
    yellow = sum(k in ("Yellow", "SecondYellow") for k in kinds)
    red = sum(k in ("Red", "SecondYellow") for k in kinds)
    return yellow, red


def team_rows(data: dict[str, Any], ws_match_id: int) -> list[dict[str, Any]]:
    """Two rows (home, away) of team statistics for one match."""
    teams = {side: data.get(side) for side in ("home", "away")}
    if not all(isinstance(t, dict) and isinstance(t.get("stats"), dict) for t in teams.values()):
        raise MatchCentreFormatError(f"match {ws_match_id}: matchCentreData lacks home/away team stats")
    possession = {side: sum(_series(t["stats"], "possession").values()) for side, t in teams.items()}  # type: ignore[index]
    both = sum(possession.values())
    rows = []
    for side, other in (("home", "away"), ("away", "home")):
        team: dict[str, Any] = teams[side]  # type: ignore[assignment]
        scores = team.get("scores") or {}
        yellow, red = _cards(team)
        rows.append(
            {
                "ws_match_id": ws_match_id,
                "side": side,
                "team": str(team.get("name")),
                "team_id": team.get("teamId"),
                "opponent": str(teams[other].get("name")),  # type: ignore[union-attr]
                "goals": scores.get("fulltime"),
                "ht_goals": scores.get("halftime"),
                **{name: _total(team["stats"], key) for name, key in COUNT_STATS.items()},
                "yellow_cards": yellow,
                "red_cards": red,
                "possession": round(100 * possession[side] / both, 2) if both else None,
                "rating": _last(team["stats"], "ratings"),
            }
        )
    return rows


def stats_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=STATS_SCHEMA)
