"""Alert rules (deploy/prometheus/rules.yml): promtool checks and unit tests, a mutation check that
every alert's tests can fail both ways, runbooks, and a live run where a real Prometheus scrapes
the running API and a real Alertmanager delivers an alert to a local webhook."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from tests.deploy.conftest import Webhook, free_port
from tests.deploy.tools import DEPLOY, REPO_ROOT, run, tool
from tests.services import stop_process, wait_until_answering

RULES = DEPLOY / "prometheus" / "rules.yml"
# unit tests: minutes-scale alerts (evaluated every minute) and days-scale ones (every hour)
TESTS = [DEPLOY / "prometheus" / "tests.yml", DEPLOY / "prometheus" / "tests-long.yml"]
RUNBOOKS = REPO_ROOT / "docs" / "runbooks"


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def alert_names() -> list[str]:
    return [rule["alert"] for rule in rules()]


def test_promtool_check_rules() -> None:
    result = run([tool("promtool"), "check", "rules", RULES])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules())} rules found" in result.stdout


def test_promtool_unit_tests_pass() -> None:
    result = run([tool("promtool"), "test", "rules", *TESTS])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(TESTS), result.stdout


def test_the_alerts_the_issue_asks_for() -> None:
    assert sorted(alert_names()) == sorted(
        [
            "SoccerApiHighErrorRate",
            "SoccerApiHighLatency",
            "SoccerPublicationStale",
            "SoccerIngestionMissing",
            "SoccerFonbetSnapshotsMissing",
            "SoccerDriftHigh",
            "SoccerModelWorseThanMarket",
            "SoccerNoChampion",
            "SoccerApiTargetDown",
        ]
    )


@pytest.mark.parametrize("alert", alert_names())
def test_each_alert_has_severity_annotations_and_a_runbook(alert: str) -> None:
    rule = next(rule for rule in rules() if rule["alert"] == alert)
    assert rule["labels"]["severity"] in ("critical", "warning")
    annotations = rule["annotations"]
    assert annotations["summary"] and annotations["description"]
    assert annotations["runbook_url"].endswith(f"/docs/runbooks/{alert}.md")
    runbook = (RUNBOOKS / f"{alert}.md").read_text()
    assert runbook.startswith(f"# {alert}")
    for section in ("## Meaning", "## Impact", "## Diagnosis", "## Fix"):
        assert section in runbook, (alert, section)


@pytest.mark.parametrize("alert", alert_names())
def test_each_alert_is_tested_firing_and_silent(alert: str) -> None:
    cases = [
        case
        for path in TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case["alertname"] == alert
    ]
    assert any(case["exp_alerts"] for case in cases), f"{alert} is never expected to fire"
    assert any(not case["exp_alerts"] for case in cases), f"{alert} is never expected to stay silent"


@pytest.mark.parametrize("mutation", ["always", "never"])
def test_the_unit_tests_catch_a_broken_rule(mutation: str, tmp_path: Path) -> None:
    """Replace one alert's expression by one that always (never) fires: promtool must fail, for
    every alert in turn. So each alert's tests see it firing and not firing."""
    text = RULES.read_text()
    for alert in alert_names():
        broken = yaml.safe_load(text)
        target = next(r for g in broken["groups"] for r in g["rules"] if r["alert"] == alert)
        target["expr"] = "vector(1)" if mutation == "always" else "vector(1) == 0"
        (tmp_path / "rules.yml").write_text(yaml.safe_dump(broken))
        # only the file that tests this alert (promtool evaluates every rule at every step)
        tests = [path for path in TESTS if f"alertname: {alert}\n" in path.read_text()]
        for path in tests:
            (tmp_path / path.name).write_text(path.read_text())
        result = run([tool("promtool"), "test", "rules", *(tmp_path / path.name for path in tests)])
        assert result.returncode != 0, f"{alert} -> {target['expr']}: the unit tests still pass"


# --- live: Prometheus scrapes the API, Alertmanager delivers to a webhook ---------------------


@contextmanager
def service(
    command: list[str | Path], log: Path, ready_url: str, timeout: float = 60
) -> Iterator[subprocess.Popen]:
    """Start a server process in its own session; wait for ``ready_url``; always stop it."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(part) for part in command], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_answering(
            ready_url,
            proc,
            timeout,
            lambda: f"{command[0]} did not start: {log.read_text(errors='replace')[-3000:]}",
        )
        yield proc
    finally:
        stop_process(proc)


def live_rules(folder: Path) -> Path:
    """The project's rules with every ``for`` shortened to 0s: the same expressions, evaluated
    now instead of after minutes or hours."""
    document = yaml.safe_load(RULES.read_text())
    for group in document["groups"]:
        group["interval"] = "1s"
        for rule in group["rules"]:
            rule["for"] = "0s"
    path = folder / "rules.yml"
    path.write_text(yaml.safe_dump(document))
    return path


def wait_for(predicate, timeout: float, what: str, fail: bool = True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    if fail:
        pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
    return None


@pytest.mark.slow
def test_prometheus_scrapes_the_api_and_alertmanager_delivers_an_alert(
    live_api, webhook: Webhook, tmp_path: Path
) -> None:
    am_port, prom_port = free_port(), free_port()
    am_config = tmp_path / "alertmanager.yml"
    am_config.write_text(
        yaml.safe_dump(
            {
                "route": {
                    "receiver": "webhook",
                    "group_by": ["alertname"],
                    "group_wait": "0s",
                    "group_interval": "1s",
                    "repeat_interval": "1h",
                },
                "receivers": [
                    {"name": "webhook", "webhook_configs": [{"url": webhook.url, "send_resolved": True}]}
                ],
            }
        )
    )
    prom_config = tmp_path / "prometheus.yml"
    api_address = live_api.url.removeprefix("http://")
    prom_config.write_text(
        yaml.safe_dump(
            {
                # a 2 s timeout: on a busy 2-core machine a 1 s scrape timeout flaps up to 0
                "global": {"scrape_interval": "2s", "evaluation_interval": "1s", "scrape_timeout": "2s"},
                "rule_files": [str(live_rules(tmp_path))],
                "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
                "scrape_configs": [
                    {"job_name": "soccer-api", "static_configs": [{"targets": [api_address]}]}
                ],
            }
        )
    )
    alertmanager = [
        tool("prometheus-alertmanager"),
        f"--config.file={am_config}",
        f"--storage.path={tmp_path / 'alertmanager'}",
        f"--web.listen-address=127.0.0.1:{am_port}",
        "--cluster.listen-address=",  # a single instance: no gossip port
    ]
    prometheus = [
        tool("prometheus"),
        f"--config.file={prom_config}",
        f"--storage.tsdb.path={tmp_path / 'prometheus'}",
        f"--web.listen-address=127.0.0.1:{prom_port}",
        "--rules.alert.resend-delay=1s",
        "--web.enable-lifecycle",
    ]
    prom_url = f"http://127.0.0.1:{prom_port}"
    with (
        service(alertmanager, tmp_path / "alertmanager.log", f"http://127.0.0.1:{am_port}/-/ready"),
        service(prometheus, tmp_path / "prometheus.log", f"{prom_url}/-/ready"),
    ):

        def query(expr: str) -> list[dict]:
            answer = httpx.get(f"{prom_url}/api/v1/query", params={"query": expr}, timeout=5).json()
            assert answer["status"] == "success", answer
            return answer["data"]["result"]

        # the API is scraped, and its publication figures are in Prometheus
        wait_for(lambda: query('up{job="soccer-api"} == 1'), 30, "the first scrape of the API")
        assert query('soccer_publication_loaded{job="soccer-api"} == 1')
        fresh = query('time() - soccer_source_last_fetch_timestamp_seconds{source="football-data/results"}')
        assert fresh and float(fresh[0]["value"][1]) < 26 * 3600

        # The pipeline store was built with Fonbet unreachable (a 404): the publication lists the
        # source with no snapshot, so the real SoccerFonbetSnapshotsMissing rule fires, and
        # Alertmanager posts it to the webhook.
        def delivered(name: str) -> list[dict]:
            return [
                a for a in webhook.alerts() if a["labels"]["alertname"] == name and a["status"] == "firing"
            ]

        fonbet = wait_for(
            lambda: delivered("SoccerFonbetSnapshotsMissing"), 60, "the Fonbet alert at the webhook"
        )
        assert fonbet[0]["labels"]["source"] == "fonbet/line"
        assert fonbet[0]["labels"]["severity"] == "warning"
        assert fonbet[0]["annotations"]["runbook_url"].endswith(
            "/docs/runbooks/SoccerFonbetSnapshotsMissing.md"
        )

        # what holds on this store stays silent (once a scrape and an evaluation have passed:
        # before the first scrape, absent(up) makes SoccerApiTargetDown fire with for: 0s)
        quiet = {
            "SoccerApiTargetDown",
            "SoccerPublicationStale",
            "SoccerIngestionMissing",
            "SoccerApiHighErrorRate",
        }

        def active() -> list[dict]:
            return httpx.get(f"{prom_url}/api/v1/alerts", timeout=5).json()["data"]["alerts"]

        def silent() -> bool:
            return not quiet & {alert["labels"]["alertname"] for alert in active()}

        if not wait_for(silent, 20, "the alerts that should be silent", fail=False):
            pytest.fail(f"alerts that should be silent: {active()} up: {query('up[30s]')}")

        # stop the API: the scrape times out, up == 0, and that alert is delivered too (an
        # earlier SoccerApiTargetDown from absent(up) before the first scrape has no instance)
        live_api.proc.send_signal(signal.SIGSTOP)
        try:
            down = wait_for(
                lambda: [
                    a for a in delivered("SoccerApiTargetDown") if a["labels"].get("instance") == api_address
                ],
                60,
                "the target-down alert at the webhook",
            )
        finally:
            live_api.proc.send_signal(signal.SIGCONT)
        assert down[0]["labels"]["job"] == "soccer-api"
        assert re.search(r"Prometheus cannot scrape the soccer API at ", down[0]["annotations"]["summary"])
