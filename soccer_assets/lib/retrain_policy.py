"""When automation may start a retrain: the rules, free of Dagster so they can be tested alone.

A retrain is expensive (every family tuned again) and its downstream refresh writes new
monitoring reports, so a careless trigger feeds itself. The rules:

- **one retrain per data version**: never for the ``matches`` data a registered version was
  trained on, or that a retrain was already started for (whatever became of it);
- **none in flight**: nothing is requested while a training run is queued or running;
- **data volume**: counts new finished matches against the newest training, not the model
  in use, so an unpromoted candidate does not make every daily ingestion a retrain;
- **drift episodes**: a drift retrain when the drift share crosses the threshold from
  below, or again once a cool-down has passed since the episode began or the last drift
  request; while the share stays above, the reports that follow (the retrain's own
  downstream refresh among them) start nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingRun:
    """A run of the training job as the rules see it."""

    run_id: str
    in_flight: bool
    matches_version: str | None = None  # the `matches` data version it was started for


@dataclass(frozen=True)
class Decision:
    request: bool
    reason: str


def blocker(
    matches_version: str,
    runs: Iterable[TrainingRun],
    trained_versions: Iterable[str | None],
) -> str | None:
    """Why no retrain may start now, or None. ``trained_versions``: the ``matches`` data
    versions that registered model versions were trained on."""
    runs = list(runs)
    for run in runs:
        if run.in_flight:
            return f"training run {run.run_id} is still queued or running"
    if matches_version in set(trained_versions):
        return f"a registered model was already trained on matches version {matches_version}"
    for run in runs:
        if run.matches_version == matches_version:
            return f"training run {run.run_id} was already started for matches version {matches_version}"
    return None


def volume_decision(finished_now: int, finished_at_last_training: int | None, minimum: int) -> Decision:
    """Enough new finished matches since the newest training (any outcome, promoted or not)?"""
    if finished_at_last_training is None:
        return Decision(False, "no model trained yet: the first training runs by hand or on schedule")
    new = finished_now - finished_at_last_training
    if new < minimum:
        return Decision(False, f"{new} new finished matches since the last training (< {minimum})")
    return Decision(True, f"{new} new finished matches since the last training")


@dataclass(frozen=True)
class DriftEpisode:
    """The drift sensor's memory between ticks (kept as its cursor)."""

    above: bool = False
    started_at: dt.datetime | None = None  # when the share last crossed the threshold
    requested_at: dt.datetime | None = None  # the last drift retrain of this episode
    report: str | None = None  # the last report looked at (a run id)

    def to_cursor(self) -> str:
        fields = dataclasses.asdict(self)
        return json.dumps({k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in fields.items()})

    @classmethod
    def from_cursor(cls, cursor: str | None) -> DriftEpisode:
        if not cursor or not cursor.startswith("{"):  # none yet, or an older sensor's event id
            return cls()
        raw = json.loads(cursor)
        moment = {
            k: dt.datetime.fromisoformat(raw[k]) if raw.get(k) else None
            for k in ("started_at", "requested_at")
        }
        return cls(above=bool(raw.get("above")), report=raw.get("report"), **moment)


def drift_decision(
    episode: DriftEpisode,
    report: str,
    share: float | None,
    threshold: float,
    now: dt.datetime,
    cooldown: dt.timedelta,
    blocked: str | None,
) -> tuple[Decision, DriftEpisode]:
    """The decision on one drift report, and the episode to remember. ``blocked`` is what
    :func:`blocker` said for the data now."""
    if episode.report == report:
        return Decision(False, f"drift report of run {report} already considered"), episode
    if share is None or share <= threshold:
        shown = "unknown" if share is None else f"{share:.3f}"
        return Decision(False, f"drift share {shown} within the threshold {threshold}"), DriftEpisode(
            report=report
        )
    started = episode.started_at if episode.above and episode.started_at else now
    seen = dataclasses.replace(episode, above=True, started_at=started, report=report)
    if episode.above:
        since = max(t for t in (episode.started_at, episode.requested_at, started) if t is not None)
        if now - since < cooldown:
            left = cooldown - (now - since)
            return Decision(
                False, f"drift share {share:.3f}: same drift episode (cool-down: {_days(left)} left)"
            ), seen
    if blocked:
        return Decision(False, f"drift share {share:.3f} above {threshold}, but {blocked}"), seen
    return (
        Decision(True, f"drift share {share:.3f} crossed {threshold}"),
        dataclasses.replace(seen, requested_at=now),
    )


def _days(delta: dt.timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.1f} days" if days >= 1 else f"{delta.total_seconds() / 3600:.1f} h"
