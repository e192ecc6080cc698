"""Progress of a tuning study, as lines a person can follow: trial k of N, best so far, time left."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from soccer_assets.lib.models.tuning import TrialRecord


class TrialProgress:
    """Call with each finished trial; emits at most one line every ``every_s`` seconds (and the last)."""

    def __init__(
        self,
        family: str,
        n_trials: int,
        emit: Callable[[str], None],
        every_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.family = family
        self.n_trials = n_trials
        self.emit = emit
        self.every_s = every_s
        self.clock = clock
        self.started = clock()
        self.last_emit: float | None = None
        self.done = 0
        self.best: float | None = None

    def __call__(self, record: TrialRecord) -> None:
        self.done += 1
        if record.cv_logloss is not None and math.isfinite(record.cv_logloss):
            self.best = record.cv_logloss if self.best is None else min(self.best, record.cv_logloss)
        now = self.clock()
        final = self.done >= self.n_trials
        if not final and self.last_emit is not None and now - self.last_emit < self.every_s:
            return
        self.last_emit = now
        self.emit(self.line(now))

    def line(self, now: float) -> str:
        elapsed = now - self.started
        best = f"{self.best:.4f}" if self.best is not None else "none yet"
        text = f"{self.family}: trial {self.done}/{self.n_trials}, best CV log loss {best}"
        if self.done < self.n_trials:
            left = elapsed / self.done * (self.n_trials - self.done)
            text += f", about {left:.0f} s left"
        else:
            text += f", {elapsed:.0f} s in all"
        return text
