"""Serve a WSGI app (the sandbox, a test receiver) on a local port from a background thread.

Tests, benchmarks and the demo all need a real Flexiti on a real port inside their own process;
this is the one way they start and stop it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

#: Where a sandbox app keeps its state (``sandbox.state.EXTENSION_KEY``; not imported, so that
#: serving a test receiver does not import the sandbox).
_STATE_KEY = "flexiti_sandbox"


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: tests and benchmarks make thousands."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The app's clock when it has one (the sandbox's CLOCK), so a skewed sandbox shows it.
        clock = getattr(getattr(self.server, "app", None), "extensions", {}).get(_STATE_KEY)
        if timestamp is None and clock is not None:
            timestamp = clock.clock()
        return super().date_time_string(timestamp)

    def send_header(self, keyword: str, value: str) -> None:
        # One Date header: the server's comes first, the app's (same clock) is dropped.
        if keyword.lower() == "date":
            if getattr(self, "_dated", False):
                return
            self._dated = True
        super().send_header(keyword, value)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._dated = False
        super().send_response(code, message)


@contextmanager
def serve(
    app: Callable[..., Any], host: str = "127.0.0.1", port: int = 0
) -> Iterator[BaseWSGIServer]:
    """Serve ``app`` threaded on ``host:port`` (0 picks a free port) until the block ends."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    # A short poll interval makes shutdown() quick: it waits for the loop's next poll.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="wsgi-server", daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
