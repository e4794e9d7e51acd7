"""Settling refunds whose outcome is unknown, from Flexiti's own records.

A refund is ``unknown`` when its return was sent and no answer came back. It is never sent again
(the money could go back twice). ``flask flexiti reconcile`` asks Flexiti for the customer's
purchases (POS ``customers/{id}/transactions``) and compares what remains returnable on the
order's purchase with our records: if it is lower by exactly the refund, the return happened
(``succeeded``); if it is unchanged, it did not (``failed``). Anything else (no customer id, two
unknown refunds on one order, a balance that matches neither) is left for a person, who settles
it with ``flask flexiti refund-outcome`` or the admin console.

A refund still ``requested`` long after it was written lost the process that was asking Flexiti
(a crash, a deploy): whether its return left is unknown too, so it is swept the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from flexiti_checkout.errors import FlexitiError, NotFoundError
from flexiti_checkout.lifecycle.refunds.service import RefundService, transaction_of
from flexiti_checkout.models import Order, Refund, RefundStatus
from flexiti_checkout.money import AmountError, parse_amount

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
#: A refund ``requested`` for longer than this has no process waiting for Flexiti's answer.
STALE_REQUEST = 600.0


@dataclass
class RefundSweep:
    """What a sweep of unknown refunds did."""

    succeeded: int = 0
    failed: int = 0
    #: Unknown refunds Flexiti's records cannot decide: a person must.
    left: int = 0
    unreachable: int = 0
    #: Refunds still ``requested``: their process may still be asking Flexiti.
    requested: int = 0


def settle_unknown_refunds(service: RefundService) -> RefundSweep:
    """Settle every ``unknown`` refund that Flexiti's records decide; count the others."""
    sweep = RefundSweep()
    stale_before = service.store.clock() - STALE_REQUEST
    for refund in service.refunds.in_status(RefundStatus.REQUESTED):
        if refund.created_at is not None and refund.created_at.timestamp() < stale_before:
            service.settle(
                refund, RefundStatus.UNKNOWN,
                error="the process asking Flexiti stopped before recording its answer",
            )  # fmt: skip
    for refund in service.refunds.in_status(RefundStatus.UNKNOWN):
        try:
            outcome = _outcome(service, refund)
        except FlexitiError as exc:
            log.warning("Refund %s: Flexiti's records could not be read (%r)", refund.id, exc)
            sweep.unreachable += 1
            continue
        if outcome is None:
            sweep.left += 1
        elif outcome:
            service.succeed(
                refund,
                answer=refund.answer,
                note=f"refund {refund.id}: Flexiti's records show the return",
                from_statuses=(RefundStatus.UNKNOWN,),
            )
            sweep.succeeded += 1
        else:
            service.settle(
                refund,
                RefundStatus.FAILED,
                error="Flexiti's records show no return: nothing was refunded",
                from_statuses=(RefundStatus.UNKNOWN,),
            )
            sweep.failed += 1
    sweep.requested = len(service.refunds.in_status(RefundStatus.REQUESTED))
    return sweep


def _outcome(service: RefundService, refund: Refund) -> bool | None:
    """True if Flexiti returned ``refund``, False if it did not, None if its records cannot say."""
    order = service.store.get_order(refund.merchant_order_id)
    if order is None:
        return None
    customer_id = order.details.get("customer_id")
    transaction_id = transaction_of(order)
    siblings = service.refunds.for_order(order.merchant_order_id)
    if not customer_id or transaction_id is None:
        return None
    if any(r.status is RefundStatus.UNKNOWN and r.id != refund.id for r in siblings):
        return None  # two unknowns cannot be told apart by one balance
    if any(r.status is RefundStatus.REQUESTED for r in siblings):
        return None  # one is in flight: the balance may be about to move
    returned = sum((r.amount for r in siblings if r.status is RefundStatus.SUCCEEDED), ZERO)
    before = _purchase_amount(order) - returned
    after = ZERO if refund.full else before - refund.amount
    try:
        purchases = service.client.customer_transactions(
            str(customer_id), reference_id=refund.reference_id
        )
    except NotFoundError as exc:
        if exc.code != "no_returns_found":
            return None  # the customer itself is unknown to Flexiti: a person must look
        purchases = []  # nothing of the customer's is left to return
    balance = next(
        (
            getattr(p, "balance", None)
            for p in purchases
            if str(getattr(p, "transaction_id", "")) == transaction_id
        ),
        None if purchases else ZERO,
    )
    if balance is None:
        return None
    if balance == after:
        return True
    if balance == before:
        return False
    return None


def _purchase_amount(order: Order) -> Decimal:
    """What Flexiti financed: its own purchase amount when it said, else the order's amount."""
    try:
        return parse_amount(order.details["purchase_amount"], "purchase_amount")
    except (KeyError, AmountError):
        return order.amount
