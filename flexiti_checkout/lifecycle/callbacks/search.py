"""Finding the order of a callback that names none: Flexiti's documented notification.

The Online API's notification has no merchant or online order id, only the purchase's promo id and
the customer id (and personal data). One lookup by promo id, which answers the purchase amount and
the customer's names, points at the likely order: the orders whose keyed hash of the customer's
names matches (``redact.customer_name_key``, kept from the checkout; never the names), those of
that amount first, then the others of that amount. Those are looked up first, then the recent
pending (and expired) orders newest first, until one's lookup carries the promo id: a search costs
two lookups whatever the number of pending orders, and if the promo lookup fails or points
nowhere, the walk still finds the order. Each lookup is an ordinary refresh, so whatever it learns
is applied on the way.

The search is bounded (``SEARCH_LOOKUP_LIMIT``) and throttled: an order already looked up since
the notification arrived is not asked again, and the promo lookup is made only when the throttle
lets the walk look up at least one order. The callback processor runs one search per promo id at a
time per process, so copies of one notification cost one search. A few lookups run at once
(``SEARCH_PARALLEL``): Flexiti's answer time, not ours, is what a search waits on. Once found, the
order keeps the promo id in its details: a repeat finds it in the store and costs no search. A
decline or cancellation carries no promo id: then only the newest few orders are looked up
(``BLIND_SEARCH_LIMIT``), within the throttle. A stranger who can post callbacks (no
``FLEXITI_CALLBACK_SECRET``) can still cause lookups, but news from them lets a lookup of an order
through the throttle only a quarter of ``lookup_interval`` after its last one
(``ANONYMOUS_NEWS_SHARE``): at most four lookups per order per interval, however many callbacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from functools import partial

from flexiti_checkout.client.results import PromoDetails
from flexiti_checkout.errors import FlexitiError
from flexiti_checkout.lifecycle.background import Background
from flexiti_checkout.lifecycle.orders import OrderService, Refresh
from flexiti_checkout.lifecycle.outcome import (
    APPROVED_STATUSES,
    CANCELLED_STATUSES,
    DECLINED_STATUSES,
)
from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.store.sweeps import Throttled, throttled_orders

log = logging.getLogger(__name__)

#: At most this many lookups (and candidate orders) per search for a promo id.
SEARCH_LOOKUP_LIMIT = 200
#: A search with no promo id (a decline or cancellation names none) can never be sure it found
#: its order, and every repeat of it would search again: only the newest few orders, and only
#: those the per-order throttle allows (no bypass for news). The customer's return and the
#: reconciler settle the others.
BLIND_SEARCH_LIMIT = 10
#: Orders are candidates if they entered their status this recently (or within the pending
#: expiry, if longer): a customer may finish at Flexiti well after we expired the order.
SEARCH_WINDOW = 24 * 3600.0
#: How long a delivery waits for another search in this process before it is tried again.
SEARCH_WAIT = 5.0
#: Lookups a search makes at once: Flexiti's answers take most of a search's time.
SEARCH_PARALLEL = 4
#: Searches that may run at once in a process (one per callback worker thread, and a replay).
SEARCHES = 3
#: A candidate another search is looking up since this notification arrived may be the one:
#: its lookup lands in the store about this long after it started (a Flexiti answering in
#: 0.1 s), and the next try finds the order by its promo id.
SEEN_RECHECK = 0.25
#: News no secret vouches for (a callback without ``FLEXITI_CALLBACK_SECRET``) may have an order
#: looked up again this share of ``lookup_interval`` after its last lookup, not sooner: a
#: stranger's callbacks cannot drive lookups of an order faster than that.
ANONYMOUS_NEWS_SHARE = 0.25

#: What a notification announces (``notificationType``, a status), as the statuses it may lead to.
_ANNOUNCED = (
    (APPROVED_STATUSES, (OrderStatus.APPROVED, OrderStatus.NEEDS_REVIEW)),
    (DECLINED_STATUSES, (OrderStatus.DECLINED,)),
    (CANCELLED_STATUSES, (OrderStatus.CANCELLED,)),
)


@dataclass(frozen=True)
class SearchResult:
    """The order found (or ``None``), what it was found by, and what the search cost."""

    order: Order | None
    clue: str
    lookups: int
    candidates: int
    #: Candidates the per-order throttle kept from a lookup: a later search may find the order.
    throttled: int = 0
    #: When the throttle lets the first of those through (a clock time), if known.
    retry_at: float | None = None


def search_order(
    service: OrderService,
    *,
    promo_id: str | None,
    customer_id: str | None,
    outcome: str | None,
    since: float,
    force: bool = False,
    trust_news: bool = True,
    before_lookup: Callable[[], object] | None = None,
    pool: Background | None = None,
) -> SearchResult:
    """Look up recent pending and expired orders, newest first, until one matches the clues.

    With a ``promo_id``, the match is the order whose lookup carries it. Without one (a decline
    or cancellation has none), the match is the first order this search settled the way the
    notification announced (``outcome``), for the same ``customer_id`` when both are known; such
    a search makes at most ``BLIND_SEARCH_LIMIT`` lookups, each within the per-order throttle.
    ``since`` is when the notification arrived: orders are candidates if they entered their
    status within ``SEARCH_WINDOW`` (or ``service.pending_expiry``, if longer) before it.
    A notification with a promo id is news for every candidate no lookup has seen since it
    arrived; unless ``trust_news`` (an authenticated callback), only for a candidate whose last
    lookup is ``anonymous_news_spacing`` old. Up to ``SEARCH_PARALLEL`` lookups run at once;
    ``before_lookup`` is called before each starts (to wait for a gap between requests). They
    run on ``pool`` (the callback processor's: ``search_pool``); without one, one at a time.
    """
    expected = _expected_statuses(outcome)
    clue = _describe(promo_id, customer_id, outcome)
    limit = SEARCH_LOOKUP_LIMIT if promo_id is not None else BLIND_SEARCH_LIMIT
    news = since if promo_id is not None else None
    spacing = 0.0 if trust_news else anonymous_news_spacing(service)
    after = since - max(service.pending_expiry, SEARCH_WINDOW)
    statuses = (OrderStatus.PENDING, OrderStatus.EXPIRED)
    # Only the orders the throttle lets a lookup through for: the others would be skipped one
    # query at a time. Those left out may be the one: a later search may find it.
    now = None if force else service.clock()
    candidates = service.store.orders_in(
        statuses, entered_after=after, limit=limit, newest_first=True,
        lookup_allowed_at=now, news_since=news, news_spacing=spacing,
    )  # fmt: skip
    pointed = 0
    # Only when the walk would look something up anyway: a stranger's made-up promo ids cost
    # no more lookups than the per-order throttle already allows them.
    if promo_id is not None and candidates:
        if before_lookup is not None:
            before_lookup()
        promo = _promo(service, promo_id)
        pointed = 1
        if promo is not None:
            key = service.name_key(promo.fname, promo.lname) if service.name_key else None
            found_by = partial(
                service.store.orders_in, statuses, entered_after=after, limit=limit,
                newest_first=True, lookup_allowed_at=now, news_since=news, news_spacing=spacing,
            )  # fmt: skip
            amount = promo.purchase_amount
            pointers = (
                {"name_key": key, "amount": amount} if key is not None and amount is not None
                else None,
                {"amount": amount} if amount is not None else None,
                {"name_key": key} if key is not None else None,
            )  # fmt: skip
            pointed_at = [found_by(**where) for where in pointers if where is not None]
            candidates = _unique([*(o for found in pointed_at for o in found), *candidates])

    def refresh(order: Order) -> Refresh:
        if before_lookup is not None:
            before_lookup()
        return service.refresh_order(
            order, source="callback", force=force, news_since=news, news_spacing=spacing
        )

    def matches(result: Refresh) -> bool:
        return _matches(result, promo_id, customer_id, expected)

    found, lookups, skipped = _first_match(candidates, refresh, matches, pool)
    lookups += pointed
    if found is not None:
        return SearchResult(found, clue, lookups, len(candidates), skipped)
    throttled = Throttled(0, None)
    if now is not None:
        throttled = throttled_orders(service.store, statuses, entered_after=after, now=now,
                                     news_since=news, news_spacing=spacing,
                                     recheck=SEEN_RECHECK)  # fmt: skip
    return SearchResult(
        None, clue, lookups, len(candidates), throttled.count + skipped, throttled.soonest
    )


def _promo(service: OrderService, promo_id: str) -> PromoDetails | None:
    """Flexiti's promo-id lookup, or ``None`` when it fails (the walk then does without)."""
    try:
        return service.client.order_by_promo_id(promo_id)
    except FlexitiError as exc:
        log.info("The promo-id lookup of %s failed (%r); searching without it", promo_id, exc)
        return None


def _unique(orders: list[Order]) -> list[Order]:
    """``orders`` without repeats, each where it first appears."""
    unique: dict[str, Order] = {}
    for order in orders:
        unique.setdefault(order.merchant_order_id, order)
    return list(unique.values())


def anonymous_news_spacing(service: OrderService) -> float:
    """How soon after its last lookup news no secret vouches for may have an order looked up."""
    return service.lookup_interval * ANONYMOUS_NEWS_SHARE


def search_pool() -> Background:
    """The threads a process's searches make their parallel lookups on."""
    return Background(SEARCH_PARALLEL * SEARCHES, 0, name="flexiti-search")


def _first_match(
    candidates: list[Order],
    refresh: Callable[[Order], Refresh],
    matches: Callable[[Refresh], bool],
    pool: Background | None = None,
) -> tuple[Order | None, int, int]:
    """Refresh ``candidates`` in order until one ``matches``: one at first (the newest is the
    likeliest), then each lookup that does not match lets one more run at once, up to
    ``SEARCH_PARALLEL``, on ``pool`` (in this thread when there is none, or it is full).

    The lookups under way when one matches finish (what they learn is applied). Returns the
    order matched, how many lookups were made and how many the throttle skipped.
    """
    waiting = iter(candidates)
    found: Order | None = None
    lookups = skipped = 0
    window = 1
    running: set[Future[Refresh]] = set()
    while True:
        while found is None and len(running) < window:
            order = next(waiting, None)
            if order is None:
                break
            running.add(_run(pool, partial(refresh, order)))
        if not running:
            return found, lookups, skipped
        done, running = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            result = future.result()
            lookups += result.looked_up or result.error is not None
            skipped += result.throttled
            if found is None and matches(result):
                found = result.order
            window = min(SEARCH_PARALLEL, window + 1)


def _run(pool: Background | None, work: Callable[[], Refresh]) -> Future[Refresh]:
    """``work`` on ``pool``, or done here and now when the pool has no room."""
    future = pool.submit(work) if pool is not None else None
    if future is None:
        future = Future()
        try:
            future.set_result(work())
        except Exception as exc:
            future.set_exception(exc)
    return future


def _matches(
    result: Refresh,
    promo_id: str | None,
    customer_id: str | None,
    expected: tuple[OrderStatus, ...],
) -> bool:
    lookup = result.lookup
    if lookup is None:
        return False
    if promo_id is not None:
        return lookup.purchase is not None and lookup.purchase.promo_id == promo_id
    if not expected or not result.changed or result.order.status not in expected:
        return False
    if customer_id is None:
        return True
    known = {
        part.customer_id for part in (lookup.purchase, lookup.apply) if part and part.customer_id
    }
    return not known or customer_id in known


def _expected_statuses(outcome: str | None) -> tuple[OrderStatus, ...]:
    word = (outcome or "").strip().upper()
    for flexiti_statuses, statuses in _ANNOUNCED:
        if word in flexiti_statuses:
            return statuses
    return ()


def _describe(promo_id: str | None, customer_id: str | None, outcome: str | None) -> str:
    if promo_id is not None:
        return f"promo id {promo_id}"
    if outcome is not None:
        who = f" for customer {customer_id}" if customer_id else ""
        return f"announced outcome {outcome}{who}"
    return "no clue at all"
