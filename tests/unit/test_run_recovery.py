"""reap_dead_runs: only runs of this host whose process is gone are marked failed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

from soccer_assets.run_recovery import HOST_TAG, PID_START_TAG, PID_TAG, process_tags, reap_dead_runs


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _started_run(instance: dg.DagsterInstance, run_id: str, tags: dict[str, str]) -> None:
    instance.add_run(
        DagsterRun(job_name="inference_job", run_id=run_id, status=DagsterRunStatus.STARTED, tags=tags)
    )


def test_only_dead_runs_of_this_host_are_failed():
    host = socket.gethostname()
    with dg.instance_for_test() as instance:
        _started_run(instance, "dead", {HOST_TAG: host, PID_TAG: str(_dead_pid())})
        _started_run(instance, "alive", process_tags())
        _started_run(instance, "elsewhere", {HOST_TAG: "another-host", PID_TAG: str(_dead_pid())})
        _started_run(instance, "reused", {HOST_TAG: host, PID_TAG: str(os.getpid()), PID_START_TAG: "1"})
        _started_run(instance, "launched", {})  # a daemon-launched run: Dagster's run monitoring's
        lines: list[str] = []
        reaped = reap_dead_runs(instance, log=lines.append)
        assert sorted(r.run_id for r in reaped) == ["dead", "reused"]  # a reused pid is not the run's process
        status = {
            r: instance.get_run_by_id(r).status for r in ("dead", "alive", "elsewhere", "reused", "launched")
        }
        assert status == {
            "dead": DagsterRunStatus.FAILURE,
            "alive": DagsterRunStatus.STARTED,
            "elsewhere": DagsterRunStatus.STARTED,
            "reused": DagsterRunStatus.FAILURE,
            "launched": DagsterRunStatus.STARTED,
        }
        assert lines[0].startswith("marked run ") and "died" in lines[0]
        assert reap_dead_runs(instance, log=lines.append) == []  # nothing twice
