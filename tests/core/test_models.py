"""Order statuses and their moves: what ``is_settled`` promises is what ``TRANSITIONS`` allows."""

from __future__ import annotations

from flexiti_checkout.models import REFUNDABLE, TRANSITIONS, OrderStatus

#: The moves the shop's own acts make: a refund and a cancellation of the purchase.
SHOP_ACTS = {
    (OrderStatus.APPROVED, OrderStatus.PARTIALLY_REFUNDED),
    (OrderStatus.APPROVED, OrderStatus.REFUNDED),
    (OrderStatus.APPROVED, OrderStatus.CANCELLED),
    (OrderStatus.PARTIALLY_REFUNDED, OrderStatus.PARTIALLY_REFUNDED),
    (OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED),
}
LATE_APPROVAL = (OrderStatus.EXPIRED, OrderStatus.NEEDS_REVIEW)


def test_a_settled_order_moves_only_by_the_shops_acts_or_a_late_approval():
    """From a settled status, every move is a refund or cancellation, or Flexiti approving an
    expired order late; the settled statuses that allow none are final."""
    for status in OrderStatus:
        moves = {(status, target) for target in TRANSITIONS[status]}
        if status.is_settled:
            assert moves <= SHOP_ACTS | {LATE_APPROVAL}, status
    final = {status for status in OrderStatus if status.is_settled and not TRANSITIONS[status]}
    assert final == {OrderStatus.DECLINED, OrderStatus.CANCELLED, OrderStatus.REFUNDED}


def test_an_unsettled_order_is_still_waiting_for_its_outcome():
    """Created, pending, error and needs_review are not settled: each still has a move ahead
    that is not the shop's refund or cancellation."""
    unsettled = {status for status in OrderStatus if not status.is_settled}
    assert unsettled == {OrderStatus.CREATED, OrderStatus.PENDING, OrderStatus.ERROR,
                         OrderStatus.NEEDS_REVIEW}  # fmt: skip
    assert all(TRANSITIONS[status] for status in unsettled)
    assert {status for status in OrderStatus if status.is_settled} >= REFUNDABLE
