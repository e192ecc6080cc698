"""Settings of the API process, read once at start-up from ``SOCCER_*`` environment variables.

The store comes from ``SOCCER_STORAGE_URL`` (the same variable the pipeline writes with);
everything specific to the API has the ``SOCCER_API_`` prefix. Secrets (API keys, the
metrics token) are read here too, because the process needs them, but they never appear
in ``repr`` or in any response.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from soccer_assets.config import EnvReader, SettingsError, environment
from soccer_assets.settings import DEFAULT_STORAGE_DIR

__all__ = ["ApiSettings", "RateLimit", "SettingsError"]

DEFAULT_MAX_PUBLICATION_AGE_S = 30 * 3600  # the publication's freshness policy (fail window)
PERIODS = {"second": 1, "minute": 60, "hour": 3600}


@dataclass(frozen=True)
class RateLimit:
    requests: int
    period_s: int

    @classmethod
    def parse(cls, value: str) -> RateLimit:
        """``"600/minute"``, ``"20/second"``, ``"5000/hour"``."""
        count, _, period = value.partition("/")
        try:
            requests = int(count)
        except ValueError:
            requests = 0
        if requests < 1 or period not in PERIODS:
            raise SettingsError(
                f"SOCCER_API_RATE_LIMIT={value!r}: expected <count>/<second|minute|hour>, e.g. 600/minute"
            )
        return cls(requests, PERIODS[period])


@dataclass(frozen=True)
class ApiSettings:
    storage_url: str = DEFAULT_STORAGE_DIR
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    metrics_token: str | None = field(default=None, repr=False)
    cors_origins: tuple[str, ...] = ()
    rate_limit: RateLimit = RateLimit(600, 60)
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    reload_s: float = 5.0
    max_publication_age_s: float = DEFAULT_MAX_PUBLICATION_AGE_S
    cache_max_entries: int = 4096
    cache_max_bytes: int = 256 * 2**20
    max_page_size: int = 5000
    batch_max: int = 500
    task_queue: int = 100
    task_ttl_s: float = 3600.0
    redis_url: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiSettings:
        """From ``env``, or from the settings file + process environment when None."""
        env = environment() if env is None else env
        read = EnvReader(env)
        storage = read.text("STORAGE_URL", DEFAULT_STORAGE_DIR)
        if not storage.startswith("s3://"):
            storage = str(Path(storage).expanduser().resolve())
        return cls(
            storage_url=storage,
            s3_endpoint_url=read.url("S3_ENDPOINT_URL", None),
            s3_region=read.optional("S3_REGION"),
            api_keys=_keys(read.optional("API_KEYS"), read.optional("API_KEYS_FILE")),
            metrics_token=read.optional("API_METRICS_TOKEN"),
            cors_origins=_origins(read.optional("API_CORS_ORIGINS")),
            rate_limit=RateLimit.parse(read.text("API_RATE_LIMIT", "600/minute")),
            trusted_proxies=_networks(read.optional("API_TRUSTED_PROXIES")),
            reload_s=read.number("API_RELOAD_S", 5.0, minimum=0.1),
            max_publication_age_s=read.number(
                "API_MAX_PUBLICATION_AGE_S", DEFAULT_MAX_PUBLICATION_AGE_S, minimum=1
            ),
            cache_max_entries=read.integer("API_CACHE_ENTRIES", 4096, minimum=0),
            max_page_size=read.integer("API_MAX_PAGE_SIZE", 5000, minimum=1),
            batch_max=read.integer("API_BATCH_MAX", 500, minimum=1),
            task_queue=read.integer("API_TASK_QUEUE", 100, minimum=1),
            task_ttl_s=read.number("API_TASK_TTL_S", 3600, minimum=1),
            redis_url=read.url("REDIS_URL", None, schemes=("redis", "rediss", "unix")),
        )


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in (value or "").split(",") if v.strip()))


def _keys(inline: str | None, path: str | None) -> tuple[str, ...]:
    """Keys from the variable and/or a mounted file (one key per line, # comments)."""
    keys = list(_split(inline))
    if path:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError as exc:
            raise SettingsError(f"SOCCER_API_KEYS_FILE={path!r}: cannot read it ({exc.strerror})") from None
        keys += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    short = [k for k in keys if len(k) < 16]
    if short:
        raise SettingsError(f"API keys must be at least 16 characters; {len(short)} key(s) are shorter")
    return tuple(dict.fromkeys(keys))


def _origins(value: str | None) -> tuple[str, ...]:
    origins = _split(value)
    bad = [o for o in origins if o != "*" and not o.startswith(("http://", "https://"))]
    if bad:
        raise SettingsError(f"SOCCER_API_CORS_ORIGINS: {bad[0]!r} is not an origin like https://example.org")
    return origins


def _networks(value: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in _split(value):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError(f"SOCCER_API_TRUSTED_PROXIES: {item!r} is not an address or CIDR") from None
    return tuple(networks)
