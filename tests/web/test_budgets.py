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
