"""The retrain rules on simulated weeks: no storm from daily data, no loop from drift reports."""

import datetime as dt

from soccer_assets.lib.retrain_policy import (
    DriftEpisode,
    TrainingRun,
    blocker,
    drift_decision,
    volume_decision,
)

DAY = dt.timedelta(days=1)
START = dt.datetime(2026, 9, 1, 6, tzinfo=dt.UTC)
COOLDOWN = dt.timedelta(days=7)


class Operation:
    """Days of an operator who never promotes: each retrain registers a version the gate refuses."""

    def __init__(self, finished: int, per_day: int) -> None:
        self.finished, self.per_day = finished, per_day
        self.version = 0
        self.trained = {"v0": finished}  # matches version -> finished matches of a registered model
        self.runs: list[TrainingRun] = []
        self.requests: list[int] = []

    def matches_version(self) -> str:
        return f"v{self.version}"

    def ingest_a_day(self) -> None:
        self.finished += self.per_day
        self.version += 1

    def blocked(self) -> str | None:
        return blocker(self.matches_version(), self.runs, self.trained)

    def volume_tick(self, minimum: int) -> None:
        last = max(self.trained.values())
        decision = volume_decision(self.finished, last, minimum)
        if decision.request and not self.blocked():
            self.retrain()

    def retrain(self) -> None:
        self.requests.append(self.version)
        self.runs.append(TrainingRun(f"run-{len(self.runs)}", False, self.matches_version()))
        self.trained[self.matches_version()] = self.finished  # registered, refused by the gate


def test_a_week_of_daily_ingestions_without_promotion_retrains_once_per_threshold_crossing():
    week = Operation(finished=1000, per_day=12)
    for _ in range(7):
        week.ingest_a_day()
        for _tick in range(6):  # the sensor looks every 10 minutes; a few ticks a day are enough
            week.volume_tick(minimum=50)
    assert week.requests == [5]  # 60 new matches on day 5; days 6 and 7 add 24, under 50 again


def test_a_month_of_ingestions_retrains_every_fifty_new_matches_not_every_day():
    month = Operation(finished=1000, per_day=12)
    for _ in range(30):
        month.ingest_a_day()
        month.volume_tick(minimum=50)
    assert month.requests == [5, 10, 15, 20, 25, 30]


def test_nothing_starts_while_a_training_is_in_flight_or_for_data_already_trained():
    runs = [TrainingRun("a", in_flight=True, matches_version="v1")]
    assert "still queued or running" in blocker("v2", runs, [])
    assert "already trained" in blocker("v2", [], ["v1", "v2"])
    assert "already started" in blocker("v2", [TrainingRun("b", False, "v2")], [])
    assert blocker("v3", [TrainingRun("b", False, "v2")], ["v1", None]) is None


def test_volume_counts_against_the_newest_training_and_says_so_before_the_first():
    assert not volume_decision(1000, None, 50).request
    assert volume_decision(1050, 1000, 50).request
    assert "49 new" in volume_decision(1049, 1000, 50).reason


def _report(episode, run, share, when, blocked=None):
    return drift_decision(episode, run, share, 0.3, when, COOLDOWN, blocked)


def test_a_drift_report_then_the_retrains_own_refresh_start_one_retrain():
    decision, episode = _report(DriftEpisode(), "inference-1", 0.5, START)
    assert decision.request and "crossed" in decision.reason
    # the retrain runs, its downstream refresh writes a new report, still above the threshold
    decision, episode = _report(episode, "inference-2", 0.45, START + dt.timedelta(hours=2))
    assert not decision.request and "same drift episode" in decision.reason
    # and the next days' reports too, for as long as the cool-down lasts
    for day in range(1, 7):
        decision, episode = _report(episode, f"daily-{day}", 0.5, START + day * DAY)
        assert not decision.request


def test_persisting_drift_retrains_again_only_after_the_cooldown():
    _, episode = _report(DriftEpisode(), "r1", 0.5, START)
    decision, episode = _report(episode, "r2", 0.5, START + 7 * DAY)
    assert decision.request
    decision, _ = _report(episode, "r3", 0.5, START + 8 * DAY)
    assert not decision.request


def test_a_new_episode_begins_only_when_the_share_comes_back_from_below():
    _, episode = _report(DriftEpisode(), "r1", 0.5, START)
    _, episode = _report(episode, "r2", 0.1, START + DAY)
    assert not episode.above
    decision, _ = _report(episode, "r3", 0.4, START + 2 * DAY)
    assert decision.request


def test_drift_on_data_already_trained_waits_for_new_data_and_the_cooldown():
    # the demo: the first report after training is above the threshold, on the data just trained
    decision, episode = _report(DriftEpisode(), "demo", 0.6, START, blocked="already trained on v1")
    assert not decision.request and "already trained" in decision.reason
    decision, episode = _report(episode, "next-day", 0.6, START + DAY)  # new data, same episode
    assert not decision.request
    decision, _ = _report(episode, "a-week-on", 0.6, START + 7 * DAY)
    assert decision.request


def test_the_same_report_is_considered_once_and_the_cursor_round_trips():
    decision, episode = _report(DriftEpisode(), "r1", 0.5, START)
    again, _ = _report(DriftEpisode.from_cursor(episode.to_cursor()), "r1", 0.5, START)
    assert decision.request and not again.request
    assert DriftEpisode.from_cursor(episode.to_cursor()) == episode
    assert DriftEpisode.from_cursor("12345") == DriftEpisode()  # the old asset sensor's cursor
