"""Where settings come from, and how a bad one is reported: one line naming the variable.

Every entry point (``soccer``, ``dagster dev`` through the code location, ``soccer serve``,
``soccer ui``) reads the same environment: the settings file, if there is one, with the
process environment on top (a variable set in the shell always wins). The file is what
``./scripts/demo`` writes (``var/soccer.env`` by default, or ``SOCCER_SETTINGS_FILE``):
plain ``KEY=VALUE`` lines, ``#`` comments. Nothing here imports dagster.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

PREFIX = "SOCCER_"
DEFAULT_SETTINGS_FILE = "var/soccer.env"
T = TypeVar("T")


class SettingsError(ValueError):
    """A setting the process cannot run with; the message names the variable, the value and what
    is allowed. Entry points print it as one line and exit with status 2."""


def settings_file(env: Mapping[str, str] | None = None) -> Path | None:
    """The settings file to read: ``SOCCER_SETTINGS_FILE``, else ``var/soccer.env`` if it exists."""
    env = os.environ if env is None else env
    named = (env.get(PREFIX + "SETTINGS_FILE") or "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise SettingsError(f"SOCCER_SETTINGS_FILE={named!r}: no such file")
        return path
    default = Path(DEFAULT_SETTINGS_FILE)
    return default if default.is_file() else None


def read_settings_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        text = text.removeprefix("export ").strip()
        key, sep, value = text.partition("=")
        if not sep or not key.strip().replace("_", "").isalnum():
            raise SettingsError(f"{path}:{number}: expected KEY=VALUE, got {line.strip()!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings file's values with the process environment (or ``env``) on top."""
    env = dict(os.environ if env is None else env)
    path = settings_file(env)
    return {**(read_settings_file(path) if path else {}), **env}


def write_settings_file(path: Path, values: Mapping[str, str], header: str) -> None:
    """Atomically (temp file + rename) write ``values`` as a settings file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [f"{key}={value}" for key, value in values.items()]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(tmp, 0o600)  # it holds an API key
    os.replace(tmp, path)


class EnvReader:
    """Typed reads of ``SOCCER_*`` values; every failure is a SettingsError naming the variable."""

    def __init__(self, env: Mapping[str, str], prefix: str = PREFIX):
        self.env = env
        self.prefix = prefix

    def raw(self, name: str) -> str | None:
        return (self.env.get(self.prefix + name) or "").strip() or None

    def fail(self, name: str, value: str, expected: str) -> SettingsError:
        return SettingsError(f"{self.prefix}{name}={value!r}: {expected}")

    def text(self, name: str, default: str) -> str:
        return self.raw(name) or default

    def optional(self, name: str) -> str | None:
        return self.raw(name)

    def parsed(
        self, name: str, default: T, parse: Callable[[str], T], expected: str, explain: bool = True
    ) -> T:
        """``parse`` the value; its error message is added in brackets when ``explain``."""
        value = self.raw(name)
        if value is None:
            return default
        try:
            return parse(value)
        except (ValueError, TypeError) as exc:
            detail = f" ({exc})" if explain and str(exc) else ""
            raise self.fail(name, value, expected + detail) from None

    def integer(self, name: str, default: int, minimum: int | None = None) -> int:
        number = self.parsed(name, default, int, "expected a whole number", explain=False)
        if minimum is not None and number < minimum:
            raise self.fail(name, str(number), f"must be at least {minimum}")
        return number

    def number(
        self, name: str, default: float, minimum: float | None = None, maximum: float | None = None
    ) -> float:
        number = self.parsed(name, default, float, "expected a number", explain=False)
        bounds = (minimum is None or number >= minimum) and (maximum is None or number <= maximum)
        if not math.isfinite(number) or not bounds:
            span = " and ".join(
                p
                for p in (
                    f">= {minimum}" if minimum is not None else "",
                    f"<= {maximum}" if maximum is not None else "",
                )
                if p
            )
            raise self.fail(
                name, str(self.raw(name)), f"expected a finite number{' ' + span if span else ''}"
            )
        return number

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise self.fail(name, value, "expected true or false")

    def url(
        self,
        name: str,
        default: str | None,
        schemes: Iterable[str] = ("http", "https"),
        need_host: bool = True,
    ) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        allowed = tuple(schemes)
        parsed = urlparse(value)
        if parsed.scheme not in allowed or (need_host and not parsed.netloc):
            raise self.fail(
                name, value, f"expected a URL starting with {' or '.join(s + '://' for s in allowed)}"
            )
        return value

    def choices(
        self, name: str, default: tuple[str, ...], allowed: Iterable[str], what: str
    ) -> tuple[str, ...]:
        value = self.raw(name)
        if value is None:
            return default
        items = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
        known = sorted(allowed)
        unknown = [v for v in items if v not in known]
        if unknown or not items:
            detail = f"unknown {what} {unknown[0]!r}" if unknown else f"names no {what}"
            raise self.fail(name, value, f"{detail}; known: {', '.join(known)}")
        return items

    def choice(self, name: str, default: str, allowed: Iterable[str]) -> str:
        value = self.raw(name)
        known = sorted(allowed)
        if value is None:
            return default
        if value not in known:
            raise self.fail(name, value, f"expected one of {', '.join(known)}")
        return value

    def moment(self, name: str) -> dt.datetime | None:
        def parse(value: str) -> dt.datetime:
            moment = dt.datetime.fromisoformat(value)
            return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)

        return self.parsed(
            name, None, parse, "expected an ISO 8601 time, e.g. 2026-03-19T12:00:00Z", explain=False
        )
