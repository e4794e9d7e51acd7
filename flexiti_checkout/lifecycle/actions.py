"""Actions a person or the shop takes on a settled order: cancel it, or decide its review.

``cancel`` cancels the order's purchase at Flexiti (POS ``transactions/{id}/cancel``) and moves
the order to ``cancelled``. ``resolve_review`` decides a ``needs_review`` order: ``approve`` moves
it to ``approved`` (one ``order_approved``); ``reject`` cancels the purchase at Flexiti or, when
Flexiti will not cancel it any more, returns it in full (a refund), then the order is
``cancelled`` or ``refunded``. Each move is one compare-and-set: one caller wins and announces.
"""

from __future__ import annotations

import logging

from flexiti_checkout.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    OrderActionError,
    OrderStateError,
    UnknownOrderError,
)
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.refunds.service import MAX_REASON, RefundService, transaction_of
from flexiti_checkout.models import Order, OrderStatus

log = logging.getLogger(__name__)

#: What a review can be decided as.
REVIEW_DECISIONS = ("approve", "reject")
#: Flexiti's answers to a cancel that mean "this purchase can no longer be cancelled".
_NOT_CANCELLABLE = (ConflictError, InvalidRequestError, NotFoundError)


class OrderActions:
    """Staff actions (cancellations, review decisions), on top of the order and refund services."""

    def __init__(self, orders: OrderService, refunds: RefundService) -> None:
        self.orders = orders
        self.refunds = refunds

    def cancel(self, merchant_order_id: str, *, reason: str | None = None, actor: str) -> Order:
        """Cancel an approved order's purchase at Flexiti, then move the order to ``cancelled``.

        Raises ``OrderStateError`` when the order is not approved (or has refunds: refund the
        rest instead), and Flexiti's error when it refuses; the order is then unchanged.
        """
        order = self._order(merchant_order_id)
        if order.status is not OrderStatus.APPROVED:
            raise OrderStateError(
                f"Order {merchant_order_id} is {order.status}: only an approved order can be "
                "cancelled"
            )
        if any(r.is_live for r in self.refunds.refunds.for_order(merchant_order_id)):
            raise OrderStateError(
                f"Order {merchant_order_id} has refunds: refund what remains instead"
            )
        self._cancel_at_flexiti(order)
        note = _note(f"purchase cancelled at Flexiti by {actor}", reason)
        return self._move(order, OrderStatus.CANCELLED, note)

    def resolve_review(
        self, merchant_order_id: str, decision: str, *, note: str, actor: str
    ) -> Order:
        """Decide a ``needs_review`` order: ``approve`` or ``reject``; ``note`` says why."""
        if decision not in REVIEW_DECISIONS:
            raise OrderActionError(f"The decision must be approve or reject, not {decision!r}")
        if not (note or "").strip():
            raise OrderActionError("A review decision needs a note saying why")
        order = self._order(merchant_order_id)
        if order.status is not OrderStatus.NEEDS_REVIEW:
            raise OrderStateError(
                f"Order {merchant_order_id} is {order.status}: only an order that needs review "
                "can be decided"
            )
        why = _note(f"{decision}d by {actor}", note)
        if decision == "approve":
            return self._move(order, OrderStatus.APPROVED, why)
        if order.flow == "apply" or transaction_of(order) is None:
            return self._move(order, OrderStatus.CANCELLED, why)  # no purchase to undo
        try:
            self._cancel_at_flexiti(order)
        except _NOT_CANCELLABLE as exc:
            log.info("Order %s: Flexiti will not cancel the purchase (%r); returning it in full",
                     merchant_order_id, exc)  # fmt: skip
            result = self.refunds.refund(
                merchant_order_id,
                None,
                reason=why,
                idempotency_key=f"review-reject-{order.id}",
                actor=actor,
                allowed=(OrderStatus.NEEDS_REVIEW,),
            )
            return result.order
        return self._move(order, OrderStatus.CANCELLED, why)

    def _cancel_at_flexiti(self, order: Order) -> None:
        transaction_id = transaction_of(order)
        if transaction_id is None:
            raise OrderStateError(f"Order {order.merchant_order_id} has no Flexiti purchase")
        self.refunds.client.cancel_transaction(transaction_id, reference_id=order.reference_id)

    def _move(self, order: Order, status: OrderStatus, note: str) -> Order:
        won = self.orders.store.transition(order, status, source="decision", note=note)
        if won is None:
            current = self.orders.store.get_order(order.merchant_order_id) or order
            raise OrderStateError(
                f"Order {order.merchant_order_id} changed meanwhile (now {current.status})"
            )
        self.orders.announce(won)
        return won

    def _order(self, merchant_order_id: str) -> Order:
        order = self.orders.store.get_order(merchant_order_id)
        if order is None:
            raise UnknownOrderError(f"No order has merchant order id {merchant_order_id!r}")
        return order


def _note(what: str, why: str | None) -> str:
    why = (why or "").strip()
    return (f"{what}: {why}" if why else what)[:MAX_REASON]
