"""Oscar orders from the service's word: placed once when Flexiti approves, then kept in step.

The customer's return and the service's webhook both end here, possibly at the same moment;
each works on its checkout under a lock (an update of its row, first thing in the transaction),
so exactly one of them places the order and the other finds it placed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from flexiti_oscar.models import FlexitiCheckout

log = logging.getLogger("flexiti_oscar")

Basket = get_model("basket", "Basket")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventType = get_model("order", "PaymentEventType")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
Transaction = get_model("payment", "Transaction")
Applicator = get_class("offer.applicator", "Applicator")
InvalidOrderStatus = get_class("order.exceptions", "InvalidOrderStatus")
OrderPlacementMixin: Any = get_class("checkout.mixins", "OrderPlacementMixin")
Selector = get_class("partner.strategy", "Selector")

#: The service's statuses that make an Oscar order: approved, or held while a person decides.
PLACED = ("approved", "needs_review")
#: The Oscar status each of the service's statuses moves an order to (``FLEXITI_ORDER_STATUSES``
#: overrides any of them; the shop's ``OSCAR_ORDER_STATUS_PIPELINE`` must allow the moves).
STATUSES = {
    "needs_review": "Awaiting Flexiti review",
    "partially_refunded": "Partially refunded",
    "refunded": "Refunded",
    "cancelled": "Cancelled",
}
SOURCE = "Flexiti"


def oscar_status(flexiti_status: str) -> str | None:
    if flexiti_status == "approved":
        return settings.OSCAR_INITIAL_ORDER_STATUS
    return {**STATUSES, **getattr(settings, "FLEXITI_ORDER_STATUSES", {})}.get(flexiti_status)


@contextmanager
def locked(checkout: FlexitiCheckout) -> Iterator[FlexitiCheckout]:
    """``checkout`` as it is now, no other request working on it until the block ends."""
    with transaction.atomic():
        FlexitiCheckout.objects.filter(pk=checkout.pk).update(updated_at=timezone.now())
        checkout.refresh_from_db()
        yield checkout


def settle(checkout: FlexitiCheckout, data: dict[str, Any]) -> Any:
    """Bring Oscar in step with the service's order ``data`` (its API answer or a webhook's).

    Returns the Oscar order, if there is one: placed now when Flexiti approved (or held for
    review), released from review, refunded or cancelled as the service says.
    """
    status = data["status"]
    with locked(checkout):
        order = checkout.order
        if order is None and status in PLACED:
            order = checkout.order = _Placement(checkout).place(data)
        elif order is None and status in ("declined", "cancelled", "expired", "error"):
            thaw(checkout.basket_id)  # the customer finds their basket as they left it
        elif order is not None:
            _follow(order, status, data)
        checkout.status = status
        checkout.save()
    return order


def thaw(basket_id: int) -> None:
    """Open a frozen basket again (one that already became an order is never reopened)."""
    for basket in Basket.objects.filter(pk=basket_id, status=Basket.FROZEN):
        basket.thaw()


def record_refund(order: Any, refund: dict[str, Any], order_status: str) -> None:
    """A refund that Flexiti made, as a payment event and a status (once per refund)."""
    if refund["status"] != "succeeded":
        return
    reference = f"Flexiti refund {refund['id']}"
    if _add_event(order, "Refunded", Decimal(refund["amount"]), reference):
        source = order.sources.filter(source_type__name=SOURCE).first()
        if source is not None:
            source.refund(Decimal(refund["amount"]), reference=reference)
    move(order, order_status)


def move(order: Any, flexiti_status: str) -> None:
    """Give ``order`` the Oscar status of ``flexiti_status``, if the shop's pipeline allows it."""
    target = oscar_status(flexiti_status)
    if target is None or target == order.status:
        return
    try:
        order.set_status(target)
    except InvalidOrderStatus:
        log.warning("Order %s: Flexiti says %s, but the pipeline has no move from %r to %r",
                    order.number, flexiti_status, order.status, target)  # fmt: skip
        order.notes.create(note_type="System", message=f"Flexiti: the order is {flexiti_status}.")


def _follow(order: Any, status: str, data: dict[str, Any]) -> None:
    if "refund" in data:
        if data["refund"]["status"] == "failed":
            order.notes.create(note_type="Error", message=f"Flexiti refused a refund: "
                               f"{data['refund'].get('error') or 'no reason given'}")  # fmt: skip
        record_refund(order, data["refund"], status)
    elif status == "approved" and order.status == oscar_status("needs_review"):
        amount, reference = Decimal(data["amount"]), _online_reference(data)
        if _add_event(order, "Settled", amount, reference):  # a person approved the review
            for source in order.sources.filter(source_type__name=SOURCE):
                source.debit(amount, reference=reference)
            move(order, status)
    elif status == "cancelled":
        if order.payment_events.filter(event_type__name="Settled").exists():  # not a held order
            refunded = sum(Decimal(r["amount"]) for r in data.get("refunds", ())
                           if r["status"] == "succeeded")  # fmt: skip
            amount = Decimal(data["amount"]) - refunded
            _add_event(order, "Cancelled", amount, "Flexiti cancellation")
        move(order, status)


def _add_event(order: Any, name: str, amount: Decimal, reference: str) -> bool:
    """A payment event, unless the order has it already (webhooks come at least once)."""
    if order.payment_events.filter(event_type__name=name, reference=reference).exists():
        return False
    event_type, _ = PaymentEventType.objects.get_or_create(name=name)
    PaymentEvent.objects.create(order=order, event_type=event_type, amount=amount,
                                reference=reference)  # fmt: skip
    return True


def _online_reference(data: dict[str, Any]) -> str:
    return f"Flexiti order {data.get('online_order_id') or data['merchant_order_id']}"


class _Session(dict):
    modified = False


class _Placement(OrderPlacementMixin):
    """Oscar's own order placement, replaying the checkout session kept at "place order"."""

    def __init__(self, checkout: FlexitiCheckout) -> None:
        self.checkout = checkout
        self.request = request = HttpRequest()
        request.user = checkout.user or AnonymousUser()
        request.session = _Session(checkout_data=checkout.session)
        request.basket = basket = Basket.objects.get(pk=checkout.basket_id)
        basket.strategy = Selector().strategy(request=request, user=request.user)
        Applicator().apply(basket, request.user, request)
        self.checkout_session = get_class("checkout.utils", "CheckoutSessionData")(request)

    def place(self, data: dict[str, Any]) -> Any:
        submission = self.build_submission(basket=self.request.basket)
        amount, total = Decimal(data["amount"]), submission["order_total"]
        status, why = oscar_status(data["status"]), None
        if data["status"] == "needs_review":
            why = "Flexiti holds this financing for review: decide it in the Flexiti console."
        if total.incl_tax != amount:
            # The basket no longer costs what Flexiti financed: a person looks before shipping.
            why = f"Flexiti financed {amount}, but the basket now costs {total.incl_tax}."
            log.warning("Order %s: %s Held for review.", self.checkout.number, why)
            status = oscar_status("needs_review")
        approved = data["status"] == "approved"
        source = Source(
            source_type=SourceType.objects.get_or_create(name=SOURCE)[0],
            currency=total.currency,
            amount_allocated=amount,
            amount_debited=amount if approved else 0,
            reference=_online_reference(data),
        )
        if approved:
            source.create_deferred_transaction(Transaction.DEBIT, amount, source.reference)
            self.add_payment_event("Settled", amount, reference=source.reference)
        self.add_payment_source(source)
        order = self.place_order(
            order_number=self.checkout.number,
            user=submission["user"],
            basket=self.request.basket,
            shipping_address=submission["shipping_address"],
            shipping_method=submission["shipping_method"],
            shipping_charge=submission["shipping_charge"],
            billing_address=submission["billing_address"],
            order_total=total,
            surcharges=submission["surcharges"],
            status=status,
            **submission["order_kwargs"],
        )
        if why:
            order.notes.create(note_type="Warning", message=why)
        self.request.basket.submit()
        transaction.on_commit(lambda: self._confirm(order))
        return order

    def _confirm(self, order: Any) -> None:
        """The order confirmation email, as Oscar sends it, once the order is committed."""
        try:
            self.send_order_placed_email(order)
        except Exception:  # an email that fails must not undo or hide a placed order
            log.exception("Order %s: the confirmation email was not sent", order.number)
