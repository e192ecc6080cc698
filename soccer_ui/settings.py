"""Settings of the UI process, read once at start-up from ``SOCCER_UI_*`` variables.

Same sources and error style as every other entry point (``soccer_assets.config``): the
settings file with the process environment on top, and a bad value is one line naming the
variable. Nothing here imports dagster, mlflow or the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from soccer_assets.config import EnvReader, SettingsError, environment

__all__ = ["SettingsError", "UiSettings"]


@dataclass(frozen=True)
class UiSettings:
    api_url: str = "http://127.0.0.1:8000"
    api_key: str = ""  # sent to the API by the UI server only; never reaches the browser
    host: str = "127.0.0.1"
    port: int = 7860
    dagster_url: str | None = None
    mlflow_url: str | None = None
    timeout_s: float = 10.0
    value_threshold_pp: float = 5.0  # only for the wording: value flags come from the API's cards

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> UiSettings:
        """From ``env``, or from the settings file + process environment when None."""
        env = environment() if env is None else env
        read = EnvReader(env)
        api_url = read.url("UI_API_URL", cls.api_url)
        key = read.optional("UI_API_KEY")
        if key is None:
            keys = [k.strip() for k in (read.optional("API_KEYS") or "").split(",") if k.strip()]
            if not keys:
                raise SettingsError(
                    "SOCCER_UI_API_KEY is not set (and SOCCER_API_KEYS names no key to fall back on)"
                )
            key = keys[0]
        port = read.integer("UI_PORT", cls.port, minimum=1)
        if port > 65535:
            raise read.fail("UI_PORT", str(port), "must be at most 65535")
        return cls(
            api_url=(api_url or cls.api_url).rstrip("/"),
            api_key=key,
            host=read.text("UI_HOST", cls.host),
            port=port,
            dagster_url=read.url("UI_DAGSTER_URL", None),
            mlflow_url=read.url("UI_MLFLOW_URL", None) or read.url("MLFLOW_UI_URL", None),
            timeout_s=read.number("UI_TIMEOUT_S", cls.timeout_s, minimum=0.1, maximum=600),
            value_threshold_pp=read.number("VALUE_THRESHOLD_PP", cls.value_threshold_pp, 0, 100),
        )
