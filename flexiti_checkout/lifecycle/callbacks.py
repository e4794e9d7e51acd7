"""Flexiti's callbacks: store each delivery first, then treat it only as a hint to refresh.

No signature or authentication of callbacks is documented, so nothing in a delivery decides an
order's fate: any identifier it carries picks the order to look up at Flexiti, and a delivery
that names no order we know triggers a lookup of the recent pending ones.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.redact import extract_identifiers, redact, storable
from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.store.inbox import Delivery, Inbox

log = logging.getLogger("flexiti_checkout.callbacks")

#: How many recent pending orders an anonymous delivery may refresh.
ANONYMOUS_REFRESH_LIMIT = 50
#: The stored ``content_type`` column's width.
MAX_CONTENT_TYPE = 128


@dataclass(frozen=True)
class ProcessResult:
    """What processing one delivery did: its outcome line, and whether it must be retried."""

    outcome: str
    retry: bool = False


class CallbackProcessor:
    """Takes deliveries into the inbox and processes them through ``OrderService.refresh``."""

    def __init__(self, inbox: Inbox, orders: OrderService) -> None:
        self.inbox = inbox
        self.orders = orders

    def receive(
        self,
        payload: Any,
        *,
        method: str,
        remote_addr: str | None,
        content_type: str | None,
    ) -> Delivery:
        """Store one delivery, redacted of personal data; nothing changes before this.

        A delivery about an order that has already ended is stored as processed: Flexiti often
        repeats callbacks, and a settled order never moves again, so there is nothing to look up.
        """
        identifiers = extract_identifiers(payload)
        order = self._order_named_by(identifiers)
        settled = None
        if order is not None and order.status not in (OrderStatus.PENDING, OrderStatus.CREATED):
            settled = f"order {order.merchant_order_id}: {order.status} already"
        return self.inbox.add_delivery(
            method=method,
            remote_addr=remote_addr,
            content_type=_storable_header(content_type),
            payload=redact(payload),
            identifiers=identifiers,
            settled_outcome=settled,
        )

    def receive_unreadable(
        self,
        reason: str,
        body: bytes,
        *,
        method: str,
        remote_addr: str | None,
        content_type: str | None,
    ) -> Delivery:
        """Store a delivery whose body could not be read, as processed: it names no order.

        Its content is not kept (it cannot be redacted field by field), only why it was refused,
        its size and its SHA-256, to match it with Flexiti's records.
        """
        outcome = f"unreadable: {storable(reason, 300)}"
        return self.inbox.add_delivery(
            method=method,
            remote_addr=remote_addr,
            content_type=_storable_header(content_type),
            payload={
                "unreadable": storable(reason, 300),
                "bytes": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
            },
            identifiers={},
            settled_outcome=outcome,
        )

    def process(self, delivery: Delivery, *, force: bool = False) -> ProcessResult:
        """Refresh the order(s) a delivery points at; record the outcome on the delivery.

        A delivery stays unprocessed (for ``replay`` or the reconciler) when the lookup failed
        upstream, or was throttled before any lookup newer than the delivery had run. ``force``
        (an operator's replay) skips the per-order throttle.
        """
        if delivery.processed_at is not None and not force:
            return ProcessResult(delivery.outcome or "processed")
        order = self._order_named_by(delivery.identifiers)
        if order is not None:
            result = self._refresh(order, delivery, force)
        else:
            result = self._refresh_recent(delivery, force)
        self.inbox.finish_delivery(
            delivery.id, outcome=result.outcome, error=result.outcome if result.retry else None
        )
        return result

    def replay(self, *, include_processed: bool = False) -> list[tuple[Delivery, ProcessResult]]:
        """Process stored deliveries again (by default only those not processed yet).

        An operator asked for this, so the per-order lookup throttle does not apply.
        """
        done = []
        for delivery in self.inbox.deliveries(unprocessed_only=not include_processed):
            done.append((delivery, self.process(delivery, force=True)))
        return done

    def _order_named_by(self, identifiers: dict[str, str]) -> Order | None:
        store = self.orders.store
        merchant_order_id = identifiers.get("merchant_order_id")
        if merchant_order_id:
            order = store.get_order(merchant_order_id)
            if order is not None:
                return order
        online_order_id = identifiers.get("online_order_id")
        if online_order_id:
            return store.get_order_by_online_id(online_order_id)
        return None

    def _refresh(self, order: Order, delivery: Delivery, force: bool) -> ProcessResult:
        result = self.orders.refresh_order(
            order, source="callback", force=force, news_since=delivery.received_at
        )
        current = result.order
        if result.error is not None:
            return ProcessResult(f"order {order.merchant_order_id}: lookup failed", retry=True)
        if current.status is not OrderStatus.PENDING or _checked_since(current, delivery):
            return ProcessResult(f"order {order.merchant_order_id}: {current.status}")
        return ProcessResult(f"order {order.merchant_order_id}: lookup throttled", retry=True)

    def _refresh_recent(self, delivery: Delivery, force: bool) -> ProcessResult:
        store = self.orders.store
        recent = store.orders_in(
            (OrderStatus.PENDING,),
            entered_after=delivery.received_at - self.orders.pending_expiry,
            limit=ANONYMOUS_REFRESH_LIMIT,
        )
        failed = 0
        changed = 0
        for order in recent:
            result = self.orders.refresh_order(
                order, source="callback", force=force, news_since=delivery.received_at
            )
            failed += result.error is not None
            changed += result.changed
        outcome = f"no known order named; refreshed {len(recent)} pending orders, {changed} settled"
        return ProcessResult(outcome, retry=failed > 0)


def _storable_header(value: str | None) -> str | None:
    """A header as its column takes it: bounded, no control characters or lone surrogates."""
    if value is None:
        return None
    return "".join(char if char.isprintable() else "\ufffd" for char in value[:MAX_CONTENT_TYPE])


def _checked_since(order: Order, delivery: Delivery) -> bool:
    return order.checked_at is not None and order.checked_at.timestamp() >= delivery.received_at
