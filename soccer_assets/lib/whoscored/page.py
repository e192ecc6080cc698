"""Reading a WhoScored match page: the embedded match-centre JSON, or a block page.

The live match page (``/Matches/<id>/Live``) carries its data in an inline script::

    require.config.params["args"] = {
        matchId: 1485184,
        matchCentreData: {...JSON...},
        matchCentreEventTypeJson: {...},
        formationIdNameMappings: {...}
    };

``args`` is a JavaScript object literal (unquoted keys), but the value of
``matchCentreData`` is plain JSON, so it is decoded from where it starts without
evaluating any script. ``null`` there means the site has no data for the match yet.
"""

from __future__ import annotations

import json
import re
from typing import Any

_ARGS = re.compile(r"require\.config\.params\[\s*['\"]args['\"]\s*\]\s*=\s*\{")
_MATCH_CENTRE = re.compile(r"['\"]?matchCentreData['\"]?\s*:\s*")
# Bot walls seen in front of WhoScored: Imperva/Incapsula, Cloudflare, generic captchas.
BLOCK_MARKERS = (
    "_incapsula_resource",
    "incapsula incident id",
    "request unsuccessful",
    "cf-browser-verification",
    "cf-chl-",
    "challenge-platform",
    "attention required! | cloudflare",
    "just a moment...",
    "checking your browser",
    "captcha",
    "access denied",
    "unusual traffic",
)
MATCH_PAGE_MARKER = "require.config.params"


class MatchPageError(ValueError):
    """The page is not a match page this parser understands (and not a block page)."""


def block_reason(body: str, status: int) -> str | None:
    """Why ``body`` looks like a block or challenge page, or None if it looks like content."""
    head = body.lstrip()[:1]
    if head in ("{", "[") or MATCH_PAGE_MARKER in body:
        return None
    lowered = body.lower()
    for marker in BLOCK_MARKERS:
        if marker in lowered:
            return f"block page (HTTP {status}): contains {marker!r}"
    if status in (401, 403):
        return f"HTTP {status} without match content"
    return None


def extract_match_centre(html: str) -> dict[str, Any] | None:
    """``require.config.params['args'].matchCentreData`` of a match page (None if null)."""
    args = _ARGS.search(html)
    if args is None:
        raise MatchPageError("no require.config.params['args'] assignment in the page")
    key = _MATCH_CENTRE.search(html, args.end())
    if key is None:
        raise MatchPageError("require.config.params['args'] has no matchCentreData")
    try:
        value, _ = json.JSONDecoder().raw_decode(html, key.end())
    except json.JSONDecodeError as exc:
        raise MatchPageError(f"matchCentreData is not valid JSON: {exc}") from exc
    if value is not None and not isinstance(value, dict):
        raise MatchPageError(f"matchCentreData is a {type(value).__name__}, expected an object")
    return value
