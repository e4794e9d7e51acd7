"""``GET {prefix}/healthz``: can this process take checkouts?

The store must answer at the schema this code needs (503 otherwise, saying ``unreachable``, or
``schema behind, run flask flexiti db upgrade``): orders, callbacks and tokens live there.
Flexiti being unreachable only degrades the service (200, ``"status": "degraded"``): a load
balancer should not take a worker out because Flexiti is down, and orders still settle once it
is back. The Flexiti
probe is one payment-availability call, at most one per 30 s per process, whose answer a health
check waits for at most 1 s: health checks never hammer Flexiti nor hang however often they come.
The answer also lists this process's background work (``web.background``): each part's name,
state, live threads and queued work.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from flexiti_checkout.errors import StoreSchemaError
from flexiti_checkout.web.state import flexiti_state


def healthz() -> ResponseReturnValue:
    """200 ``ok`` or ``degraded`` (Flexiti unreachable) while the store answers; else 503."""
    state = flexiti_state()
    try:
        store = "ok" if state.store.ping() else "unreachable"
    except StoreSchemaError as exc:  # behind (a deploy half done) or newer than this code
        store = exc.health
    except Exception:
        store = "unreachable"
    if store != "ok":
        # Flexiti is not asked: the client keeps its tokens in the store.
        return _answer({"status": "down", "store": store, "flexiti": "unknown"}, 503)
    flexiti = "ok" if state.probe.reachable() else "unreachable"
    status = "ok" if flexiti == "ok" else "degraded"
    return _answer({"status": status, "store": "ok", "flexiti": flexiti}, 200)


def _answer(body: dict[str, Any], code: int) -> ResponseReturnValue:
    body["background"] = [part.as_json() for part in flexiti_state().background.report()]
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, code
