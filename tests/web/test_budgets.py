"""Waits with a budget: the embedded sandbox keeps to the client's read timeout."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from flexiti_checkout import FlexitiCheckout, OrderStatus
from flexiti_checkout.errors import UnavailableError
from flexiti_checkout.web.state import flexiti_state
from support.shop_server import checkout_request


@pytest.mark.one_database
@pytest.mark.parametrize("latency", [30, 3600])
def test_the_embedded_sandbox_keeps_to_flexiti_timeout(tmp_path, store_url, latency):
    """A slow embedded sandbox times the call out at FLEXITI_TIMEOUT, not at its latency; the
    order is kept and starts once the sandbox answers again."""
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret-key-0123456789abcdef", FLEXITI_STORE_URL=store_url,
        FLEXITI_TIMEOUT="1", FLEXITI_MAX_RETRIES="0",
    )  # fmt: skip
    flexiti = FlexitiCheckout(app)
    client = app.test_client()
    faults = client.patch("/flexiti-sandbox/_sandbox/faults", json={"latency": latency})
    assert faults.status_code == 200

    began = time.monotonic()
    with app.test_request_context(), pytest.raises(UnavailableError):
        flexiti.start_checkout(checkout_request("SLOW-1"))
    waited = time.monotonic() - began

    assert 1 <= waited < 5
    kept = flexiti_state(app).store.get_order("SLOW-1")
    assert kept is not None and kept.status in (OrderStatus.CREATED, OrderStatus.ERROR)
    client.patch("/flexiti-sandbox/_sandbox/faults", json={"latency": 0})
    with app.test_request_context():
        flexiti.start_checkout(checkout_request("SLOW-1"))
    assert flexiti_state(app).store.get_order("SLOW-1").status is OrderStatus.PENDING
    flexiti.close(app)


def test_a_checkout_slower_than_the_budget_answers_202_and_starts_once(tmp_path, store_url):
    """The service answers within FLEXITI_REQUEST_BUDGET (202, Retry-After); the start goes on,
    and the same checkout sent again gets it (200) without a second Flexiti order."""
    from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY
    from flexiti_checkout.service.app import create_app
    from support.apps import close_app

    service = create_app({
        "FLEXITI_ENVIRONMENT": "sandbox", "FLEXITI_STORE_URL": store_url,
        "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"), "FLEXITI_REQUEST_BUDGET": "1s",
        "FLEXITI_TIMEOUT": "20", "FLEXITI_MAX_RETRIES": "0",
    })  # fmt: skip
    client = service.test_client()
    bearer = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
    client.patch("/flexiti-sandbox/_sandbox/faults", json={"latency": 1.5})

    began = time.monotonic()
    first = client.post("/flexiti/api/checkouts", json=checkout_request("BUDGET-1"), headers=bearer)
    assert time.monotonic() - began < 2.5
    assert first.status_code == 202 and first.json["error"] == "checkout_in_progress"
    assert int(first.headers["Retry-After"]) >= 1
    answers = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        again = client.post(
            "/flexiti/api/checkouts", json=checkout_request("BUDGET-1"), headers=bearer
        )
        answers.append(again.status_code)
        if again.status_code == 200:
            break
        time.sleep(0.5)
    assert answers[-1] == 200 and set(answers) <= {202, 409, 200}, answers
    order = flexiti_state(service).store.get_order("BUDGET-1")
    history = flexiti_state(service).store.history(order)
    assert [event.to_status for event in history].count(OrderStatus.PENDING) == 1
    assert again.json["online_order_id"] == order.online_order_id
    close_app(service)
