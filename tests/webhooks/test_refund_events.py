"""Refund webhooks: order.partially_refunded, order.refunded and refund.failed, in the outbox.

Each is written in the transaction that settles the refund, so a refund that succeeded always has
its event and one that never settled has none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from flexiti_checkout.errors import ConflictError
from flexiti_checkout.lifecycle.refunds.service import RefundService
from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.store.outbox import PENDING
from flexiti_checkout.store.repository import Store
from flexiti_checkout.webhooks.dispatcher import Webhooks
from support.back_office import FakeBackOffice
from support.clocks import FakeClock

KEY = bytes(range(32))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store(store_url)
    yield store
    store.engine.dispose()


@pytest.fixture
def webhooks(store: Store) -> Iterator[Webhooks]:
    webhooks = Webhooks(store, "http://127.0.0.1:9/hooks", KEY, clock=FakeClock(), autostart=False)
    yield webhooks
    webhooks.stop()


@pytest.fixture
def flexiti() -> FakeBackOffice:
    return FakeBackOffice()


@pytest.fixture
def refunds(store: Store, webhooks: Webhooks, flexiti: FakeBackOffice) -> RefundService:
    return RefundService(store, flexiti, notify_refund=lambda order, refund: None)


def approved_order(store: Store, flexiti: FakeBackOffice) -> Order:
    order = store.insert_order(
        merchant_order_id="W-1", amount=Decimal("80.00"), flow="apply/buy", lang="en",
        reference_id="ref-1", source="checkout",
    )  # fmt: skip
    assert order is not None
    order = store.transition(order, OrderStatus.PENDING, source="checkout", online_order_id="77")
    assert order is not None
    # The lookup's transaction id, not widget init's order id, is what a refund takes.
    details = {"transaction_id": 131221, "purchase_amount": "80.00"}
    order = store.transition(order, OrderStatus.APPROVED, source="callback", details=details)
    assert order is not None and order.transaction_id == "131221"
    flexiti.add_purchase("131221", Decimal("80.00"))
    return order


def test_each_succeeded_refund_sends_its_event_with_the_refund(store, webhooks, refunds, flexiti):
    """A partial refund sends order.partially_refunded, the rest order.refunded, each naming it."""
    approved_order(store, flexiti)
    first = refunds.refund("W-1", "30.00", reason="scratched").refund
    rest = refunds.refund("W-1").refund
    events = webhooks.outbox.events((PENDING,))
    assert [e.event_type for e in events] == [
        "order.approved", "order.partially_refunded", "order.refunded",
    ]  # fmt: skip
    partial, full = (json.loads(e.body)["data"] for e in events[1:])
    assert partial["refund"]["id"] == first.id and partial["refund"]["amount"] == "30.00"
    assert partial["previous_status"] == "approved" and partial["refundable"] == "50.00"
    assert full["refund"]["id"] == rest.id and full["refund"]["full"] is True
    assert full["refundable"] == "0.00" and len(full["refunds"]) == 2


def test_a_refused_refund_sends_refund_failed_and_the_order_stays(
    store, webhooks, refunds, flexiti
):
    """Flexiti's refusal writes refund.failed (with its reason) and no order event."""
    approved_order(store, flexiti)
    flexiti.fail_next("return", ConflictError("Refund - Exceeds Amount", status=409))
    failed = refunds.refund("W-1", "10.00").refund
    events = webhooks.outbox.events((PENDING,))
    assert [e.event_type for e in events] == ["order.approved", "refund.failed"]
    data = json.loads(events[-1].body)["data"]
    assert data["status"] == "approved" and data["refund"]["id"] == failed.id
    assert data["refund"]["status"] == "failed"
    assert "Exceeds Amount" in data["refund"]["error"]
    assert data["refundable"] == "80.00"
