"""A local stand-in for Fonbet and WhoScored: routes built at test time, faults on demand.

Bodies come from the real samples in ``../shared/data`` (read when a test runs, never
copied into the repo) or are built from them on the fly: WhoScored match pages that
embed the sample ``matchCentreData`` the way the site does, block pages, variants of
the Fonbet line. Faults are queued per path: an HTTP status, ``"truncate"`` (a body
cut short), or ``("hang", seconds)`` (no answer until the client times out).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

Fault = int | str | tuple[str, float]

MATCH_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - Live - WhoScored.com</title>
<script>var require = {{ config: {{ params: {{}} }} }};</script></head>
<body><div id="match-header">{title}</div>
<script type="text/javascript">
    require.config.params["args"] = {{
        matchId: {match_id},
        matchCentreData: {data},
        matchCentreEventTypeJson: {{"shotSixYardBox":0,"shotPenaltyArea":1}},
        formationIdNameMappings: {{"2":"442","8":"4231"}}
    }};
</script>
<div id="live-player-stats"></div></body></html>
"""

INCAPSULA_PAGE = """<html style="height:100%"><head><meta name="ROBOTS" content="NOINDEX, NOFOLLOW">
<meta name="format-detection" content="telephone=no"></head><body style="margin:0px;height:100%">
<iframe id="main-iframe" src="/_Incapsula_Resource?CWUDNSAI=24&xinfo=5-1-0&incident_id=0-1&edet=15"
frameborder=0 width="100%" height="100%">Request unsuccessful. Incapsula incident ID: 0-1</iframe>
</body></html>"""


def match_page(match_id: int, data: dict[str, Any] | None) -> bytes:
    """A WhoScored live match page carrying ``data`` as its matchCentreData (or null)."""
    title = f"{data['home']['name']} vs {data['away']['name']}" if data else f"Match {match_id}"
    body = json.dumps(data, ensure_ascii=False) if data is not None else "null"
    return MATCH_PAGE.format(title=title, match_id=match_id, data=body).encode()


@dataclass
class SourceServer:
    url: str = ""
    routes: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=lambda: defaultdict(list))
    requests: list[str] = field(default_factory=list)

    def route(self, path: str, body: bytes, content_type: str = "application/json") -> str:
        """Serve ``body`` at ``path`` (query string included); returns the full URL."""
        self.routes[path] = (body, content_type)
        return self.url.rstrip("/") + path

    def count(self, path: str) -> int:
        return self.requests.count(path)

    def reset(self) -> None:
        self.routes.clear()
        self.faults.clear()
        self.requests.clear()


class _Handler(http.server.BaseHTTPRequestHandler):
    server_state: SourceServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str, cut: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if cut else body)
        if cut:
            self.close_connection = True

    def do_GET(self) -> None:
        state = self.server_state
        state.requests.append(self.path)
        route = state.routes.get(self.path)
        queue = state.faults.get(self.path)
        action = queue.pop(0) if queue else None
        with suppress(BrokenPipeError, ConnectionResetError):
            if isinstance(action, tuple) and action[0] == "hang":
                time.sleep(float(action[1]))
            elif isinstance(action, int):
                self._send(action, f"<html><body>HTTP {action}</body></html>".encode(), "text/html")
                return
            if route is None:
                self._send(404, b"<html><body>Not Found</body></html>", "text/html")
                return
            self._send(200, route[0], route[1], cut=action == "truncate")


@contextmanager
def serve() -> Iterator[SourceServer]:
    state = SourceServer()
    handler = type("Handler", (_Handler,), {"server_state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
