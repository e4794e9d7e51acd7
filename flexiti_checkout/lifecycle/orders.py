"""The order lifecycle: start a checkout, refresh an order from Flexiti, reconcile the stragglers.

``refresh`` is the only place an order's outcome is decided: whatever learned of it (the
customer's return, Flexiti's callback, the reconciler), the order is looked up at Flexiti by
merchant order id (falling back to Flexiti's order id), the answer is mapped to a status, and the
change is applied with one compare-and-set. Only the winner announces it. Nothing here knows
Flask; the extension wires it to the app.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.client.results import Lookup
from flexiti_checkout.errors import (
    CheckoutInProgressError,
    FlexitiError,
    NotFoundError,
    OrderAlreadySettledError,
    OrderMismatchError,
    UnreadableAnswerError,
)
from flexiti_checkout.lifecycle.background import Background
from flexiti_checkout.lifecycle.checkout import CheckoutRequest, widget_init_arguments
from flexiti_checkout.lifecycle.decisions import Decision, decide, decide_late
from flexiti_checkout.lifecycle.validation import validate_checkout
from flexiti_checkout.models import CheckoutSession, Order, OrderStatus
from flexiti_checkout.store.repository import Store

log = logging.getLogger("flexiti_checkout.orders")

#: Called once per transition, by the winner, after commit: (the order as it is now).
Notify = Callable[[Order], None]
#: What ``flexiti_status`` records when Flexiti's answer could not be read.
UNREADABLE = "UNREADABLE"
#: The store's column for Flexiti's status is this wide; Flexiti's statuses may be longer.
FLEXITI_STATUS_WIDTH = 32
#: Statuses a refresh asks Flexiti about: pending ones, and expired ones it may approve late.
REFRESHABLE = (OrderStatus.PENDING, OrderStatus.EXPIRED)


@dataclass(frozen=True)
class Refresh:
    """The result of one refresh: the order as it is now, and what happened on the way."""

    order: Order
    looked_up: bool = False
    changed: bool = False
    throttled: bool = False
    error: FlexitiError | None = None
    #: The lookup outlived the caller's budget and goes on in the background.
    unfinished: bool = False
    #: Flexiti's answer, when this refresh got one.
    lookup: Lookup | None = None


class OrderService:
    """Starts checkouts and settles orders; the one place an order's status changes."""

    def __init__(
        self,
        store: Store,
        client: FlexitiClient,
        *,
        notify: Notify,
        check_redirect: Callable[[str], None],
        pending_expiry: float,
        lookup_interval: float = 2.0,
        start_wait: float = 15.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        background: Background | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self._notify = notify
        self._check_redirect = check_redirect
        self.pending_expiry = pending_expiry
        self.lookup_interval = lookup_interval
        self.start_wait = start_wait
        self.clock = clock
        self.sleep = sleep
        self.background = background or Background()
        self._flights: dict[str, threading.Event] = {}
        self._flights_lock = threading.Lock()

    # -- starting a checkout -------------------------------------------------------------------

    def start(self, request: CheckoutRequest | Mapping[str, Any]) -> CheckoutSession:
        """Open Flexiti's hosted flow for a merchant order, or reuse the one already pending.

        Raises ``InvalidCheckout`` for bad input, ``OrderAlreadySettledError`` for a merchant order
        id that has ended, ``OrderMismatchError`` for a pending one with another amount or flow,
        and ``FlexitiError`` subclasses when Flexiti refuses or cannot be reached.
        """
        checkout = validate_checkout(request)
        deadline = self.clock() + self.start_wait
        while True:
            order = self.store.get_order(checkout.merchant_order_id)
            if order is None:
                order = self.store.insert_order(
                    merchant_order_id=checkout.merchant_order_id,
                    amount=checkout.amount,
                    flow=checkout.flow,
                    lang=checkout.lang,
                    reference_id=uuid.uuid4().hex,
                    source="checkout",
                )
                if order is not None:
                    return self._open(order, checkout)
                continue  # another request created it first: look again
            if order.status is OrderStatus.PENDING:
                return self._reuse(order, checkout)
            if order.status is OrderStatus.ERROR:
                retry = self.store.transition(
                    order, OrderStatus.CREATED, source="checkout", note="started again",
                    reference_id=uuid.uuid4().hex, error=None,
                )  # fmt: skip
                if retry is not None:
                    return self._open(retry, checkout)
                continue
            if order.status is OrderStatus.CREATED:
                if self.clock() > deadline:
                    raise CheckoutInProgressError(
                        f"Merchant order {order.merchant_order_id} is still being started by "
                        "another request", reference_id=order.reference_id,
                    )  # fmt: skip
                self.sleep(0.05)  # a double click: wait for the first request's widget init
                continue
            raise OrderAlreadySettledError(
                f"Merchant order {order.merchant_order_id} has already ended ({order.status})",
                reference_id=order.reference_id,
            )

    def _reuse(self, order: Order, checkout: CheckoutRequest) -> CheckoutSession:
        if order.amount != checkout.amount or order.flow != checkout.flow:
            raise OrderMismatchError(
                f"Merchant order {order.merchant_order_id} is pending for {order.amount} "
                f"({order.flow}), not {checkout.amount} ({checkout.flow})",
                reference_id=order.reference_id,
            )
        return checkout_session(order)

    def _open(self, order: Order, checkout: CheckoutRequest) -> CheckoutSession:
        """Widget init for a ``created`` order, which becomes ``pending`` (``error`` on failure)."""
        try:
            widget = self.client.widget_init(
                **widget_init_arguments(checkout), reference_id=order.reference_id
            )
            self._check_redirect(widget.redirection_url)
        except Exception as exc:
            self.store.transition(order, OrderStatus.ERROR, source="checkout", error=str(exc))
            raise
        pending = self.store.transition(
            order,
            OrderStatus.PENDING,
            source="checkout",
            online_order_id=widget.online_order_id,
            redirection_url=widget.redirection_url,
        )
        if pending is None:
            raise CheckoutInProgressError(
                f"Merchant order {order.merchant_order_id} changed while it was being started",
                reference_id=order.reference_id,
            )
        return checkout_session(pending)

    # -- learning the outcome ------------------------------------------------------------------

    def refresh(
        self,
        merchant_order_id: str,
        *,
        source: str,
        force: bool = False,
        budget: float | None = None,
    ) -> Refresh | None:
        """Refresh the order with ``merchant_order_id`` from Flexiti; ``None`` if there is none.

        With a ``budget`` (seconds) the caller waits at most that long: a slower lookup goes on
        in the background and the answer is the order as it is now, marked ``unfinished``.
        """
        order = self.store.get_order(merchant_order_id)
        if order is None:
            return None
        if budget is None or order.status not in REFRESHABLE:
            return self.refresh_order(order, source=source, force=force)
        done = self.background.within(
            lambda: self.refresh_order(order, source=source, force=force), budget
        )
        return done if done is not None else Refresh(self._reread(order), unfinished=True)

    def refresh_order(
        self,
        order: Order,
        *,
        source: str,
        force: bool = False,
        news_since: float | None = None,
    ) -> Refresh:
        """Look ``order`` up at Flexiti and apply what that means, once.

        Concurrent refreshes of one order in this process wait for the first one; across
        processes, lookups per order are throttled to one per ``lookup_interval``, unless
        ``force`` or the caller brings news received at ``news_since`` that no lookup has seen.
        Upstream failures are returned in ``Refresh.error``, never raised. An ``expired`` order is
        looked up too: Flexiti approving it late moves it to ``needs_review``.
        """
        if order.status not in REFRESHABLE:
            return Refresh(order)
        with self._single_flight(order.merchant_order_id) as leader:
            if not leader:
                return Refresh(self._reread(order), throttled=True)
            claimed = force or self.store.claim_lookup(
                order, self.lookup_interval, news_since=news_since
            )
            if not claimed:
                return Refresh(self._reread(order), throttled=True)
            try:
                lookup = self._lookup(order)
            except UnreadableAnswerError as exc:
                self._unreadable(order, exc)
                return Refresh(self._reread(order), error=exc)
            except FlexitiError as exc:
                log.warning(
                    "Looking up order %s at Flexiti failed (%s): it stays %s",
                    order.merchant_order_id, exc, order.status,
                )  # fmt: skip
                return Refresh(self._reread(order), error=exc)
            flexiti_status = _status_column(lookup.status if lookup is not None else None)
            self.store.record_check(order, flexiti_status)
            decision = Decision(None)
            if lookup is not None:
                pending = order.status is OrderStatus.PENDING
                decision = decide(order, lookup) if pending else decide_late(order, lookup)
            if decision.status is None:
                return Refresh(self._reread(order), looked_up=True, lookup=lookup)
            return self._apply(
                order, decision, source=source, flexiti_status=flexiti_status, lookup=lookup
            )

    def _unreadable(self, order: Order, exc: UnreadableAnswerError) -> None:
        """Log an answer we cannot read once per order (it is kept in ``flexiti_status``)."""
        if order.flexiti_status != UNREADABLE:
            log.warning(
                "Flexiti's answer about order %s could not be read (%s). It stays %s; the "
                "reconciler sends it to needs_review once it is due to expire",
                order.merchant_order_id, exc, order.status,
            )  # fmt: skip
        self.store.record_check(order, UNREADABLE)

    def _apply(
        self,
        order: Order,
        decision: Decision,
        *,
        source: str,
        flexiti_status: str | None,
        lookup: Lookup | None = None,
    ) -> Refresh:
        assert decision.status is not None
        won = self.store.transition(
            order,
            decision.status,
            source=source,
            note=decision.note,
            details={**order.details, **decision.details},
            flexiti_status=flexiti_status,
        )
        if won is None:
            return Refresh(self._reread(order), looked_up=True, lookup=lookup)
        log.info(
            "Order %s is %s (%s; via %s)", won.merchant_order_id, won.status, decision.note, source
        )
        self.announce(won)
        return Refresh(won, looked_up=True, changed=True, lookup=lookup)

    def announce(self, order: Order) -> None:
        """Tell the shop about a transition this caller won (signals); failures are logged."""
        try:
            self._notify(order)
        except Exception:  # a shop's receiver must not undo a committed transition
            log.exception("A receiver of the %s signal for order %s failed",
                          order.status, order.merchant_order_id)  # fmt: skip

    def _lookup(self, order: Order) -> Lookup | None:
        """Flexiti's answer by merchant order id, or by its own order id when that is surer."""
        reference_id = order.reference_id
        lookup: Lookup | None
        try:
            lookup = self.client.order_by_merchant_order_id(
                order.merchant_order_id, reference_id=reference_id
            )
        except NotFoundError:
            lookup = None
        stale = (
            lookup is not None
            and lookup.transaction_id is not None
            and order.online_order_id is not None
            and lookup.transaction_id != order.online_order_id
        )
        if order.online_order_id and (lookup is None or stale):
            if not self.store.online_id_is_unique(order):
                log.warning(
                    "Order %s shares Flexiti order id %s with another order here; it is not "
                    "looked up by that id (reference id %s)",
                    order.merchant_order_id, order.online_order_id, reference_id,
                )  # fmt: skip
                return None
            try:
                lookup = self.client.order_by_online_order_id(
                    order.online_order_id, reference_id=reference_id
                )
            except NotFoundError:
                return None  # Flexiti does not know the order yet: no news
        return lookup

    def _reread(self, order: Order) -> Order:
        return self.store.get_order(order.merchant_order_id) or order

    @contextmanager
    def _single_flight(self, key: str) -> Iterator[bool]:
        """Yield True to the first caller for ``key``; later ones wait for it, then get False."""
        with self._flights_lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = threading.Event()
        if not leader:
            flight.wait(timeout=60)
            yield False
            return
        try:
            yield True
        finally:
            with self._flights_lock:
                del self._flights[key]
            flight.set()


def _status_column(status: str | None) -> str | None:
    """Flexiti's status as the store keeps it: statuses of any length fit its column."""
    return status[:FLEXITI_STATUS_WIDTH] if status is not None else None


def checkout_session(order: Order) -> CheckoutSession:
    """The checkout session of a pending order (its Flexiti order and where the flow is)."""
    assert order.online_order_id is not None and order.redirection_url is not None
    return CheckoutSession(
        merchant_order_id=order.merchant_order_id,
        online_order_id=order.online_order_id,
        redirection_url=order.redirection_url,
        reference_id=order.reference_id,
        status=order.status,
        lang=order.lang,
    )
