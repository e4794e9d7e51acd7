"""Signals a shop connects to, to learn how its orders end, and the catalogue of notifications.

Each signal is sent exactly once per event, by the one caller that won the compare-and-set on the
order (or on the refund), after it is committed; the sender is the Flask app and the order is
passed as ``order=``. A receiver that raises is logged and does not undo anything::

    from flexiti_checkout.signals import order_approved

    @order_approved.connect_via(app)
    def mark_paid(app, order, **extra):
        shop.mark_paid(order.merchant_order_id, order.amount)

``NOTIFICATIONS`` is the one table of what the shop is told: each status an order enters, and
each event that moves no order, with the signal a Flask shop hears and the webhook type a shop
elsewhere receives. The extension's signals and the webhooks are both read from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from blinker import NamedSignal, Namespace

from flexiti_checkout.models import Order, OrderStatus, Refund, RefundStatus

_signals = Namespace()

#: Flexiti approved the purchase for the order's amount.
order_approved = _signals.signal("flexiti-order-approved")
#: Flexiti declined the customer.
order_declined = _signals.signal("flexiti-order-declined")
#: The customer cancelled in Flexiti's flow (or the shop cancelled the purchase, or rejected a
#: review).
order_cancelled = _signals.signal("flexiti-order-cancelled")
#: No outcome arrived within ``FLEXITI_PENDING_EXPIRY``; Flexiti was asked one last time.
order_expired = _signals.signal("flexiti-order-expired")
#: Flexiti said SUCCESS but for another amount or flow, or late: a person must decide.
order_needs_review = _signals.signal("flexiti-order-needs-review")
#: An apply-only flow ended with an approved application; ``customer_id=`` is Flexiti's id.
application_approved = _signals.signal("flexiti-application-approved")
#: Flexiti returned money on the order; ``refund=`` is the refund (``order.status`` says whether
#: it is now ``partially_refunded`` or ``refunded``). Sent once per succeeded refund.
order_refunded = _signals.signal("flexiti-order-refunded")
#: A refund failed: Flexiti refused it, or its records show it never happened. ``refund=`` is
#: the refund, ``refund.error`` says why; the order does not move. Sent once per failed refund.
refund_failed = _signals.signal("flexiti-refund-failed")

#: What happened: an order entered this status, or a refund settled in this status without
#: moving its order.
Trigger = OrderStatus | RefundStatus


@dataclass(frozen=True)
class Notification:
    """One row of the catalogue: what happened, the signal sent, the webhook type written.

    ``flow`` narrows the row to orders of that flow (the other flows take the row without one);
    ``extras`` names the keyword arguments the signal carries besides ``order=``: ``refund``
    (the refund it is about, also in the webhook's ``data.refund``) and ``customer_id``
    (Flexiti's customer id, from the order's details).
    """

    trigger: Trigger
    signal: NamedSignal
    webhook: str
    flow: str | None = None
    extras: tuple[str, ...] = ()

    @property
    def signal_name(self) -> str:
        """The signal's name in this module (``order_approved``)."""
        return self.signal.name.removeprefix("flexiti-").replace("-", "_")

    @property
    def carries_refund(self) -> bool:
        return "refund" in self.extras

    def send(self, sender: Any, order: Order, refund: Refund | None = None) -> None:
        """Send the row's signal about ``order`` (and ``refund``) from ``sender``."""
        extra: dict[str, Any] = {}
        if self.carries_refund:
            extra["refund"] = refund
        if "customer_id" in self.extras:
            extra["customer_id"] = order.details.get("customer_id")
        self.signal.send(sender, order=order, **extra)


#: Every notification. A review decided is a transition like any other (to ``approved``,
#: ``cancelled`` or ``refunded``); a succeeded refund is told by the order's move.
NOTIFICATIONS: tuple[Notification, ...] = (
    Notification(OrderStatus.APPROVED, order_approved, "order.approved"),
    Notification(OrderStatus.APPROVED, application_approved, "application.approved",
                 flow="apply", extras=("customer_id",)),
    Notification(OrderStatus.DECLINED, order_declined, "order.declined"),
    Notification(OrderStatus.CANCELLED, order_cancelled, "order.cancelled"),
    Notification(OrderStatus.EXPIRED, order_expired, "order.expired"),
    Notification(OrderStatus.NEEDS_REVIEW, order_needs_review, "order.needs_review"),
    Notification(OrderStatus.PARTIALLY_REFUNDED, order_refunded, "order.partially_refunded",
                 extras=("refund",)),
    Notification(OrderStatus.REFUNDED, order_refunded, "order.refunded", extras=("refund",)),
    Notification(RefundStatus.FAILED, refund_failed, "refund.failed", extras=("refund",)),
)  # fmt: skip

#: What tells the shop nothing: a checkout starting or waiting, a start that failed (it may start
#: again), a refund being asked or whose outcome is unknown. A succeeded refund is told by its
#: order's move (to ``partially_refunded`` or ``refunded``), or not at all when the order could
#: not move (it was already refunded or cancelled).
SILENT: frozenset[Trigger] = frozenset(
    {
        OrderStatus.CREATED,
        OrderStatus.PENDING,
        OrderStatus.ERROR,
        RefundStatus.REQUESTED,
        RefundStatus.UNKNOWN,
    }
)


def notification(order: Order, refund: Refund | None = None) -> Notification | None:
    """The row that tells of what just happened: ``order`` entered its status, or ``refund``
    settled; ``None`` when the shop is told nothing.

    A succeeded refund moved the order, so the order's new status tells of it; a refund that
    settled otherwise left the order where it was, and its own status tells of it.
    """
    moved = refund is None or refund.status is RefundStatus.SUCCEEDED
    trigger: Trigger = order.status if moved or refund is None else refund.status
    rows = [row for row in NOTIFICATIONS if row.trigger is trigger]
    return next((row for row in rows if row.flow == order.flow), None) or next(
        (row for row in rows if row.flow is None), None
    )
