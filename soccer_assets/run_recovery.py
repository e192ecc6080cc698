"""Runs whose process died: mark them failed and give back their pool slots.

``soccer run`` executes its jobs in its own process. Killed mid-step (kill -9, an
out-of-memory kill, a lost terminal), such a run stays STARTED for ever and keeps the
concurrency-pool slot of the step it was in, so the next publication or training waits
for a slot nobody will free. Dagster's run monitoring cannot see these runs (no run
worker to health-check), so every run the CLI starts carries its host, pid and the
pid's start time, and the CLI reaps dead ones before it starts anything. Runs launched
by the daemon are left to Dagster's run monitoring (``dagster.yaml``).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg

HOST_TAG = "soccer/host"
PID_TAG = "soccer/pid"
PID_START_TAG = "soccer/pid_start"
UNFINISHED = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def _start_time(pid: int) -> str | None:
    """Start of ``pid`` in clock ticks since boot (Linux), telling a reused pid from the original."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process with that pid: alive, and not ours to judge
    return started is None or _start_time(pid) in (None, started)


def process_tags() -> dict[str, str]:
    """Tags for a run executed in this process."""
    tags = {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}
    started = _start_time(os.getpid())
    if started is not None:
        tags[PID_START_TAG] = started
    return tags


@dataclass(frozen=True)
class ReapedRun:
    run_id: str
    job_name: str
    pid: int


def reap_dead_runs(instance: dg.DagsterInstance, log: Callable[[str], None] = print) -> list[ReapedRun]:
    """Mark failed every unfinished run this host's CLI started whose process is gone."""
    host = socket.gethostname()
    records = instance.get_run_records(dg.RunsFilter(statuses=UNFINISHED, tags={HOST_TAG: host}))
    reaped = []
    for record in records:
        run = record.dagster_run
        pid = int(run.tags[PID_TAG])
        if _alive(pid, run.tags.get(PID_START_TAG)):
            continue
        instance.report_run_failed(
            run, f"its process (pid {pid} on {host}) died without finishing it; marked failed by soccer"
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(ReapedRun(run.run_id, run.job_name, pid))
        log(f"marked run {run.run_id} ({run.job_name}) failed: its process {pid} died; its pool slots freed")
    return reaped
