"""Schedules and the run-failure sensor, evaluated with Dagster's test utilities on a real instance."""

import datetime as dt
import http.server
import json
import threading

import dagster as dg
import pytest

from soccer_assets.definitions import build_definitions
from soccer_assets.defs.ingestion.automation import CANONICAL_JOB
from tests.assets.conftest import Platform
from tests.conftest import make_settings


def _schedule(defs: dg.Definitions, name: str) -> dg.ScheduleDefinition:
    return next(s for s in defs.schedules if s.name == name)


def _tick(defs: dg.Definitions, instance: dg.DagsterInstance):
    context = dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=dt.datetime(2026, 11, 22, 5, tzinfo=dt.UTC),
        repository_def=defs.get_repository_def(),
    )
    return _schedule(defs, "daily_results_schedule").evaluate_tick(context)


def test_daily_results_schedule_refetches_the_running_season(tmp_path, instance):
    settings = make_settings("http://unused/", str(tmp_path), ("E0", "D1"), ["2526", "2627"])
    defs = build_definitions(settings)
    result = _tick(defs, instance)
    assert sorted(r.partition_key for r in result.run_requests) == ["D1|2627", "E0|2627"]
    assert len({r.run_key for r in result.run_requests}) == 2  # one run per partition and day


def test_daily_results_schedule_skips_a_season_outside_the_settings(tmp_path, instance):
    defs = build_definitions(make_settings("http://unused/", str(tmp_path), ("E0",), ["2425", "2526"]))
    result = _tick(defs, instance)
    assert not result.run_requests and "2026/27" in result.skip_message


def test_schedules_and_sensors_start_running_unless_automation_is_off(tmp_path):
    on = build_definitions(make_settings("http://unused/", str(tmp_path), ("E0",), ["2526"]))
    off = build_definitions(
        make_settings("http://unused/", str(tmp_path), ("E0",), ["2526"], automation_on=False)
    )
    assert _schedule(on, "weekly_retrain_schedule").cron_schedule == "0 3 * * 1"
    assert {s.default_status for s in on.sensors} == {dg.DefaultSensorStatus.RUNNING}
    assert {s.default_status for s in off.sensors} == {dg.DefaultSensorStatus.STOPPED}
    assert _schedule(off, "weekly_retrain_schedule").default_status == dg.DefaultScheduleStatus.STOPPED


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts", _Receiver.received
    server.shutdown()


def test_a_failed_run_is_recorded_logged_and_posted(tmp_path, instance, mirror, webhook):
    url, received = webhook
    settings = make_settings(mirror.url, str(tmp_path / "store"), ("E0",), ["2324"], alert_webhook_url=url)
    platform = Platform(settings, build_definitions(settings), instance)
    failed = platform.defs.resolve_job_def(CANONICAL_JOB).execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not failed.success  # nothing ingested yet: matches refuses to build
    failure = next(e for e in failed.all_events if e.event_type_value == "PIPELINE_FAILURE")
    sensor = next(s for s in platform.defs.sensors if s.name == "alert_on_run_failure")
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(failed.run_id),
        resources={"storage": platform.defs.resources["storage"]},
    ).for_run_failure()
    with context:
        sensor(context)
    alerts = platform.defs.resources["storage"].blobstore().list("alerts")
    assert len(alerts) == 1 and failed.run_id in alerts[0]
    assert [a["run_id"] for a in received] == [failed.run_id]
    assert received[0]["job"] == CANONICAL_JOB
