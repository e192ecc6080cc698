"""A Dagster logger that prints what a person at the terminal wants to follow, and nothing else.

``soccer run`` selects it instead of the console logger: one line when an asset starts,
one when it ends (with its duration), warnings and the steps' own progress messages (a
tuning study says trial k of N, the best CV log loss so far and the time left), and the
reason of every failed check. Dagster's event stream stays in the run's own log, where
``dagster dev`` shows it.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import dagster as dg

LOGGER_NAME = "soccer_progress"
INDENT = "   "


def _format(record: logging.LogRecord, steps: bool = True, level: int = logging.INFO) -> str | None:
    meta: dict[str, Any] = getattr(record, "dagster_meta", {}) or {}
    event = meta.get("dagster_event")
    step = meta.get("step_key") or ""
    if event is None:
        if record.levelno < level:
            return None
        message = meta.get("orig_message") or record.getMessage()
        tag = (
            "warning  "
            if record.levelno == logging.WARNING
            else ("error    " if record.levelno >= logging.ERROR else "         ")
        )
        return f"{INDENT}{tag}{message}"
    kind = event.event_type_value
    data = event.event_specific_data
    if not steps and kind in ("STEP_START", "STEP_SUCCESS"):
        return None
    if kind == "STEP_START":
        return f"{INDENT}started  {event.step_key}"
    if kind == "STEP_SUCCESS":
        return f"{INDENT}done     {event.step_key} ({data.duration_ms / 1000:.1f} s)"
    if kind == "STEP_FAILURE":
        error = getattr(data, "error", None)
        reason = (
            error.message.strip().splitlines()[0]
            if error is not None and error.message
            else "see the run log"
        )
        return f"{INDENT}FAILED   {event.step_key}: {reason}"
    if kind == "ASSET_CHECK_EVALUATION" and not data.passed:
        lines = (data.description or "").strip().splitlines()
        check = f"{data.asset_key.to_user_string()}:{data.check_name}"
        return f"{INDENT}CHECK    {check} failed: {lines[0] if lines else step}"
    return None


class ProgressHandler(logging.Handler):
    def __init__(self, stream: TextIO, steps: bool = True, level: int = logging.INFO):
        super().__init__()
        self.stream = stream
        self.steps = steps
        self.level_shown = level

    def emit(self, record: logging.LogRecord) -> None:
        line = _format(record, self.steps, self.level_shown)
        if line is not None:
            self.stream.write(line + "\n")
            self.stream.flush()


@dg.logger(
    config_schema={
        "steps": dg.Field(bool, default_value=True, description="say when steps start and end"),
        "level": dg.Field(str, default_value="INFO", description="the least level of messages shown"),
    },
    description="Terminal progress of `soccer run`: assets started and done, warnings, failed checks.",
)
def soccer_progress(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger(LOGGER_NAME, level=logging.DEBUG)
    config = init_context.logger_config
    shown = getattr(logging, str(config["level"]).upper(), logging.INFO)
    logger.addHandler(ProgressHandler(sys.stdout, config["steps"], shown))
    return logger


def progress_run_config(steps: bool = True, level: str = "INFO") -> dict[str, Any]:
    """Run config selecting the progress logger alone (no console event stream)."""
    return {"loggers": {LOGGER_NAME: {"config": {"steps": steps, "level": level}}}}
