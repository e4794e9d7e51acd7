"""The order as the shop sees it, its statuses, and the only transitions allowed between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

#: Flexiti's flows: a purchase, a credit application, or an application then a purchase.
FLOWS = ("buy", "apply", "apply/buy")
#: Flows that move money, for which Flexiti requires billing and shipping addresses.
PURCHASE_FLOWS = ("buy", "apply/buy")


class OrderStatus(str, Enum):
    """Where an order is in its life; see the transition table below."""

    CREATED = "created"
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    NEEDS_REVIEW = "needs_review"
    EXPIRED = "expired"
    ERROR = "error"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"

    def __str__(self) -> str:
        return self.value

    @property
    def is_settled(self) -> bool:
        """The checkout has an outcome: no lookup or callback moves the order any more, except a
        late approval of an ``expired`` one (to ``needs_review``); only the shop's refunds and
        cancellations still move it (``TRANSITIONS``). ``declined``, ``cancelled`` and
        ``refunded`` are final."""
        return self in SETTLED


SETTLED = frozenset(
    {
        OrderStatus.APPROVED,
        OrderStatus.DECLINED,
        OrderStatus.CANCELLED,
        OrderStatus.EXPIRED,
        OrderStatus.PARTIALLY_REFUNDED,
        OrderStatus.REFUNDED,
    }
)
#: Statuses whose Flexiti purchase can still be refunded (in part or in full).
REFUNDABLE = frozenset({OrderStatus.APPROVED, OrderStatus.PARTIALLY_REFUNDED})

#: Every move an order may make. Moves only go forward; no lookup moves a settled status but one:
#: ``expired`` goes to ``needs_review`` when Flexiti approves it late. Otherwise only the shop's
#: own acts do: a refund (``approved``/``partially_refunded`` → ``partially_refunded`` or
#: ``refunded``, once per refund) and a cancellation of the purchase (``approved`` →
#: ``cancelled``). ``error`` may start again (a failed widget init); ``needs_review`` is decided
#: by a person (approve, or reject: cancelled or refunded at Flexiti).
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.CREATED: frozenset({OrderStatus.PENDING, OrderStatus.ERROR}),
    OrderStatus.ERROR: frozenset({OrderStatus.CREATED}),
    OrderStatus.PENDING: frozenset(
        {
            OrderStatus.APPROVED,
            OrderStatus.DECLINED,
            OrderStatus.CANCELLED,
            OrderStatus.NEEDS_REVIEW,
            OrderStatus.EXPIRED,
        }
    ),
    OrderStatus.NEEDS_REVIEW: frozenset(
        {OrderStatus.APPROVED, OrderStatus.DECLINED, OrderStatus.CANCELLED, OrderStatus.REFUNDED}
    ),
    OrderStatus.APPROVED: frozenset(
        {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, OrderStatus.CANCELLED}
    ),
    OrderStatus.PARTIALLY_REFUNDED: frozenset(
        {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED}
    ),
    OrderStatus.REFUNDED: frozenset(),
    OrderStatus.DECLINED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    # Expired here is not expired at Flexiti: a customer who finishes late is financed for an
    # order the shop abandoned, and a person must look at it.
    OrderStatus.EXPIRED: frozenset({OrderStatus.NEEDS_REVIEW}),
}


def can_move(current: OrderStatus, new: OrderStatus) -> bool:
    """Whether the transition table allows ``current`` → ``new``."""
    return new in TRANSITIONS[current]


def utc(timestamp: float | None) -> datetime | None:
    """An aware UTC datetime from epoch seconds (the store keeps times as numbers)."""
    return None if timestamp is None else datetime.fromtimestamp(timestamp, tz=timezone.utc)


@dataclass(frozen=True)
class OrderEvent:
    """One transition in an order's history."""

    at: datetime
    from_status: OrderStatus | None
    to_status: OrderStatus
    source: str
    note: str = ""


@dataclass(frozen=True)
class Order:
    """An order as the store keeps it. No personal data: only what settles and audits it.

    ``details`` holds what Flexiti granted (promo id, plan, term, fees, total, the address-match
    scores, the Flexiti customer id) once the order has settled. ``online_order_id`` is what
    widget init answered; ``transaction_id`` what the lookup answers (and the POS API's
    back-office calls take): two ids, never assumed equal. ``flexiti_merchant_order_id`` is the
    numeric id Flexiti was given instead of ``merchant_order_id``, when the shop asks for one.
    """

    merchant_order_id: str
    status: OrderStatus
    amount: Decimal
    flow: str
    lang: str
    reference_id: str
    online_order_id: str | None = None
    transaction_id: str | None = None
    flexiti_merchant_order_id: str | None = None
    redirection_url: str | None = None
    flexiti_status: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    #: When the order entered its current status.
    status_since: datetime | None = None
    #: When Flexiti was last asked about it.
    checked_at: datetime | None = None
    currency: str = "CAD"
    version: int = 0
    id: int | None = None

    @property
    def is_settled(self) -> bool:
        return self.status.is_settled

    @property
    def id_at_flexiti(self) -> str:
        """The merchant order id Flexiti knows this order by (widget init, lookups)."""
        return self.flexiti_merchant_order_id or self.merchant_order_id


@dataclass(frozen=True)
class CheckoutSession:
    """A started checkout: where to send the customer, and how to find the order again."""

    merchant_order_id: str
    online_order_id: str
    redirection_url: str
    reference_id: str
    status: OrderStatus = OrderStatus.PENDING
    lang: str = "en"


class RefundStatus(str, Enum):
    """Where a refund is: written before Flexiti is called, then settled once.

    ``unknown`` means Flexiti may or may not have returned the money (no answer after the request
    was sent): it is never sent again, only settled from Flexiti's records or by a person.
    """

    REQUESTED = "requested"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


#: Refunds that count against what remains: they have returned money, or may have.
LIVE_REFUNDS = frozenset({RefundStatus.REQUESTED, RefundStatus.SUCCEEDED, RefundStatus.UNKNOWN})


@dataclass(frozen=True)
class Refund:
    """One refund of an order: what was asked, by whom, and what Flexiti answered.

    ``full`` refunds ask Flexiti to return all that remains (``return_type`` full); ``amount`` is
    then what remained by our records. ``answer`` is Flexiti's answer, without personal data.
    """

    id: int
    merchant_order_id: str
    amount: Decimal
    full: bool
    status: RefundStatus
    idempotency_key: str
    reference_id: str
    reason: str = ""
    actor: str = ""
    answer: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: datetime | None = None
    settled_at: datetime | None = None

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_REFUNDS
