"""Staff actions on a settled order: cancel its purchase, decide its review; a real store, a fake
back office (tests/support/back_office.py)."""

from __future__ import annotations

import pytest

from flexiti_checkout.errors import OrderActionError, OrderStateError
from flexiti_checkout.lifecycle.actions import OrderActions
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.refunds.service import RefundService
from flexiti_checkout.models import OrderStatus
from flexiti_checkout.store.repository import Store
from support.back_office import settled


@pytest.fixture
def actions(store: Store, refunds: RefundService, announced) -> OrderActions:
    orders = OrderService(
        store, None, notify=lambda order: announced.append((order, None)),  # type: ignore[arg-type]
        check_redirect=lambda url: None, pending_expiry=3600,
    )  # fmt: skip
    return OrderActions(orders, refunds)


def test_cancel_an_unposted_purchase(store, flexiti, actions, announced):
    """Cancelling an approved order cancels its purchase at Flexiti and announces cancelled."""
    settled(store, flexiti, posted=False)
    order = actions.cancel("A-1", reason="out of stock", actor="ann")
    assert order.status is OrderStatus.CANCELLED and flexiti.count("cancel") == 1
    assert [o.status for o, _ in announced] == [OrderStatus.CANCELLED]
    assert "out of stock" in store.history(order)[-1].note


def test_cancel_refused_by_flexiti_leaves_the_order(store, flexiti, actions):
    """When Flexiti will not cancel (posted), the error is raised and the order stays approved."""
    settled(store, flexiti, posted=True)
    with pytest.raises(Exception, match="posted"):
        actions.cancel("A-1", actor="ann")
    assert store.get_order("A-1").status is OrderStatus.APPROVED
    actions.refunds.refund("A-1", "1.00")
    with pytest.raises(OrderStateError):
        actions.cancel("A-1", actor="ann")


def test_review_approve_sends_one_approval(store, flexiti, actions, announced):
    """Approving a review moves it to approved once; a second decision is refused."""
    settled(store, flexiti, status=OrderStatus.NEEDS_REVIEW)
    order = actions.resolve_review("A-1", "approve", note="amount checked", actor="ann")
    assert order.status is OrderStatus.APPROVED
    assert [o.status for o, _ in announced] == [OrderStatus.APPROVED]
    with pytest.raises(OrderStateError):
        actions.resolve_review("A-1", "reject", note="x", actor="bob")
    with pytest.raises(OrderActionError, match="note"):
        actions.resolve_review("A-1", "approve", note=" ", actor="bob")


@pytest.mark.parametrize(
    ("posted", "status", "calls"),
    [
        (False, OrderStatus.CANCELLED, ["cancel"]),
        (True, OrderStatus.REFUNDED, ["cancel", "return"]),
    ],
)
def test_review_reject_cancels_or_returns(store, flexiti, actions, posted, status, calls):
    """Rejecting cancels the purchase at Flexiti, or returns it in full when it is posted."""
    settled(store, flexiti, status=OrderStatus.NEEDS_REVIEW, posted=posted)
    order = actions.resolve_review("A-1", "reject", note="wrong amount", actor="ann")
    assert order.status is status
    assert [call[0] for call in flexiti.calls] == calls
