"""``GET {prefix}/healthz``: can this process take checkouts?

The store must answer (503 otherwise): orders, callbacks and tokens live there. Flexiti being
unreachable only degrades the service (200, ``"status": "degraded"``): a load balancer should not
take a worker out because Flexiti is down, and orders still settle once it is back. The Flexiti
probe is one payment-availability call, at most one per 30 s per process, whose answer a health
check waits for at most 3 s: health checks never hammer Flexiti nor hang however often they come.
The answer also lists this process's background work (``web.background``): each part's name,
state, live threads and queued work.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from flexiti_checkout.web.state import flexiti_state


def healthz() -> ResponseReturnValue:
    """200 ``ok`` or ``degraded`` (Flexiti unreachable) while the store answers; else 503."""
    state = flexiti_state()
    try:
        store_ok = state.store.ping()
    except Exception:  # e.g. a store written by a newer version: not usable either
        store_ok = False
    if not store_ok:
        # Flexiti is not asked: the client keeps its tokens in the store.
        body = {"status": "down", "store": "unreachable", "flexiti": "unknown"}
        return _answer(body, 503)
    flexiti = "ok" if state.probe.reachable() else "unreachable"
    status = "ok" if flexiti == "ok" else "degraded"
    return _answer({"status": status, "store": "ok", "flexiti": flexiti}, 200)


def _answer(body: dict[str, Any], code: int) -> ResponseReturnValue:
    body["background"] = [part.as_json() for part in flexiti_state().background.report()]
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, code
