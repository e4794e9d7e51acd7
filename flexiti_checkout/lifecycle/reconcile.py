"""The reconciler: settle orders whose outcome never arrived, and expire the ones that never will.

Run by ``flask flexiti reconcile`` from cron or any job runner; nothing needs to stay alive
between runs. Each order goes through the same refresh as a return or a callback. Lookups run
on a small pool of threads (``FLEXITI_RECONCILE_CONCURRENCY``), sharing the client's connections
and token: with Flexiti's real latency the time a sweep takes is the lookups' wait, not our work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, fields
from itertools import islice

from flexiti_checkout.errors import FlexitiError, UnreadableAnswerError
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.store.sweeps import count_orders, each_order


@dataclass
class ReconcileSummary:
    """What a reconcile sweep did, for its closing line."""

    checked: int = 0
    settled: int = 0
    expired: int = 0
    still_pending: int = 0
    failed: int = 0
    #: Flexiti answered, but not in a shape we can read; past expiry they go to needs_review.
    unreadable: int = 0
    abandoned_starts: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    #: Orders the sweep found but did not reach (``limit``): work for the next run.
    not_reached: int = 0

    @property
    def left_undone(self) -> int:
        """Orders that still need a run: Flexiti could not be asked, or they were not reached."""
        return self.failed + self.not_reached

    def add(self, other: ReconcileSummary) -> None:
        """Count ``other``'s orders in this summary too (one order's, from a pool thread)."""
        for item in fields(self):
            if item.name == "statuses":
                for status, count in other.statuses.items():
                    self.statuses[status] = self.statuses.get(status, 0) + count
            else:
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


class UnsettledOrders:
    """The orders a sweep looks at, every one of them, the most recent status change first.

    ``len()`` is how many there were when the sweep began (for a progress bar); iterating reads
    them a page at a time, so however many there are, all are seen once.
    """

    def __init__(self, service: OrderService, *, entered_before: float) -> None:
        self._service = service
        self._entered_before = entered_before
        self._statuses = (OrderStatus.PENDING, OrderStatus.CREATED)
        self._count = count_orders(service.store, self._statuses, entered_before=entered_before)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Order]:
        return each_order(self._service.store, self._statuses, entered_before=self._entered_before)


def unsettled_orders(
    service: OrderService, *, older_than: float = 0.0, merchant_order_id: str | None = None
) -> UnsettledOrders | list[Order]:
    """The orders a sweep looks at: pending (or stuck starting) for at least ``older_than`` s."""
    if merchant_order_id is not None:
        found = service.store.get_order(merchant_order_id)
        return [found] if found is not None else []
    return UnsettledOrders(service, entered_before=service.clock() - older_than)


def reconcile(
    service: OrderService,
    targets: Iterable[Order],
    *,
    progress: Callable[[Order], None] | None = None,
    limit: int | None = None,
    concurrency: int = 1,
) -> ReconcileSummary:
    """Refresh ``targets`` whose outcome never arrived; expire those past the deadline.

    An order pending for longer than ``service.pending_expiry`` is looked up one last time and,
    if Flexiti still has no outcome, expired. Orders whose checkout start never finished
    (``created`` for longer than ``service.init_timeout``) are settled from a lookup as the next
    start of them would be (``CheckoutStarter.resolve_abandoned``): ``error`` unless Flexiti has an
    outcome. Upstream failures are counted, and the order is left for the next run; so are the
    orders past ``limit`` (``not_reached``). One whose answer Flexiti gives but we cannot read
    goes to ``needs_review`` once it is due to expire, since asking again will not make it
    readable.

    At most ``concurrency`` orders are looked up at once; ``progress`` is called on this thread,
    once per order as it is done, and the summary is the same whatever the concurrency.
    """
    now = service.clock()
    summary = ReconcileSummary()
    seen = 0
    found = iter(targets)

    def one(order: Order) -> ReconcileSummary:
        result = ReconcileSummary()
        _reconcile_one(service, order, now, result)
        return result

    def collect(done: Iterable[Future[ReconcileSummary]]) -> None:
        for future in done:
            order = running.pop(future)
            summary.add(future.result())  # an unexpected error ends the sweep, as it did serially
            if progress is not None:
                progress(order)

    running: dict[Future[ReconcileSummary], Order] = {}
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="flexiti-reconcile") as pool:
        for order in islice(found, limit):
            seen += 1
            if len(running) >= max(1, concurrency):  # read the store no further ahead than this
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                collect(done)
            running[pool.submit(one, order)] = order
        collect(wait(running).done)
    if limit is not None and seen == limit:
        summary.not_reached = sum(1 for _ in found)
    return summary


def _reconcile_one(
    service: OrderService, order: Order, now: float, summary: ReconcileSummary
) -> None:
    age = now - order.status_since.timestamp() if order.status_since else 0.0
    if order.status is OrderStatus.CREATED:
        if age >= service.init_timeout:
            _resolve_start(service, order, summary)
        return
    if order.status is not OrderStatus.PENDING:
        return
    summary.checked += 1
    result = service.refresh_order(order, source="reconcile", force=True)
    current = result.order
    if isinstance(result.error, UnreadableAnswerError):
        summary.unreadable += 1
        if current.status is OrderStatus.PENDING and age >= service.pending_expiry:
            flagged = service.store.transition(
                current, OrderStatus.NEEDS_REVIEW, source="reconcile",
                note=f"Flexiti's answer could not be read (reference id {current.reference_id}); "
                "check the order with Flexiti",
            )  # fmt: skip
            if flagged is not None:
                service.announce(flagged)
                current = flagged
    elif result.error is not None:
        summary.failed += 1
    elif current.status is OrderStatus.PENDING and age >= service.pending_expiry:
        expired = service.store.transition(
            current, OrderStatus.EXPIRED, source="reconcile", note=f"no outcome after {int(age)} s"
        )
        if expired is not None:
            service.announce(expired)
            current = expired
            summary.expired += 1
    if current.status is OrderStatus.PENDING:
        summary.still_pending += 1
    elif current.status is not OrderStatus.EXPIRED:
        summary.settled += 1
    summary.statuses[current.status.value] = summary.statuses.get(current.status.value, 0) + 1


def _resolve_start(service: OrderService, order: Order, summary: ReconcileSummary) -> None:
    """A start older than the widget init's timeout never finished: Flexiti says how it ends."""
    try:
        current = service.starts.resolve_abandoned(order, source="reconcile")
    except FlexitiError:
        summary.failed += 1  # it stays created, for the next run
        return
    if current.status is OrderStatus.ERROR:
        summary.abandoned_starts += 1
    elif current.status is not order.status:
        summary.settled += 1
        summary.statuses[current.status.value] = summary.statuses.get(current.status.value, 0) + 1
