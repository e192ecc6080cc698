"""Deployment settings, read from environment variables with the ``SOCCER_`` prefix.

Only non-secret values live here. Credentials (S3 keys, database passwords) are read
by the clients that need them at run time (boto3's standard chain, ``dg.EnvVar``), never
when this module is imported. Defaults are the production values; tests pass their
own ``Settings`` instead of mutating the environment.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from soccer_assets.lib.seasons import Season, last_seasons, parse_season_list

DEFAULT_FOOTBALL_DATA_URL = "https://www.football-data.co.uk/"
DEFAULT_LEAGUES: tuple[str, ...] = ("E0", "D1", "F1", "I1", "SP1")
DEFAULT_SEASON_COUNT = 12
DEFAULT_STORAGE_DIR = "var/store"

ENV_PREFIX = "SOCCER_"


def _split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))


@dataclass(frozen=True)
class Settings:
    football_data_url: str = DEFAULT_FOOTBALL_DATA_URL
    leagues: tuple[str, ...] = DEFAULT_LEAGUES
    seasons: tuple[Season, ...] = field(
        default_factory=lambda: tuple(last_seasons(DEFAULT_SEASON_COUNT, dt.date.today()))
    )
    # A folder path, or s3://bucket/prefix on an S3-compatible store.
    storage_url: str = DEFAULT_STORAGE_DIR
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    http_timeout_s: float = 30.0
    http_retries: int = 4
    http_backoff_s: float = 1.0

    @property
    def season_codes(self) -> list[str]:
        return [s.code for s in self.seasons]

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, today: dt.date | None = None) -> Settings:
        env = os.environ if env is None else env
        get = lambda name: (env.get(ENV_PREFIX + name) or "").strip() or None  # noqa: E731
        today = today or dt.date.today()
        storage = get("STORAGE_URL") or DEFAULT_STORAGE_DIR
        if not storage.startswith("s3://"):
            storage = str(Path(storage).expanduser().resolve())
        leagues = _split(get("LEAGUES") or ",".join(DEFAULT_LEAGUES))
        if not leagues:
            raise ValueError("SOCCER_LEAGUES names no league")
        seasons_env = get("SEASONS")
        seasons = parse_season_list(seasons_env) if seasons_env else last_seasons(DEFAULT_SEASON_COUNT, today)
        return cls(
            football_data_url=get("FOOTBALL_DATA_URL") or DEFAULT_FOOTBALL_DATA_URL,
            leagues=leagues,
            seasons=tuple(seasons),
            storage_url=storage,
            s3_endpoint_url=get("S3_ENDPOINT_URL"),
            s3_region=get("S3_REGION"),
            http_timeout_s=float(get("HTTP_TIMEOUT") or 30.0),
            http_retries=int(get("HTTP_RETRIES") or 4),
            http_backoff_s=float(get("HTTP_BACKOFF") or 1.0),
        )
