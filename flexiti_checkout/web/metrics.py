"""``GET {prefix}/metrics``: the Prometheus metrics, for staff and the scraper only.

It answers a request that carries ``Authorization: Bearer <key>`` with one of
``FLEXITI_METRICS_KEYS`` (the scraper), or comes from someone signed in to the staff console;
anyone else gets 401 (404 when neither keys nor a console are configured: there are no metrics
to read). The answer is the process's counters (``flexiti_checkout.metrics``; under gunicorn
with ``PROMETHEUS_MULTIPROC_DIR`` set, every worker's, added up) and the store's gauges, read now
(``store.metrics``).
"""

from __future__ import annotations

import hmac

from flask import Response, abort, jsonify, request
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import values as prometheus_values
from prometheus_client.multiprocess import MultiProcessCollector

from flexiti_checkout.store.metrics import StoreCollector
from flexiti_checkout.web.state import flexiti_state


def metrics() -> ResponseReturnValue:
    """The metrics in Prometheus's text format, for a metrics key or a staff member."""
    state = flexiti_state()
    keys = state.settings.metrics_keys
    if not keys and state.admin is None:
        abort(404)
    if not (_bearer_ok(keys) or (state.admin is not None and state.admin.actor() is not None)):
        answer = jsonify(
            error="unauthorized",
            message="Send Authorization: Bearer <key> with one of FLEXITI_METRICS_KEYS, "
            "or sign in to the staff console.",
        )
        return answer, 401, {"WWW-Authenticate": 'Bearer realm="flexiti-checkout"'}
    store = StoreCollector(
        state.store,
        pending_expiry=state.settings.pending_expiry,
        init_timeout=state.orders.init_timeout,
    )
    gauges = CollectorRegistry()  # collected once, when generated
    gauges.register(store)
    body = generate_latest(_counters()) + generate_latest(gauges)
    response = Response(body, mimetype=None, content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def _counters() -> CollectorRegistry:
    """This process's counters, or every process's in ``prometheus_client``'s multiprocess mode
    (it chose its kind of value from ``PROMETHEUS_MULTIPROC_DIR`` when it was imported)."""
    if prometheus_values.ValueClass is prometheus_values.MutexValue:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def _bearer_ok(keys: tuple[str, ...]) -> bool:
    """Whether the request presents one of ``keys``, compared in constant time."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return False
    found = False
    for key in keys:
        found |= hmac.compare_digest(presented.strip().encode(), key.encode())
    return found
