"""Flexiti's callbacks: store each delivery first, then treat it only as a hint to refresh.

No signature or authentication of callbacks is documented, so nothing in a delivery decides an
order's fate: any identifier it carries picks the order to look up at Flexiti. The documented
notification names no order at all, only a promo id (and a customer id): such a delivery is
matched by looking up the recent pending (and expired) orders newest first, until one's lookup
carries that promo id (see ``search``).

A delivery counts as news (a lookup even within the per-order throttle) only when callbacks are
authenticated (``trust_news``: the secret callback path). Anyone can post to an open callback
URL, so there every lookup waits for the throttle: a delivery that meets it is due again once
the throttle opens, and is done then if a lookup ran after it arrived.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

from flexiti_checkout.lifecycle.callbacks.foreground import Foreground
from flexiti_checkout.lifecycle.callbacks.search import (
    SEARCH_WAIT,
    SearchResult,
    search_order,
    search_pool,
)
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.redact import extract_hints, extract_identifiers, redact, storable
from flexiti_checkout.metrics import CALLBACKS_FAILED, CALLBACKS_PROCESSED
from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.store.inbox import Delivery, Inbox
from flexiti_checkout.store.leases import LeaseKeeper
from flexiti_checkout.store.sweeps import count_deliveries, each_delivery

log = logging.getLogger(__name__)

#: The stored ``content_type`` column's width.
MAX_CONTENT_TYPE = 128
#: Statuses in which a delivery about the order still needs a lookup.
OPEN = (OrderStatus.PENDING, OrderStatus.CREATED, OrderStatus.EXPIRED)
#: Waits before a delivery that failed is tried again; after the last, only a replay tries it
#: (``FLEXITI_CALLBACK_RETRY_SCHEDULE``).
RETRY_DELAYS: tuple[float, ...] = (2, 10, 60, 300, 1800)
#: How long after the throttle opens a throttled search is tried again (clocks of workers differ).
RETRY_MARGIN = 0.05
#: How long a replay holds a delivery it processes (a worker's lease is its own).
REPLAY_LEASE = 300.0


@dataclass(frozen=True)
class ProcessResult:
    """What processing one delivery did: its outcome line, and whether it must be retried
    (``retry_in`` seconds from now when that is known, else after the retry schedule)."""

    outcome: str
    retry: bool = False
    retry_in: float | None = None


class CallbackProcessor:
    """Takes deliveries into the inbox and processes them through ``OrderService.refresh``.

    ``retry_delays`` are the waits before each new try of a delivery that failed.
    """

    def __init__(
        self,
        inbox: Inbox,
        orders: OrderService,
        *,
        trust_news: bool = True,
        foreground: Foreground | None = None,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self.inbox = inbox
        self.orders = orders
        self.trust_news = trust_news
        self.retry_delays = retry_delays
        # The callbacks this process answers come before the lookups that settle them.
        self.foreground = foreground or Foreground()
        #: The threads searches make their parallel lookups on.
        self.search_pool = search_pool()
        # One search per clue at a time per process: copies of one notification wait for the
        # first search, then find the order by the promo id it recorded instead of searching.
        self._searches: dict[str, list[Any]] = {}
        self._searches_guard = threading.Lock()

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
        repeats callbacks, and a settled order never moves again, so there is nothing to look up
        (an expired order still is: Flexiti may approve it late).
        """
        identifiers = extract_identifiers(payload)
        named = self.orders.store.named_order_status(identifiers)
        settled = None
        if named is not None and named[1] not in OPEN:
            settled = f"order {named[0]}: {named[1]} already"
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

    def process(
        self,
        delivery: Delivery,
        *,
        force: bool = False,
        owner: str | None = None,
        lease: float | None = None,
    ) -> ProcessResult:
        """Refresh the order(s) a delivery points at; record the outcome on the delivery.

        A delivery stays unprocessed, due again later, when the lookup failed upstream, or was
        throttled before any lookup newer than the delivery had run; after ``retry_delays`` it
        is left for ``replay`` and the reconciler. ``force`` (an operator's replay) skips the
        per-order throttle. ``owner`` is the lease a worker holds on the delivery, for ``lease``
        seconds: a search kept going longer (a very slow Flexiti) extends it as it goes.
        """
        if delivery.processed_at is not None and not force:
            return ProcessResult(delivery.outcome or "processed")
        order = self._order_named_by(delivery.identifiers)
        if order is not None:
            result = self._refresh(order, delivery, force)
        else:
            keeper = None
            if owner is not None and lease is not None:
                keeper = self.inbox.keeper(delivery.id, owner, lease)
            result = self._search(delivery, force, keeper)
        self.record(delivery, result, owner=owner)
        return result

    def record(self, delivery: Delivery, result: ProcessResult, *, owner: str | None) -> bool:
        """Write ``result`` on the delivery, scheduling the next try of one to retry."""
        retry_at = None
        if result.retry and delivery.attempts < len(self.retry_delays):
            retry_in = result.retry_in
            if retry_in is None:
                retry_in = self.retry_delays[delivery.attempts]
            retry_at = self.inbox.store.clock() + retry_in
        recorded = self.inbox.finish_delivery(
            delivery.id,
            outcome=result.outcome,
            error=result.outcome if result.retry else None,
            retry_at=retry_at,
            owner=owner,
        )
        if recorded:
            (CALLBACKS_FAILED if result.retry else CALLBACKS_PROCESSED).inc()
        return recorded

    def replay(
        self, *, include_processed: bool = False, limit: int | None = None
    ) -> list[tuple[Delivery, ProcessResult]]:
        """Process stored deliveries again (by default only those not processed yet).

        All of them, newest first (the freshest news about an order settles it soonest), or the
        ``limit`` newest. An operator asked for this, so the per-order lookup throttle does not
        apply.
        """
        return list(self.each_replayed(include_processed=include_processed, limit=limit))

    def each_replayed(
        self, *, include_processed: bool = False, limit: int | None = None
    ) -> Iterator[tuple[Delivery, ProcessResult]]:
        """``replay`` one delivery at a time, for a progress bar."""
        found = each_delivery(self.inbox.store, unprocessed_only=not include_processed)
        for delivery in islice(found, limit):
            owner = f"replay:{os.getpid()}:{uuid.uuid4().hex}"
            now = self.inbox.store.clock()
            if not self.inbox.claim(delivery.id, owner, now=now, lease=REPLAY_LEASE):
                yield delivery, ProcessResult("a worker is processing it right now", retry=True)
                continue
            yield delivery, self.process(delivery, force=True, owner=owner, lease=REPLAY_LEASE)

    def replay_count(self, *, include_processed: bool = False) -> int:
        """How many deliveries ``replay`` would process now."""
        return count_deliveries(self.inbox.store, unprocessed_only=not include_processed)

    def _order_named_by(self, identifiers: dict[str, str]) -> Order | None:
        store = self.orders.store
        order = store.find_named_order(identifiers)
        if order is not None:
            return order
        promo_id = identifiers.get("promo_id")
        if promo_id:
            return store.get_order_by_promo_id(promo_id)
        return None

    def _refresh(self, order: Order, delivery: Delivery, force: bool) -> ProcessResult:
        news = delivery.received_at if self.trust_news else None
        result = self.orders.refresh_order(order, source="callback", force=force, news_since=news)
        current = result.order
        if result.error is not None:
            return ProcessResult(f"order {order.merchant_order_id}: lookup failed", retry=True)
        if current.status is not OrderStatus.PENDING or _checked_since(current, delivery):
            return ProcessResult(f"order {order.merchant_order_id}: {current.status}")
        # Due again once the throttle lets a lookup through (a little after, for the clock).
        return ProcessResult(
            f"order {order.merchant_order_id}: lookup throttled",
            retry=True,
            retry_in=self.orders.lookup_interval * 1.1,
        )

    def _search(
        self, delivery: Delivery, force: bool, keeper: LeaseKeeper | None = None
    ) -> ProcessResult:
        """Find the order of a delivery that names none we know; unprocessed if not found."""

        def before_lookup() -> None:
            self.foreground.wait_for_gap()
            if keeper is not None:
                keeper.keep()

        hints = extract_hints(delivery.payload)
        promo_id = delivery.identifiers.get("promo_id")
        key = (
            f"promo:{promo_id}"
            if promo_id
            else f"{hints.get('outcome')}:{hints.get('customer_id')}"
        )
        with self._one_search(key) as ours:
            if not ours:
                return ProcessResult("the same search is still running; tried again shortly",
                                     retry=True, retry_in=1.0)  # fmt: skip
            # A search that just finished may have found this very order: ask the store first.
            known = self._known_order(delivery, force)
            if known is not None:
                return known
            found = search_order(
                self.orders,
                promo_id=promo_id,
                customer_id=hints.get("customer_id"),
                outcome=hints.get("outcome"),
                since=delivery.received_at,
                force=force,
                trust_news=self.trust_news,
                before_lookup=before_lookup,
                pool=self.search_pool,
            )
        if found.order is None:
            # A search for another notification may have looked this order up meanwhile.
            known = self._known_order(delivery, force)
            if known is not None:
                return known
        if found.order is not None:
            return ProcessResult(
                f"order {found.order.merchant_order_id}: {found.order.status} "
                f"(found by {found.clue} after {found.lookups} lookups)"
            )
        if promo_id is None:
            # Nothing identifies the order, so a replay could find no more than the reconciler.
            return ProcessResult(
                f"named no order and no promo id; {found.lookups} lookups of the newest pending "
                "orders found none settled as announced (the reconciler settles the rest)"
            )
        # Orders the throttle skipped may be the one: search again once it lets one through.
        return ProcessResult(
            f"no order found by {found.clue} after {found.lookups} lookups of "
            f"{found.candidates} recent orders; kept for replay",
            retry=True,
            retry_in=self._throttle_opens_in(found) if found.throttled else None,
        )

    def _throttle_opens_in(self, found: SearchResult) -> float:
        """Seconds until the throttle lets the first skipped candidate through (a little after,
        for the clock); ``lookup_interval`` when that is not known."""
        interval = self.orders.lookup_interval
        if found.retry_at is None:
            return interval * 1.1
        opens_in = found.retry_at - self.inbox.store.clock()
        return min(interval, max(0.05, opens_in)) + RETRY_MARGIN

    def _known_order(self, delivery: Delivery, force: bool) -> ProcessResult | None:
        order = self._order_named_by(delivery.identifiers)
        if order is None:
            return None
        if order.status not in OPEN:
            return ProcessResult(f"order {order.merchant_order_id}: {order.status}")
        return self._refresh(order, delivery, force)

    @contextmanager
    def _one_search(self, key: str) -> Iterator[bool]:
        """Yield True once no other search for ``key`` runs here (False after SEARCH_WAIT)."""
        with self._searches_guard:
            entry = self._searches.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        lock: threading.Lock = entry[0]
        acquired = lock.acquire(timeout=SEARCH_WAIT)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()
            with self._searches_guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._searches[key]


def _storable_header(value: str | None) -> str | None:
    """A header as its column takes it: bounded, no control characters or lone surrogates."""
    if value is None:
        return None
    return "".join(char if char.isprintable() else "\ufffd" for char in value[:MAX_CONTENT_TYPE])


def _checked_since(order: Order, delivery: Delivery) -> bool:
    return order.checked_at is not None and order.checked_at.timestamp() >= delivery.received_at
