"""Actions a person or the shop takes on a settled order: cancel it, or decide its review.

``cancel`` cancels the order's purchase at Flexiti (POS ``transactions/{id}/cancel``) and moves
the order to ``cancelled``. ``resolve_review`` decides a ``needs_review`` order: ``approve`` moves
it to ``approved`` (one ``order_approved``); ``reject`` cancels the purchase at Flexiti or, when
Flexiti will not cancel it any more, returns it in full (a refund), then the order is
``cancelled`` or ``refunded``. Each move is one compare-and-set: one caller wins and announces.

Flexiti cancels only a purchase it holds (POS API v2.5, ``hold_authorization``; listed by
``transactions/authorized``); a posted one can only be returned. ``cancellable`` says which, so
staff are offered a refund instead of a cancellation bound to be refused.

Each action claims its order in the store before Flexiti is called (``store.claims``): another
request for the same order meets ``ActionInProgressError`` instead of a second call. With a
``budget``, the caller waits at most that long (``Background.within``); a slower Flexiti gets
``ActionInProgressError`` while the action finishes in the background and lands on the order.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from enum import Enum
from functools import partial

from flexiti_checkout.errors import (
    ActionInProgressError,
    ConflictError,
    FlexitiError,
    InvalidRequestError,
    NotFoundError,
    OrderActionError,
    OrderStateError,
)
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.refunds.service import MAX_REASON, RefundService, transaction_of
from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.store.claims import OrderClaims, without_claim

log = logging.getLogger(__name__)

#: What a review can be decided as.
REVIEW_DECISIONS = ("approve", "reject")
#: Flexiti's answers to a cancel that mean "this purchase can no longer be cancelled".
NOT_CANCELLABLE = (ConflictError, InvalidRequestError, NotFoundError)
#: Purchases known to be posted, remembered per process: a posted purchase stays posted.
_POSTED_REMEMBERED = 4096
#: How long an action's claim on its order lasts when the process doing it dies: longer than
#: any Flexiti call with its retries, short enough for staff to try again the same day.
ACTION_LEASE = 300.0


class Cancellable(str, Enum):
    """Whether Flexiti would still cancel an order's purchase."""

    YES = "yes"  # Flexiti holds it: a cancellation releases the credit
    POSTED = "posted"  # Flexiti has posted it: only a refund returns the money
    NO = "no"  # nothing to cancel (not approved, refunds made, no purchase)
    UNKNOWN = "unknown"  # Flexiti could not be asked just now


class OrderActions:
    """Staff actions (cancellations, review decisions), on top of the order and refund services."""

    def __init__(self, orders: OrderService, refunds: RefundService) -> None:
        self.orders = orders
        self.refunds = refunds
        self.claims = OrderClaims(orders.store)
        self._posted: OrderedDict[str, None] = OrderedDict()

    def may_cancel(self, order: Order) -> bool:
        """Whether the order's own state lets ``cancel`` be tried (Flexiti not asked): approved,
        with a purchase and no refunds."""
        if order.status is not OrderStatus.APPROVED or transaction_of(order) is None:
            return False
        return not any(r.is_live for r in self.refunds.refunds.for_order(order.merchant_order_id))

    def cancellable(self, order: Order, budget: float | None = None) -> Cancellable:
        """Whether ``cancel`` can succeed for ``order``: the order's state first, then Flexiti's
        list of held purchases (asked only while the purchase is not known to be posted, and
        for at most ``budget`` seconds: ``UNKNOWN`` when Flexiti is slower)."""
        transaction_id = transaction_of(order)
        if transaction_id is None or not self.may_cancel(order):
            return Cancellable.NO
        if transaction_id in self._posted:
            return Cancellable.POSTED
        ask = partial(self._held, order, transaction_id)
        found = ask() if budget is None else self.orders.background.within(ask, budget)
        return Cancellable.UNKNOWN if found is None else found

    def _held(self, order: Order, transaction_id: str) -> Cancellable:
        try:
            held = self.refunds.client.authorized_transactions(reference_id=order.reference_id)
        except FlexitiError as exc:
            log.info("Order %s: Flexiti's held purchases could not be read (%r)",
                     order.merchant_order_id, exc)  # fmt: skip
            return Cancellable.UNKNOWN
        if any(str(item.transaction_id) == transaction_id for item in held):
            return Cancellable.YES
        self._remember_posted(transaction_id)
        return Cancellable.POSTED

    def _remember_posted(self, transaction_id: str) -> None:
        self._posted[transaction_id] = None
        while len(self._posted) > _POSTED_REMEMBERED:
            self._posted.popitem(last=False)

    def cancel(
        self,
        merchant_order_id: str,
        *,
        reason: str | None = None,
        actor: str,
        budget: float | None = None,
    ) -> Order:
        """Cancel an approved order's purchase at Flexiti, then move the order to ``cancelled``.

        Raises ``OrderStateError`` when the order is not approved (or has refunds: refund the
        rest instead), and Flexiti's error when it refuses; the order is then unchanged.
        ``ActionInProgressError``: Flexiti is slower than ``budget`` seconds (the cancellation
        goes on), or another request's action on the order is under way.
        """

        def work(order: Order) -> Order:
            if order.status is not OrderStatus.APPROVED:
                raise OrderStateError(
                    f"Order {merchant_order_id} is {order.status}: only an approved order can "
                    "be cancelled"
                )
            if any(r.is_live for r in self.refunds.refunds.for_order(merchant_order_id)):
                raise OrderStateError(
                    f"Order {merchant_order_id} has refunds: refund what remains instead"
                )
            self._cancel_at_flexiti(order)
            note = _note(f"purchase cancelled at Flexiti by {actor}", reason)
            return self._move(order, OrderStatus.CANCELLED, note)

        return self._claimed(merchant_order_id, "cancellation", actor, work, budget)

    def resolve_review(
        self,
        merchant_order_id: str,
        decision: str,
        *,
        note: str,
        actor: str,
        budget: float | None = None,
    ) -> Order:
        """Decide a ``needs_review`` order: ``approve`` or ``reject``; ``note`` says why.

        ``ActionInProgressError`` as for ``cancel``.
        """
        if decision not in REVIEW_DECISIONS:
            raise OrderActionError(f"The decision must be approve or reject, not {decision!r}")
        if not (note or "").strip():
            raise OrderActionError("A review decision needs a note saying why")

        def work(order: Order) -> Order:
            if order.status is not OrderStatus.NEEDS_REVIEW:
                raise OrderStateError(
                    f"Order {merchant_order_id} is {order.status}: only an order that needs "
                    "review can be decided"
                )
            return self._decide(order, decision, _note(f"{decision}d by {actor}", note), actor)

        return self._claimed(merchant_order_id, "review_decision", actor, work, budget)

    def _decide(self, order: Order, decision: str, why: str, actor: str) -> Order:
        if decision == "approve":
            return self._move(order, OrderStatus.APPROVED, why)
        if order.flow == "apply" or transaction_of(order) is None:
            return self._move(order, OrderStatus.CANCELLED, why)  # no purchase to undo
        try:
            self._cancel_at_flexiti(order)
        except NOT_CANCELLABLE as exc:
            log.info("Order %s: Flexiti will not cancel the purchase (%r); returning it in full",
                     order.merchant_order_id, exc)  # fmt: skip
            result = self.refunds.refund(
                order.merchant_order_id,
                None,
                reason=why,
                idempotency_key=f"review-reject-{order.id}",
                actor=actor,
                allowed=(OrderStatus.NEEDS_REVIEW,),
            )
            return result.order
        return self._move(order, OrderStatus.CANCELLED, why)

    def _claimed(
        self,
        merchant_order_id: str,
        action: str,
        actor: str,
        work: Callable[[Order], Order],
        budget: float | None,
    ) -> Order:
        """``work(order)`` under the order's claim, waited for at most ``budget`` seconds."""
        claimed = self.claims.take(
            merchant_order_id, action=action, actor=actor, lease=ACTION_LEASE
        )

        def run() -> Order:
            try:
                return work(claimed)
            finally:
                self.claims.end(claimed)

        if budget is None:
            return run()
        done = self.orders.background.within(run, budget, inline_when_full=True)
        if done is None:
            raise ActionInProgressError(
                f"Flexiti is slow: the {action.replace('_', ' ')} of order {merchant_order_id} "
                "goes on",
                reference_id=claimed.reference_id,
                retry_after=2.0,
            )
        return done

    def _cancel_at_flexiti(self, order: Order) -> None:
        transaction_id = transaction_of(order)
        if transaction_id is None:
            raise OrderStateError(f"Order {order.merchant_order_id} has no Flexiti purchase")
        try:
            self.refunds.client.cancel_transaction(transaction_id, reference_id=order.reference_id)
        except NOT_CANCELLABLE:
            self._remember_posted(transaction_id)
            raise

    def _move(self, order: Order, status: OrderStatus, note: str) -> Order:
        won = self.orders.store.transition(
            order, status, source="decision", note=note, details=without_claim(order.details)
        )
        if won is None:
            current = self.orders.store.get_order(order.merchant_order_id) or order
            raise OrderStateError(
                f"Order {order.merchant_order_id} changed meanwhile (now {current.status})"
            )
        self.orders.announce(won)
        return won


def _note(what: str, why: str | None) -> str:
    why = (why or "").strip()
    return (f"{what}: {why}" if why else what)[:MAX_REASON]
