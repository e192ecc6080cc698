"""How many CPUs this process may really use: its affinity mask and its cgroup's CPU quota.

``os.cpu_count()`` is the host's core count. In a container with a CPU limit on a large node,
or beside other work pinned to some cores, native thread pools sized by it oversubscribe the
CPUs they get, and a fit can become ten times slower (see ``lib/models/threads.py``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _affinity() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def cgroup_cpu_limit(root: Path = CGROUP_ROOT) -> float | None:
    """The CPU quota in CPUs (1.5 = one and a half), or None when there is none.

    cgroup v2 keeps ``<quota> <period>`` (or ``max <period>``) in ``cpu.max``; v1 keeps them
    in ``cpu/cpu.cfs_quota_us`` (-1 when unlimited) and ``cpu/cpu.cfs_period_us``.
    """
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        if quota == "max" or not period:
            return None
        return int(quota) / int(period)
    quota_v1 = _read(root / "cpu" / "cpu.cfs_quota_us")
    period_v1 = _read(root / "cpu" / "cpu.cfs_period_us")
    if quota_v1 is None or period_v1 is None or int(quota_v1) <= 0:
        return None
    return int(quota_v1) / int(period_v1)


def usable_cpus(root: Path = CGROUP_ROOT) -> int:
    """The smaller of the CPUs in the affinity mask and the cgroup quota (rounded up), at least 1."""
    cpus = _affinity()
    limit = cgroup_cpu_limit(root)
    if limit is not None:
        cpus = min(cpus, math.ceil(limit))
    return max(1, cpus)
