"""What needs a person: the console's home page, read from the store in a few queries.

Orders in review (with the reason the lifecycle gave), refunds whose outcome is unknown, webhooks
that keep failing (given up, or pending after ``FAILING_ATTEMPTS`` tries) and orders pending for
longer than ``FLEXITI_PENDING_ATTENTION``. Each list shows at most ``SHOWN`` items; its count
says how many there are, up to ``COUNTED`` ("500+" beyond).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flexiti_checkout.models import OrderEvent, OrderStatus, Refund, RefundStatus
from flexiti_checkout.store.order_list import count_in
from flexiti_checkout.store.outbox import FAILED, PENDING, Outbox, OutboxEvent
from flexiti_checkout.web.state import FlexitiState

SHOWN = 20
COUNTED = 500
#: A pending webhook that has failed this often is worth a look before it is given up.
FAILING_ATTEMPTS = 3


@dataclass(frozen=True)
class Pile:
    """One kind of thing to look at: the first ``SHOWN`` and how many there are."""

    items: list[Any]
    count: int

    @property
    def capped(self) -> bool:
        return self.count > COUNTED

    @classmethod
    def of(cls, found: list[Any]) -> Pile:
        return cls(found[:SHOWN], len(found))


@dataclass(frozen=True)
class Attention:
    """The home page's lists: ``in_review`` holds (order, reason) pairs."""

    in_review: Pile
    unknown_refunds: Pile
    failing_webhooks: Pile
    late_pending: Pile

    @property
    def total(self) -> int:
        piles = (self.in_review, self.unknown_refunds, self.failing_webhooks, self.late_pending)
        return sum(pile.count for pile in piles)


def attention(state: FlexitiState) -> Attention:
    """What needs attention now, by the store's clock."""
    store = state.store
    now = store.clock()
    # The orders shown are read whole; the rest are only counted (a shop may have thousands).
    in_review = (OrderStatus.NEEDS_REVIEW,)
    reviews = store.orders_in(in_review, limit=SHOWN)
    shown = [(order, review_reason(store.history(order))) for order in reviews]
    reviewed = Pile(shown, count_in(store, in_review, cap=COUNTED + 1))
    refunds: list[Refund] = state.refunds.refunds.in_status(RefundStatus.UNKNOWN,
                                                            limit=COUNTED + 1)  # fmt: skip
    outbox = state.webhooks.outbox if state.webhooks else Outbox(store)
    events: list[OutboxEvent] = [
        event for event in outbox.events((PENDING, FAILED), limit=10 * COUNTED)
        if event.status == FAILED or event.attempts >= FAILING_ATTEMPTS
    ]  # fmt: skip
    since = now - state.settings.pending_attention
    pending = (OrderStatus.PENDING,)
    late = Pile(store.orders_in(pending, entered_before=since, limit=SHOWN),
                count_in(store, pending, entered_before=since, cap=COUNTED + 1))  # fmt: skip
    return Attention(reviewed, Pile.of(refunds), Pile.of(events), late)


def review_reason(history: list[OrderEvent]) -> str:
    """The note of the order's latest move into review: why the lifecycle wants a person."""
    notes = [event.note for event in history
             if event.to_status is OrderStatus.NEEDS_REVIEW and event.note]  # fmt: skip
    return notes[-1] if notes else ""
