"""The standalone service plus two test routes, for running under gunicorn in ``test_workers.py``.

Starting a checkout over HTTP is not part of the service yet, so ``POST /start/<id>`` does it
through the order service. Every response names the worker process that served it in
``X-Worker-Pid``, so a test can tell that both workers did the work.
"""

from __future__ import annotations

import os
import time

from flask import Response, jsonify, request

from flexiti_checkout.service.app import create_app
from flexiti_checkout.web.state import flexiti_state

ADDRESS = {
    "first_name": "Tommy",
    "last_name": "Samson",
    "address_1": "123 Any Street",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M5V 2T6",
}

app = create_app()


@app.after_request
def name_the_worker(response: Response) -> Response:
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response


@app.get("/pid")
def pid() -> Response:
    """This worker's pid, after holding it for ``?hold=`` seconds (so a second worker answers)."""
    time.sleep(min(request.args.get("hold", 0.0, type=float), 1.0))
    return jsonify(pid=os.getpid())


@app.post("/start/<merchant_order_id>")
def start(merchant_order_id: str) -> Response:
    """Start a buy checkout for 499.00 (or ``?amount=``) and say which Flexiti order it opened."""
    started = flexiti_state().orders.start(
        {
            "merchant_order_id": merchant_order_id,
            "amount": request.args.get("amount", "499.00"),
            "flow": "apply/buy",
            "billing": dict(ADDRESS),
            "shipping": dict(ADDRESS),
        }
    )
    return jsonify(
        pid=os.getpid(),
        online_order_id=started.online_order_id,
        status=started.status.value,
    )


@app.post("/return/<merchant_order_id>")
def customer_returns(merchant_order_id: str) -> Response:
    """What the customer's return does: a refresh of the order (the session token aside)."""
    result = flexiti_state().orders.refresh(merchant_order_id, source="return")
    return jsonify(status=None if result is None else result.order.status.value)


@app.get("/order/<merchant_order_id>")
def order(merchant_order_id: str) -> Response | tuple[Response, int]:
    """The order's status as the store knows it (no lookup)."""
    found = flexiti_state().store.get_order(merchant_order_id)
    if found is None:
        return jsonify(error="no_order"), 404
    return jsonify(status=found.status.value, online_order_id=found.online_order_id)
