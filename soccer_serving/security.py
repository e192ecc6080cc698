"""API keys, client identity behind proxies, and per-client rate limits.

Pure logic without ASGI: the gateway asks these objects and turns the answers into
responses, which keeps them testable on their own.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from soccer_serving.settings import RateLimit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ApiKeys:
    """Checks ``X-API-Key`` against the configured keys in constant time.

    Every configured key is compared, whichever matches, so the time taken does not tell
    an attacker how many keys exist or which one was close.
    """

    def __init__(self, keys: Sequence[str]):
        self._keys = [k.encode() for k in keys]

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def identify(self, presented: bytes | None) -> int | None:
        """Index of the matching key (a stable, non-secret identity), None if none matches."""
        if not presented:
            return None
        found = None
        for index, key in enumerate(self._keys):
            if hmac.compare_digest(presented, key) and found is None:
                found = index
        return found


def client_address(peer: str | None, forwarded_for: bytes | None, trusted: Sequence[Network]) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the last
    ``X-Forwarded-For`` hop that is not itself a trusted proxy."""
    if peer is None:
        return "unknown"
    if not forwarded_for or not trusted or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.decode("latin-1").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop if _is_address(hop) else peer
    return peer


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until the full quota is back
    retry_after_s: int  # when refused: seconds until one request is allowed again
    policy: str  # RateLimit-Policy, e.g. "600;w=60"


class RateLimiter:
    """Generic cell rate algorithm: ``requests`` per ``period_s``, bursts up to the whole quota.

    One theoretical arrival time per client; a client whose quota is full again is
    forgotten, so memory follows the number of recently active clients.
    """

    def __init__(self, rule: RateLimit, clock=time.monotonic):
        self.rule = rule
        self.interval = rule.period_s / rule.requests
        self.tolerance = rule.period_s - self.interval
        self.policy = f"{rule.requests};w={rule.period_s}"
        self._tat: dict[str, float] = {}
        self._clock = clock
        self._calls = 0

    def hit(self, client: str) -> Decision:
        now = self._clock()
        self._calls += 1
        if self._calls % 4096 == 0:
            self._forget_idle(now)
        tat = max(self._tat.get(client, now), now)
        allowed = tat - now <= self.tolerance
        if allowed:
            tat += self.interval
            self._tat[client] = tat
        backlog = tat - now  # time until the quota is full again
        remaining = max(0, math.floor((self.rule.period_s - backlog) / self.interval + 1e-9))
        retry = 0 if allowed else max(1, math.ceil(backlog - self.tolerance))
        return Decision(
            allowed=allowed,
            limit=self.rule.requests,
            remaining=remaining,
            reset_s=math.ceil(backlog),
            retry_after_s=retry,
            policy=self.policy,
        )

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, tat in self._tat.items() if tat <= now]:
            del self._tat[client]
