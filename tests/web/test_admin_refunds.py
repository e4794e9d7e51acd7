"""The admin console's refund, cancel, review and unknown-refund actions, each confirmed first.

The shop runs its embedded sandbox for the checkout; Flexiti's back office is ``FakeBackOffice``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout import FlexitiCheckout, OrderStatus, RefundStatus
from flexiti_checkout.errors import UnavailableError
from flexiti_checkout.web.state import flexiti_state
from support.back_office import FakeBackOffice
from support.shop_server import checkout_request


@pytest.fixture
def console(tmp_path) -> Iterator[tuple[Flask, FlaskClient, FakeBackOffice]]:
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret-key-0123456789abcdef",
        FLEXITI_STORE_URL=f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
        FLEXITI_LOOKUP_INTERVAL="10ms",
    )
    FlexitiCheckout(app, admin_access=lambda: "Alex")
    fake = FakeBackOffice()
    flexiti_state(app).refunds.client = fake
    with app.test_client() as client:
        yield app, client, fake
    flexiti_state(app).store.engine.dispose()


def settled(app: Flask, client: FlaskClient, fake: FakeBackOffice, merchant_order_id: str,
            *, delta: str = "0", posted: bool = True) -> None:  # fmt: skip
    """An order the customer approved (for ``delta`` more when asked: needs_review)."""
    client.patch("/flexiti-sandbox/_sandbox/faults", json={"approved_amount_delta": delta})
    state = flexiti_state(app)
    with app.test_request_context():
        started = state.orders.start(checkout_request(merchant_order_id, "200.00"))
    client.post(f"/flexiti-sandbox/_sandbox/orders/{started.online_order_id}/settle",
                json={"outcome": "approve"})  # fmt: skip
    order = state.orders.refresh(merchant_order_id, source="return", force=True).order
    fake.add_purchase(order.details["transaction_id"], Decimal("200.00"), posted=posted,
                      customer_id=order.details["customer_id"])  # fmt: skip


def confirm_page(client: FlaskClient, merchant_order_id: str, action: str) -> str:
    page = client.get(f"/flexiti/admin/orders/{merchant_order_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    asked = client.post(f"/flexiti/admin/orders/{merchant_order_id}/actions/{action}",
                        data={"csrf_token": token})  # fmt: skip
    assert asked.status_code == 200
    return asked.get_data(as_text=True)


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html)[1]


def test_refund_asks_for_the_amount_and_a_second_submit_does_not_refund_again(console):
    """The confirmation takes the amount; submitting it twice makes one refund, audited."""
    app, client, fake = console
    settled(app, client, fake, "AR-1")
    page = confirm_page(client, "AR-1", "refund")
    assert 'name="amount"' in page and "all that remains: $200.00" in page
    form = {"csrf_token": hidden(page, "csrf_token"), "confirm": "yes", "key": hidden(page, "key"),
            "amount": "25.50", "reason": "late delivery"}  # fmt: skip
    for _ in range(2):
        done = client.post("/flexiti/admin/orders/AR-1/actions/refund", data=form)
        assert done.status_code == 303
    assert fake.count("return") == 1
    state = flexiti_state(app)
    assert state.store.get_order("AR-1").status is OrderStatus.PARTIALLY_REFUNDED
    html = client.get("/flexiti/admin/orders/AR-1").get_data(as_text=True)
    assert "late delivery" in html and "$174.50" in html and "Succeeded" in html
    assert "refund 1 of $25.50: succeeded" in html and "Alex" in html


def test_a_refused_refund_is_said_and_recorded(console):
    """Too much is refused with what remains, in the message and the audit trail."""
    app, client, fake = console
    settled(app, client, fake, "AR-2")
    page = confirm_page(client, "AR-2", "refund")
    client.post("/flexiti/admin/orders/AR-2/actions/refund", data={
        "csrf_token": hidden(page, "csrf_token"), "confirm": "yes", "key": hidden(page, "key"),
        "amount": "200.01"})  # fmt: skip
    html = client.get("/flexiti/admin/orders/AR-2").get_data(as_text=True)
    assert 'refused: <span lang="en">Order AR-2 has 200.00 left to refund' in html
    assert "Refund at most what remains refundable" in html
    assert fake.count("return") == 0


def test_review_and_unknown_refund_decisions(console):
    """A needs_review order is rejected (returned in full); an unknown refund is settled."""
    app, client, fake = console
    settled(app, client, fake, "AR-3", delta="1.00")
    page = confirm_page(client, "AR-3", "review")
    assert 'value="approve"' in page and 'value="reject"' in page
    client.post("/flexiti/admin/orders/AR-3/actions/review", data={
        "csrf_token": hidden(page, "csrf_token"), "confirm": "yes", "decision": "reject",
        "note": "amount differs"})  # fmt: skip
    state = flexiti_state(app)
    assert state.store.get_order("AR-3").status is OrderStatus.REFUNDED
    assert [call[0] for call in fake.calls] == ["cancel", "return"]

    settled(app, client, fake, "AR-4")
    fake.fail_next("return", UnavailableError("timed out"), after_doing_it=True)
    with app.app_context():
        refund = app.extensions["flexiti_checkout"].refunds.refund("AR-4", "5.00").refund
    assert refund.status is RefundStatus.UNKNOWN
    page = confirm_page(client, "AR-4", "refund_outcome")
    assert f'<option value="{refund.id}">' in page
    client.post("/flexiti/admin/orders/AR-4/actions/refund_outcome", data={
        "csrf_token": hidden(page, "csrf_token"), "confirm": "yes", "refund_id": str(refund.id),
        "outcome": "succeeded", "note": "Flexiti's portal shows it"})  # fmt: skip
    assert state.refunds.refunds.get(refund.id).status is RefundStatus.SUCCEEDED
