"""The notifications catalogue: every status and event told once, as a signal and a webhook.

The walk drives each row's real flow through the extension (its embedded sandbox for checkouts,
``FakeBackOffice`` for refunds and cancellations), then counts the signals sent and the events
written to the webhook outbox for that order.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from blinker import NamedSignal
from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient

from flexiti_checkout import FlexitiCheckout, Order, OrderStatus, RefundStatus, signals
from flexiti_checkout.errors import ConflictError
from flexiti_checkout.lifecycle.reconcile import reconcile
from flexiti_checkout.models import TRANSITIONS
from flexiti_checkout.service.openapi import openapi_document
from flexiti_checkout.signals import NOTIFICATIONS, SILENT, Notification, notification
from flexiti_checkout.store.outbox import PENDING
from flexiti_checkout.web.state import FlexitiState, flexiti_state
from support.back_office import FakeBackOffice
from support.shop_server import checkout_request

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


# -- the table on its own ------------------------------------------------------------------------


def test_every_status_entered_by_a_transition_is_told_or_silent() -> None:
    """Each status a transition can enter has its row or is silent, never both; so has each
    refund status, but ``succeeded``, which its order's move tells."""
    entered = set().union(*TRANSITIONS.values())
    triggers = {row.trigger for row in NOTIFICATIONS}
    assert not triggers & SILENT
    assert [s for s in entered if s not in triggers | SILENT] == []
    refund_told = set(RefundStatus) - {RefundStatus.SUCCEEDED}
    assert [s for s in refund_told if s not in triggers | SILENT] == []
    assert RefundStatus.SUCCEEDED not in triggers | SILENT


def test_each_trigger_and_flow_has_one_row_and_each_webhook_type_one_row() -> None:
    """No two rows answer the same trigger in the same flow, nor write the same webhook type."""
    keys = [(row.trigger, row.flow) for row in NOTIFICATIONS]
    assert len(keys) == len(set(keys))
    types = [row.webhook for row in NOTIFICATIONS]
    assert len(types) == len(set(types))


def test_every_signal_of_the_module_has_a_row_and_every_row_a_signal_of_the_module() -> None:
    """Every signal has a webhook type and every webhook type a signal, named as documented."""
    public = {
        name: value for name, value in vars(signals).items() if isinstance(value, NamedSignal)
    }
    assert {row.signal_name for row in NOTIFICATIONS} == set(public)
    for row in NOTIFICATIONS:
        assert public[row.signal_name] is row.signal


def test_every_webhook_type_is_in_the_openapi_document() -> None:
    """The WebhookEvent schema's ``type`` lists exactly the catalogue's webhook types."""
    schema = openapi_document("/flexiti", "http://shop.example/")["components"]["schemas"]
    assert schema["WebhookEvent"]["properties"]["type"]["enum"] == [
        row.webhook for row in NOTIFICATIONS
    ]


# -- each row sent once by its real flow ---------------------------------------------------------


@dataclass
class Heard:
    """Every signal an app sent: (signal name, merchant order id, its extra arguments)."""

    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    receivers: list[Callable[..., None]] = field(default_factory=list)

    def listen(self, app: Flask) -> None:
        for name, signal in {row.signal_name: row.signal for row in NOTIFICATIONS}.items():
            receiver = self._receiver(name)
            self.receivers.append(receiver)  # blinker holds receivers weakly
            signal.connect(receiver, app)

    def _receiver(self, name: str) -> Callable[..., None]:
        def receive(sender: Any, order: Order, **extra: Any) -> None:
            self.sent.append((name, order.merchant_order_id, extra))

        return receive

    def of(self, merchant_order_id: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (name, extra) for name, order_id, extra in self.sent if order_id == merchant_order_id
        ]


@dataclass
class Shop:
    app: Flask
    client: FlaskClient
    fake: FakeBackOffice
    heard: Heard

    @property
    def state(self) -> FlexitiState:
        return flexiti_state(self.app)

    def start(self, merchant_order_id: str, flow: str = "apply/buy") -> Order:
        with self.app.test_request_context():
            self.state.orders.start(checkout_request(merchant_order_id, "200.00", flow))
        order = self.state.store.get_order(merchant_order_id)
        assert order is not None
        return order

    def settle(
        self,
        merchant_order_id: str,
        outcome: str,
        flow: str = "apply/buy",
        *,
        delta="0",
        posted=True,
    ) -> Order:
        """The customer decides in Flexiti's flow; the order is then looked up."""
        self.client.patch("/flexiti-sandbox/_sandbox/faults", json={"approved_amount_delta": delta})
        online = self.start(merchant_order_id, flow).online_order_id
        self.client.post(f"/flexiti-sandbox/_sandbox/orders/{online}/settle",
                         json={"outcome": outcome})  # fmt: skip
        order = self.state.orders.refresh(merchant_order_id, source="return", force=True).order
        if order.details.get("transaction_id"):
            self.fake.add_purchase(order.details["transaction_id"], Decimal("200.00"),
                                   customer_id=order.details["customer_id"],
                                   posted=posted)  # fmt: skip
        return order


@pytest.fixture
def shop(tmp_path, store_url: str) -> Iterator[Shop]:
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret-key-0123456789abcdef",
        FLEXITI_STORE_URL=store_url,
        FLEXITI_LOOKUP_INTERVAL="10ms",
        FLEXITI_SHOP_WEBHOOK_URL="http://127.0.0.1:9/hooks",  # nothing listens: events stay
        FLEXITI_SHOP_WEBHOOK_SECRET=SECRET,
    )
    flexiti = FlexitiCheckout(app)
    fake = FakeBackOffice()
    flexiti_state(app).refunds.client = fake
    heard = Heard()
    heard.listen(app)
    with app.test_client() as client:
        yield Shop(app, client, fake, heard)
    flexiti.close(app)


def _approve(shop: Shop) -> str:
    shop.settle("N-1", "approve")
    return "N-1"


def _apply(shop: Shop) -> str:
    shop.settle("N-1", "approve", flow="apply")
    return "N-1"


def _decline(shop: Shop) -> str:
    shop.settle("N-1", "decline")
    return "N-1"


def _cancel(shop: Shop) -> str:
    shop.settle("N-1", "cancel")
    return "N-1"


def _expire(shop: Shop) -> str:
    order = shop.start("N-1")
    shop.state.orders.pending_expiry = 0.0  # already past its deadline
    reconcile(shop.state.orders, [order])
    return "N-1"


def _review(shop: Shop) -> str:
    shop.settle("N-1", "approve", delta="1.00")
    return "N-1"


def _refund_part(shop: Shop) -> str:
    shop.settle("N-1", "approve")
    shop.state.refunds.refund("N-1", "20.00")
    return "N-1"


def _refund_all(shop: Shop) -> str:
    shop.settle("N-1", "approve")
    shop.state.refunds.refund("N-1")
    return "N-1"


def _refund_refused(shop: Shop) -> str:
    shop.settle("N-1", "approve")
    shop.fake.fail_next("return", ConflictError("Refund - Exceeds Amount", status=409))
    assert shop.state.refunds.refund("N-1", "20.00").refund.status is RefundStatus.FAILED
    return "N-1"


def _review_approved(shop: Shop) -> str:
    shop.settle("N-1", "approve", delta="1.00")
    shop.state.actions.resolve_review("N-1", "approve", note="amount checked", actor="ann")
    return "N-1"


def _review_rejected(shop: Shop) -> str:
    shop.settle("N-1", "approve", delta="1.00")  # posted: Flexiti returns it rather than cancel
    shop.state.actions.resolve_review("N-1", "reject", note="wrong amount", actor="ann")
    return "N-1"


def _purchase_cancelled(shop: Shop) -> str:
    shop.settle("N-1", "approve", posted=False)
    shop.state.actions.cancel("N-1", reason="out of stock", actor="ann")
    return "N-1"


#: The real flows that enter each row's trigger, by (trigger, flow of the row).
FLOWS: dict[tuple[Any, str | None], list[Callable[[Shop], str]]] = {
    (OrderStatus.APPROVED, None): [_approve, _review_approved],
    (OrderStatus.APPROVED, "apply"): [_apply],
    (OrderStatus.DECLINED, None): [_decline],
    (OrderStatus.CANCELLED, None): [_cancel, _purchase_cancelled],
    (OrderStatus.EXPIRED, None): [_expire],
    (OrderStatus.NEEDS_REVIEW, None): [_review],
    (OrderStatus.PARTIALLY_REFUNDED, None): [_refund_part],
    (OrderStatus.REFUNDED, None): [_refund_all, _review_rejected],
    (RefundStatus.FAILED, None): [_refund_refused],
}


def _cases() -> list[Any]:
    cases = []
    for row in NOTIFICATIONS:
        flows = FLOWS.get((row.trigger, row.flow), [])
        assert flows, f"the row of {row.webhook} has no flow in this test: add one"
        cases += [
            pytest.param(row, flow, id=f"{row.webhook}-{flow.__name__[1:]}") for flow in flows
        ]
    return cases


@pytest.mark.parametrize(("row", "flow"), _cases())
def test_each_row_is_told_once_by_its_flow(shop: Shop, row: Notification, flow) -> None:
    """The flow sends the row's signal once, with its extras, and writes its webhook event once;
    the order then stands as the row says (or, for a refund event, did not move)."""
    merchant_order_id = flow(shop)
    sent = shop.heard.of(merchant_order_id)
    mine = [extra for name, extra in sent if name == row.signal_name]
    assert len(mine) == 1, sent
    assert set(mine[0]) == set(row.extras)
    events = [
        event.event_type
        for event in shop.state.webhooks.outbox.events((PENDING,))
        if event.merchant_order_id == merchant_order_id
    ]
    assert events.count(row.webhook) == 1, events
    assert len(events) == len(sent)  # each signal has its event, and no event goes unheard
    order = shop.state.store.get_order(merchant_order_id)
    assert notification(order, mine[0].get("refund")) == row
    if "customer_id" in row.extras:
        assert mine[0]["customer_id"] == order.details["customer_id"]


def test_receivers_run_in_the_app_context_when_a_reconcile_pool_thread_settles(shop: Shop):
    """A shop's receiver may use ``current_app`` whatever thread the news comes from."""
    seen: list[str] = []

    def receiver(sender: Any, order: Order, **extra: Any) -> None:
        seen.append(current_app.name if has_app_context() else "no app context")

    signals.order_approved.connect(receiver, shop.app)
    try:
        online = shop.start("N-9").online_order_id
        shop.client.post(f"/flexiti-sandbox/_sandbox/orders/{online}/settle",
                         json={"outcome": "approve"})  # fmt: skip
        order = shop.state.store.get_order("N-9")
        summary = reconcile(shop.state.orders, [order], concurrency=2)
    finally:
        signals.order_approved.disconnect(receiver, shop.app)
    assert summary.settled == 1
    assert seen == ["shop"]
