"""Starting a checkout: one Flexiti order per merchant order, and starts that never finished.

A start inserts the order as ``created``, runs Flexiti's widget init and moves the order to
``pending`` (``error`` when the init fails). Nothing here sleeps: a second start of a merchant
order whose widget init is under way answers at once with ``CheckoutInProgressError`` and a
``retry_after``. A ``created`` order older than ``CheckoutStarter.init_timeout`` was left by a
start that died (its worker was killed mid-init); the next start of it, a refresh or the
reconciler settles it from a lookup at Flexiti (``CheckoutStarter.resolve_abandoned``).
"""

from __future__ import annotations

import logging
import math
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.client.results import Lookup
from flexiti_checkout.errors import (
    CheckoutInProgressError,
    NotFoundError,
    OrderAlreadySettledError,
    OrderMismatchError,
)
from flexiti_checkout.lifecycle.checkout import CheckoutRequest, widget_init_arguments
from flexiti_checkout.lifecycle.outcome import Outcome, lookup_outcome
from flexiti_checkout.lifecycle.validation import validate_checkout
from flexiti_checkout.models import CheckoutSession, Order, OrderStatus
from flexiti_checkout.store.repository import Store

log = logging.getLogger(__name__)

#: Applies Flexiti's outcome (read from ``lookup``) to ``order`` with one compare-and-set,
#: announcing it if this caller won, and answers the order as it is now:
#: ``(order, outcome, source, lookup) -> order`` (``OrderService`` passes its own).
ApplyOutcome = Callable[[Order, Outcome, str, Lookup], Order]
#: A keyed hash of a customer's first and last names (``redact.customer_name_key``, keyed).
NameKey = Callable[[str | None, str | None], str | None]

#: The longest ``retry_after`` a start in progress asks for: a live widget init has usually
#: answered by then, and an abandoned one is resolved by the retry once it is old enough.
RETRY_HINT = 5.0
#: Compare-and-sets a start may lose before it gives up; each loss means another caller moved
#: the order, so a handful is already more than a double click can cause.
MAX_ROUNDS = 5
#: Numeric merchant order ids for Flexiti: nine digits, within a signed 32-bit integer (Online
#: API, merchant-order-id lookup: "Integer"), drawn at random so two stores of one merchant
#: account, or a store started afresh, do not hand Flexiti the same numbers.
NUMERIC_ID_RANGE = (100_000_000, 2**31 - 1)


def numeric_order_id() -> str:
    """A fresh numeric merchant order id for Flexiti (unique in the store, checked on insert)."""
    low, high = NUMERIC_ID_RANGE
    return str(low + secrets.randbelow(high - low + 1))


class CheckoutStarter:
    """Opens Flexiti's hosted flow once per merchant order, and settles starts that died.

    ``init_timeout`` defaults to the client's widget-init timeout; ``apply_outcome`` is how an
    abandoned start that Flexiti has an outcome for is settled (the order service's transition).
    """

    def __init__(
        self,
        store: Store,
        client: FlexitiClient,
        *,
        check_redirect: Callable[[str], None],
        apply_outcome: ApplyOutcome,
        init_timeout: float | None = None,
        numeric_order_ids: bool = False,
        name_key: NameKey | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.client = client
        self.check_redirect = check_redirect
        self.apply_outcome = apply_outcome
        self._init_timeout = init_timeout
        self.numeric_order_ids = numeric_order_ids
        self.name_key = name_key
        self.clock = clock

    def _customer_key(self, checkout: CheckoutRequest) -> dict[str, str]:
        """``{"name_key": …}``: the keyed hash of the names Flexiti will know the customer by
        (the request's, else the billing address's), which lets a promo-id lookup point at the
        order (``callbacks.search``); nothing without a key or both names."""
        if self.name_key is None:
            return {}
        billing = checkout.billing
        first = checkout.first_name or (billing.first_name if billing else None)
        last = checkout.last_name or (billing.last_name if billing else None)
        key = self.name_key(first, last)
        return {"name_key": key} if key else {}

    @property
    def init_timeout(self) -> float:
        """A ``created`` order older than this was left by a start that died in its widget init
        (the client's widget-init timeout unless given)."""
        if self._init_timeout is not None:
            return self._init_timeout
        return self.client.widget_init_timeout

    def start(self, request: CheckoutRequest | Mapping[str, Any]) -> CheckoutSession:
        """Open Flexiti's hosted flow for a merchant order, or reuse the one already pending."""
        checkout = validate_checkout(request)
        for _ in range(MAX_ROUNDS):
            order = self.store.get_order(checkout.merchant_order_id)
            if order is None:
                order = self.store.insert_order(
                    merchant_order_id=checkout.merchant_order_id,
                    amount=checkout.amount,
                    flow=checkout.flow,
                    lang=checkout.lang,
                    reference_id=uuid.uuid4().hex,
                    source="checkout",
                    flexiti_merchant_order_id=(
                        numeric_order_id() if self.numeric_order_ids else None
                    ),
                    details=self._customer_key(checkout),
                )
                if order is not None:
                    return self._open(order, checkout)
                continue  # another request created it first (or drew its number): look again
            if order.status is OrderStatus.CREATED:
                if self.age(order) < self.init_timeout:
                    raise self.in_progress(order)
                self.resolve_abandoned(order, source="checkout")
                continue
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
            raise OrderAlreadySettledError(
                f"Merchant order {order.merchant_order_id} has already ended ({order.status})",
                reference_id=order.reference_id,
            )
        raise CheckoutInProgressError(
            f"Merchant order {checkout.merchant_order_id} kept changing while it was being started",
            retry_after=1.0,
        )

    def age(self, order: Order) -> float:
        """Seconds since ``order`` entered its status (``created``: since its start began)."""
        since = order.status_since or order.created_at
        return self.clock() - since.timestamp() if since is not None else 0.0

    def in_progress(self, order: Order) -> CheckoutInProgressError:
        """The answer to a start that finds another one's widget init under way: retry shortly."""
        remaining = self.init_timeout - self.age(order)
        wait = max(1, math.ceil(min(remaining, RETRY_HINT)))
        error = CheckoutInProgressError(
            f"A checkout start for merchant order {order.merchant_order_id} is in progress",
            reference_id=order.reference_id,
            retry_after=float(wait),
        )
        error.advice = f"Retry in {wait} s."
        return error

    def resolve_abandoned(self, order: Order, *, source: str) -> Order:
        """Settle a ``created`` order whose start never finished, from a lookup at Flexiti.

        Flexiti's lookup never carries the redirection URL, and the customer never saw the one
        the dead start received, so nobody can finish that Flexiti order: it goes to ``error``
        and the next start opens a fresh one (later lookups prefer the order's own Flexiti order
        id when Flexiti's answer by merchant order id names the abandoned one). Only an outcome
        at Flexiti (approved, declined, cancelled) is kept: the order moves to ``pending`` with
        Flexiti's order id and then to that outcome, so an approval is never lost to a restart.
        Returns the order as it is now; ``FlexitiError`` from the lookup propagates and the
        order stays ``created``.
        """
        try:
            lookup = self.client.order_by_merchant_order_id(
                order.id_at_flexiti, reference_id=order.reference_id
            )
        except NotFoundError:
            lookup = None
        outcome = lookup_outcome(order, lookup) if lookup is not None else None
        if lookup is None or outcome is None or outcome.status is None:
            opened = lookup.transaction_id if lookup is not None else None
            reason = "the checkout start never finished; " + (
                f"Flexiti order {opened} was never shown to the customer"
                if opened
                else "Flexiti has no order for it"
            )
            failed = self.store.transition(order, OrderStatus.ERROR, source=source, error=reason)
            if failed is not None:
                log.info("Order %s: %s", order.merchant_order_id, reason)
            return failed or self.store.get_order(order.merchant_order_id) or order
        # Widget init's online_order_id never arrived; the lookup's transaction_id is recorded
        # with the outcome (it is not the same id).
        pending = self.store.transition(
            order, OrderStatus.PENDING, source=source,
            note="the checkout start never finished; Flexiti has an outcome for it",
        )  # fmt: skip
        if pending is None:
            return self.store.get_order(order.merchant_order_id) or order
        return self.apply_outcome(pending, outcome, source, lookup)

    def _reuse(self, order: Order, checkout: CheckoutRequest) -> CheckoutSession:
        if order.amount != checkout.amount or order.flow != checkout.flow:
            raise OrderMismatchError(
                f"Merchant order {order.merchant_order_id} is pending for {order.amount} "
                f"({order.flow}), not {checkout.amount} ({checkout.flow})",
                reference_id=order.reference_id,
            )
        if order.redirection_url is None:  # recovered from an abandoned start, settling now
            raise self.in_progress(order)
        return checkout_session(order)

    def _open(self, order: Order, checkout: CheckoutRequest) -> CheckoutSession:
        """Widget init for a ``created`` order, which becomes ``pending`` (``error`` on failure)."""
        try:
            arguments = widget_init_arguments(checkout, merchant_order_id=order.id_at_flexiti)
            widget = self.client.widget_init(**arguments, reference_id=order.reference_id)
            self.check_redirect(widget.redirection_url)
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
        if pending is None:  # taken for abandoned while Flexiti answered: the next start goes on
            raise CheckoutInProgressError(
                f"Merchant order {order.merchant_order_id} changed while it was being started",
                reference_id=order.reference_id,
                retry_after=1.0,
            )
        return checkout_session(pending)


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
