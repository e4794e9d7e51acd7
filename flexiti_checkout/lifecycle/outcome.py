"""What Flexiti's lookup answer means for an order: the one mapping from its status to ours.

SUCCESS becomes ``approved`` only when Flexiti approved exactly the order's amount and flow;
anything else it approved goes to ``needs_review`` for a person. Unknown statuses change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flexiti_checkout.client.results import Lookup
from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.money import CENT

log = logging.getLogger(__name__)

APPROVED_STATUSES = frozenset({"SUCCESS", "APPROVED", "COMPLETED", "COMPLETE"})
DECLINED_STATUSES = frozenset({"DECLINED", "DECLINE", "REJECTED", "DENIED", "ERROR", "FAILED"})
CANCELLED_STATUSES = frozenset({"CANCELLED", "CANCELED", "CANCEL", "ABANDONED"})


#: The store's column for Flexiti's status is this wide; Flexiti's statuses may be longer.
FLEXITI_STATUS_WIDTH = 32


def status_column(status: str | None) -> str | None:
    """Flexiti's status as the store keeps it: statuses of any length fit its column."""
    return status[:FLEXITI_STATUS_WIDTH] if status is not None else None


@dataclass(frozen=True)
class Outcome:
    """What Flexiti's answer means for an order: a new status (or none yet) and why."""

    status: OrderStatus | None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def lookup_outcome(order: Order, lookup: Lookup) -> Outcome:
    """Map Flexiti's lookup answer to the status ``order`` should move to, if any.

    SUCCESS moves to ``approved`` only when Flexiti approved exactly the order's amount and flow;
    otherwise a person must look (``needs_review``). Unknown statuses change nothing.
    """
    status = (lookup.status or "").upper()
    if status in DECLINED_STATUSES:
        return Outcome(OrderStatus.DECLINED, f"Flexiti status {status}")
    if status in CANCELLED_STATUSES:
        return Outcome(OrderStatus.CANCELLED, f"Flexiti status {status}")
    if status not in APPROVED_STATUSES:
        if status and status not in ("PENDING", "IN_PROGRESS", "STARTED", "INITIATED"):
            log.warning(
                "Flexiti reported an unknown status %r for order %s; it stays pending",
                status, order.merchant_order_id,
            )  # fmt: skip
        return Outcome(None)
    details = _granted_details(lookup)
    problems = []
    if lookup.flow and lookup.flow != order.flow:
        problems.append(f"Flexiti reports the {lookup.flow} flow, the order is {order.flow}")
    if order.flow != "apply":
        purchase = lookup.purchase
        approved = None
        if purchase is not None:
            approved = purchase.purchase_amount
            if approved is None:
                approved = purchase.transaction_total_amount
        if approved is None:
            problems.append("Flexiti did not say which amount it approved")
        elif approved != order.amount:
            problems.append(
                f"Flexiti approved {_cents(approved)}, the order is for {_cents(order.amount)}"
            )
    if problems:
        return Outcome(OrderStatus.NEEDS_REVIEW, "; ".join(problems), details)
    return Outcome(OrderStatus.APPROVED, f"Flexiti status {status}", details)


#: The note on an expired order that Flexiti approved after all.
LATE_APPROVAL_NOTE = "approved by Flexiti after it expired here"


def late_lookup_outcome(order: Order, lookup: Lookup) -> Outcome:
    """What Flexiti's answer means for an order we expired: only an approval changes it.

    The customer finished after the shop gave up, so they are financed for an abandoned order:
    a person decides (``needs_review``). A decline or a cancellation changes nothing.
    """
    status = (lookup.status or "").upper()
    if status in APPROVED_STATUSES:
        return Outcome(OrderStatus.NEEDS_REVIEW, LATE_APPROVAL_NOTE, _granted_details(lookup))
    return Outcome(None)


def _granted_details(lookup: Lookup) -> dict[str, Any]:
    details: dict[str, Any] = {"transaction_id": lookup.transaction_id}
    if lookup.purchase is not None:
        p = lookup.purchase
        details.update(
            promo_id=p.promo_id,
            plan_id=p.plan_id,
            term=p.term,
            administrative_fee=_text(p.administrative_fee),
            purchase_amount=_text(p.purchase_amount),
            transaction_total_amount=_text(p.transaction_total_amount),
            customer_id=p.customer_id,
            address_match=_plain(p.customer_comparison_result),
        )
    if lookup.apply is not None:
        details["customer_id"] = lookup.apply.customer_id or details.get("customer_id")
    return {key: value for key, value in details.items() if value not in (None, {}, "")}


def _cents(amount: Decimal) -> Decimal:
    """``500.0`` as ``500.00`` for people to read; amounts with finer digits stay as they are."""
    cents = amount.quantize(CENT)
    return cents if cents == amount else amount


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else format(_cents(amount), "f")


def _plain(value: Any) -> Any:
    """Match scores as JSON-safe values (Decimal → str), for the store."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return format(value, "f")
    return value
