"""The order lifecycle: start a checkout, refresh an order from Flexiti, reconcile the stragglers.

``refresh`` is the only place an order's outcome is decided: whatever learned of it (the
customer's return, Flexiti's callback, the reconciler), the order is looked up at Flexiti by
merchant order id (falling back to widget init's order id), the answer is mapped to a status,
and the change is applied with one compare-and-set. Only the winner announces it. Nothing here knows
Flask; the extension wires it to the app.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.client.results import Lookup
from flexiti_checkout.errors import (
    CheckoutStillStartingError,
    FlexitiError,
    InvalidRequestError,
    MerchantOrderIdRefusedError,
    NotFoundError,
    UnreadableAnswerError,
)
from flexiti_checkout.lifecycle.background import Background
from flexiti_checkout.lifecycle.checkout import CheckoutRequest
from flexiti_checkout.lifecycle.outcome import (
    Outcome,
    late_lookup_outcome,
    lookup_outcome,
    status_column,
)
from flexiti_checkout.lifecycle.starts import CheckoutStarter, NameKey
from flexiti_checkout.lifecycle.validation import validate_checkout
from flexiti_checkout.metrics import LOOKUPS
from flexiti_checkout.models import CheckoutSession, Order, OrderStatus
from flexiti_checkout.store.repository import Store

log = logging.getLogger(__name__)

#: Called once per transition, by the winner, after commit: (the order as it is now).
Notify = Callable[[Order], None]
#: What ``flexiti_status`` records when Flexiti's answer could not be read.
UNREADABLE = "UNREADABLE"
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
    #: Flexiti's answer, when this refresh got one.
    lookup: Lookup | None = None
    #: The lookup outlasted the caller's budget and goes on in the background.
    in_progress: bool = False


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
        init_timeout: float | None = None,
        numeric_order_ids: bool = False,
        name_key: NameKey | None = None,
        clock: Callable[[], float] = time.time,
        background: Background | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self._notify = notify
        self.pending_expiry = pending_expiry
        self.lookup_interval = lookup_interval
        self.clock = clock
        #: The keyed hash of a customer's names that orders keep (``None``: they keep none).
        self.name_key = name_key
        self.starts = CheckoutStarter(
            store,
            client,
            check_redirect=check_redirect,
            apply_outcome=self._apply_to_start,
            init_timeout=init_timeout,
            numeric_order_ids=numeric_order_ids,
            name_key=name_key,
            clock=clock,
        )
        self.background = background or Background()
        self._flights: dict[str, threading.Event] = {}
        self._flights_lock = threading.Lock()

    @property
    def init_timeout(self) -> float:
        """A ``created`` order older than this was left by a start that died in its widget init
        (the client's widget-init timeout unless given)."""
        return self.starts.init_timeout

    # -- starting a checkout -------------------------------------------------------------------

    def start(self, request: CheckoutRequest | Mapping[str, Any]) -> CheckoutSession:
        """Open Flexiti's hosted flow for a merchant order, or reuse the one already pending.

        Raises ``InvalidCheckoutError`` for bad input, ``OrderAlreadySettledError`` for a merchant
        order id that has ended, ``OrderMismatchError`` for a pending one with another amount or
        flow, ``CheckoutInProgressError`` (with ``retry_after``) while another start of it is under
        way, and ``FlexitiError`` subclasses when Flexiti refuses or cannot be reached.
        """
        return self.starts.start(request)

    def start_within(
        self, request: CheckoutRequest | Mapping[str, Any], budget: float
    ) -> CheckoutSession:
        """``start``, waited for at most ``budget`` seconds (``Background.within``).

        Raises what ``start`` raises in time, and ``CheckoutStillStartingError`` when it goes on
        in the background. It is never started twice: a retry with the same merchant order id
        meets it (``CheckoutInProgressError`` while it runs, the pending order once it is done),
        and the order's status tells the outcome too.
        """
        checkout = validate_checkout(request)
        started = self.background.within(
            partial(self.start, checkout), budget, inline_when_full=True
        )
        if started is None:
            raise CheckoutStillStartingError(
                f"Flexiti is slow: merchant order {checkout.merchant_order_id} is still starting",
                retry_after=2.0,
            )
        return started

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
        in the background and the answer is the order as it is now.
        """
        order = self.store.get_order(merchant_order_id)
        if order is None:
            return None
        work: Callable[[], Refresh]
        if order.status is OrderStatus.CREATED and self.starts.age(order) >= self.init_timeout:
            work = partial(self._resolve_start, order, source=source)
        elif order.status in REFRESHABLE:
            work = partial(self.refresh_order, order, source=source, force=force)
        else:
            return Refresh(order)
        if budget is None:
            return work()
        done = self.background.within(work, budget)
        return done if done is not None else Refresh(self._reread(order), in_progress=True)

    def refresh_order(
        self,
        order: Order,
        *,
        source: str,
        force: bool = False,
        news_since: float | None = None,
        news_spacing: float = 0.0,
    ) -> Refresh:
        """Look ``order`` up at Flexiti and apply what that means, once.

        Concurrent refreshes of one order in this process wait for the first one; across
        processes, lookups per order are throttled to one per ``lookup_interval``, unless
        ``force`` or the caller brings news received at ``news_since`` that no lookup has seen
        (and, for news no secret vouches for, the last lookup is ``news_spacing`` seconds old).
        Upstream failures are returned in ``Refresh.error``, never raised. An ``expired`` order is
        looked up too: Flexiti approving it late moves it to ``needs_review``.
        """
        if order.status not in REFRESHABLE:
            return Refresh(order)
        refresh = self._refresh_order(order, source, force, news_since, news_spacing)
        LOOKUPS.labels(lookup_label(refresh)).inc()
        return refresh

    def _refresh_order(
        self,
        order: Order,
        source: str,
        force: bool,
        news_since: float | None,
        news_spacing: float,
    ) -> Refresh:
        with self._single_flight(order.merchant_order_id) as leader:
            if not leader:
                return Refresh(self._reread(order), throttled=True)
            claimed = force or self.store.claim_lookup(
                order, self.lookup_interval, news_since=news_since, news_spacing=news_spacing
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
            flexiti_status = status_column(lookup.status if lookup is not None else None)
            self.store.record_check(order, flexiti_status)
            outcome = Outcome(None)
            if lookup is not None:
                pending = order.status is OrderStatus.PENDING
                read = lookup_outcome if pending else late_lookup_outcome
                outcome = read(order, lookup)
            if outcome.status is None:
                return Refresh(self._reread(order), looked_up=True, lookup=lookup)
            return self.apply_outcome(
                order, outcome, source=source, flexiti_status=flexiti_status, lookup=lookup
            )

    def _resolve_start(self, order: Order, *, source: str) -> Refresh:
        """``CheckoutStarter.resolve_abandoned`` as a refresh: upstream failures returned, not
        raised."""
        try:
            now = self.starts.resolve_abandoned(order, source=source)
        except FlexitiError as exc:
            log.warning(
                "Looking up order %s, whose start never finished, failed (%s): it stays created",
                order.merchant_order_id, exc,
            )  # fmt: skip
            return Refresh(self._reread(order), error=exc)
        return Refresh(now, looked_up=True, changed=now.status is not order.status)

    def _unreadable(self, order: Order, exc: UnreadableAnswerError) -> None:
        """Log an answer we cannot read once per order (it is kept in ``flexiti_status``)."""
        if order.flexiti_status != UNREADABLE:
            log.warning(
                "Flexiti's answer about order %s could not be read (%s). It stays %s; the "
                "reconciler sends it to needs_review once it is due to expire",
                order.merchant_order_id, exc, order.status,
            )  # fmt: skip
        self.store.record_check(order, UNREADABLE)

    def apply_outcome(
        self,
        order: Order,
        outcome: Outcome,
        *,
        source: str,
        flexiti_status: str | None,
        lookup: Lookup | None = None,
    ) -> Refresh:
        """Move ``order`` to ``outcome.status`` with one compare-and-set; the winner announces."""
        assert outcome.status is not None
        won = self.store.transition(
            order,
            outcome.status,
            source=source,
            note=outcome.note,
            details={**order.details, **outcome.details},
            flexiti_status=flexiti_status,
        )
        if won is None:
            return Refresh(self._reread(order), looked_up=True, lookup=lookup)
        log.info(
            "Order %s is %s (%s; via %s)", won.merchant_order_id, won.status, outcome.note, source
        )
        self.announce(won)
        return Refresh(won, looked_up=True, changed=True, lookup=lookup)

    def _apply_to_start(self, order: Order, outcome: Outcome, source: str, lookup: Lookup) -> Order:
        """``apply_outcome`` for an abandoned start that Flexiti has an outcome for."""
        flexiti_status = status_column(lookup.status)
        return self.apply_outcome(
            order, outcome, source=source, flexiti_status=flexiti_status, lookup=lookup
        ).order

    def announce(self, order: Order) -> None:
        """Tell the shop about a transition this caller won (signals); failures are logged."""
        try:
            self._notify(order)
        except Exception:  # a shop's receiver must not undo a committed transition
            log.exception("A receiver of the %s signal for order %s failed",
                          order.status, order.merchant_order_id)  # fmt: skip

    def _lookup(self, order: Order) -> Lookup | None:
        """Flexiti's answer by merchant order id, or by widget init's order id when Flexiti
        knows no order by the first, or refuses it for its form.

        The lookup's ``transaction_id`` is not compared with widget init's ``online_order_id``:
        nothing says they are equal, and one lookup settles an order.
        """
        reference_id = order.reference_id
        try:
            return self.client.order_by_merchant_order_id(
                order.id_at_flexiti, reference_id=reference_id
            )
        except NotFoundError:
            refused: InvalidRequestError | None = None
        except InvalidRequestError as exc:
            refused = MerchantOrderIdRefusedError.from_refusal(exc, order.id_at_flexiti)
            log.warning("Order %s: %s", order.merchant_order_id, refused)
        if not order.online_order_id:
            if refused is not None:
                raise refused
            return None
        if not self.store.online_id_is_unique(order):
            log.warning(
                "Order %s shares Flexiti order id %s with another order here; it is not "
                "looked up by that id (reference id %s)",
                order.merchant_order_id, order.online_order_id, reference_id,
            )  # fmt: skip
            return None
        try:
            return self.client.order_by_online_order_id(
                order.online_order_id, reference_id=reference_id
            )
        except NotFoundError:
            return None  # Flexiti does not know the order yet: no news

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


def lookup_label(refresh: Refresh) -> str:
    """What a refresh came to, as the lookups metric counts it."""
    if refresh.throttled:
        return "throttled"
    if isinstance(refresh.error, UnreadableAnswerError):
        return "unreadable"
    if refresh.error is not None:
        return "failed"
    return "changed" if refresh.changed else "unchanged"
