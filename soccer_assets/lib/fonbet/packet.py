"""One Fonbet line packet, parsed from bytes into plain records and quotes.

Two generations of the API differ in how quotes are laid out in ``customFactors``:

- flat (2019 ``currentLine``): ``[{e: eventId, f: factorId, v: odds, p?, pt?}, ...]``
- grouped (``events/listBase``): ``[{e: eventId, factors: [{f, v, p?, pt?}, ...]}, ...]``

Both become the same ``Quote`` list. A packet with ``fromVersion`` 0 (or none) is full;
otherwise it is an increment on top of the packet whose ``packetVersion`` it names.
Structural damage (not JSON, a missing list, a quote without its price) raises
``PacketFormatError`` with a message that says what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

REQUIRED_LISTS = ("sports", "events", "customFactors")
OPTIONAL_LISTS = ("eventBlocks", "announcements")


class PacketFormatError(ValueError):
    """The bytes are not a Fonbet line packet this parser understands."""


@dataclass(frozen=True)
class Quote:
    event_id: int
    factor_id: int
    value: float  # decimal odds; 0 in an increment removes the quote
    param: int | None = None  # handicap/total x 100, absent for 1X2


@dataclass(frozen=True)
class Packet:
    version: int
    from_version: int
    sports: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    announcements: list[dict[str, Any]] = field(default_factory=list)
    shape: str = "flat"  # layout of customFactors: "flat", "grouped" or "empty"

    @property
    def is_full(self) -> bool:
        return self.from_version == 0


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PacketFormatError(f"{what} must be an integer, got {value!r}")
    return value


def _quote(raw: Any, event_id: Any, where: str) -> Quote:
    if not isinstance(raw, dict) or "f" not in raw or "v" not in raw:
        raise PacketFormatError(f"{where}: a quote needs 'f' (factor id) and 'v' (odds), got {raw!r:.120}")
    value = raw["v"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PacketFormatError(f"{where}: odds 'v' must be a number, got {value!r}")
    param = raw.get("p")
    return Quote(
        event_id=_int(event_id, f"{where}: event id 'e'"),
        factor_id=_int(raw["f"], f"{where}: factor id 'f'"),
        value=float(value),
        param=_int(param, f"{where}: param 'p'") if param is not None else None,
    )


def parse_quotes(custom_factors: list[Any]) -> tuple[list[Quote], str]:
    """Quotes from either layout of ``customFactors``, and which layout it was."""
    if not custom_factors:
        return [], "empty"
    grouped = all(isinstance(b, dict) and isinstance(b.get("factors"), list) for b in custom_factors)
    quotes: list[Quote] = []
    for i, block in enumerate(custom_factors):
        where = f"customFactors[{i}]"
        if not isinstance(block, dict) or "e" not in block:
            raise PacketFormatError(f"{where}: expected an object with 'e' (event id), got {block!r:.120}")
        if grouped:
            quotes.extend(
                _quote(f, block["e"], f"{where}.factors[{j}]") for j, f in enumerate(block["factors"])
            )
        else:
            quotes.append(_quote(block, block["e"], where))
    return quotes, "grouped" if grouped else "flat"


def _records(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise PacketFormatError(f"'{key}' must be a list of objects")
    return value


def parse_packet(data: bytes) -> Packet:
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PacketFormatError(
            f"not valid JSON ({exc}); the response may be cut off or an error page"
        ) from exc
    if not isinstance(body, dict):
        raise PacketFormatError(f"top level must be an object, got {type(body).__name__}")
    missing = [k for k in ("packetVersion", *REQUIRED_LISTS) if k not in body]
    if missing:
        raise PacketFormatError(f"missing top-level field(s) {missing}; present: {sorted(body)[:20]}")
    custom_factors = body["customFactors"]
    if not isinstance(custom_factors, list):
        raise PacketFormatError("'customFactors' must be a list")
    quotes, shape = parse_quotes(custom_factors)
    return Packet(
        version=_int(body["packetVersion"], "packetVersion"),
        from_version=_int(body.get("fromVersion") or 0, "fromVersion"),
        sports=_records(body, "sports"),
        events=_records(body, "events"),
        quotes=quotes,
        blocks=_records(body, "eventBlocks"),
        announcements=_records(body, "announcements"),
        shape=shape,
    )
