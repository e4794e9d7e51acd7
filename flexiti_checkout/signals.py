"""Signals a shop connects to, to learn how its orders end.

Each is sent exactly once per transition, by the one caller that won the compare-and-set on the
order, after the transition is committed; the sender is the Flask app and the order is passed as
``order=``. A receiver that raises is logged and does not undo the transition::

    from flexiti_checkout.signals import order_approved

    @order_approved.connect_via(app)
    def mark_paid(app, order, **extra):
        shop.mark_paid(order.merchant_order_id, order.amount)
"""

from __future__ import annotations

from blinker import Namespace

from flexiti_checkout.models import OrderStatus

_signals = Namespace()

#: Flexiti approved the purchase for the order's amount.
order_approved = _signals.signal("flexiti-order-approved")
#: Flexiti declined the customer.
order_declined = _signals.signal("flexiti-order-declined")
#: The customer cancelled in Flexiti's flow.
order_cancelled = _signals.signal("flexiti-order-cancelled")
#: No outcome arrived within ``FLEXITI_PENDING_EXPIRY``; Flexiti was asked one last time.
order_expired = _signals.signal("flexiti-order-expired")
#: Flexiti said SUCCESS but for another amount or flow: a person must decide.
order_needs_review = _signals.signal("flexiti-order-needs-review")
#: An apply-only flow ended with an approved application; ``customer_id=`` is Flexiti's id.
application_approved = _signals.signal("flexiti-application-approved")
#: Flexiti returned money on the order; ``refund=`` is the refund (``order.status`` says whether
#: it is now ``partially_refunded`` or ``refunded``). Sent once per succeeded refund.
order_refunded = _signals.signal("flexiti-order-refunded")

#: The signal each status sends when an order enters it. An apply flow that ends approved sends
#: ``application_approved`` instead of ``order_approved`` (``web.extension``).
STATUS_SIGNALS = {
    OrderStatus.APPROVED: order_approved,
    OrderStatus.DECLINED: order_declined,
    OrderStatus.CANCELLED: order_cancelled,
    OrderStatus.EXPIRED: order_expired,
    OrderStatus.NEEDS_REVIEW: order_needs_review,
}
