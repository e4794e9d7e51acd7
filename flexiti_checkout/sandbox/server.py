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


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: tests and benchmarks make thousands."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


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
