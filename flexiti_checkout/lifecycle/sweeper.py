"""The worker process's reconcile sweeps: what ``flask flexiti reconcile`` does, on a timer.

With ``FLEXITI_BACKGROUND_WORK=worker`` a worker process runs one sweep every
``FLEXITI_SWEEP_INTERVAL``: orders pending (or stuck starting) for at least ``OLDER_THAN`` are
looked up and, past ``FLEXITI_PENDING_EXPIRY``, expired; refunds whose outcome is unknown are
settled from Flexiti's records. Sweeps on several hosts at once are safe (each order moves by a
compare-and-set, each lookup passes the per-order throttle), only redundant.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.reconcile import reconcile, unsettled_orders
from flexiti_checkout.lifecycle.refunds.reconcile import settle_unknown_refunds
from flexiti_checkout.lifecycle.refunds.service import RefundService
from flexiti_checkout.store.polling import PollingThreads

log = logging.getLogger(__name__)

#: Orders younger than this are left to their callback and the customer's return.
OLDER_THAN = 600.0


class ReconcileSweeps(PollingThreads):
    """One thread that sweeps every ``interval`` seconds, the first sweep ``interval`` after
    it starts (a restarted worker does not sweep at once)."""

    name = "flexiti-sweeps"

    def __init__(
        self,
        orders: OrderService,
        refunds: RefundService,
        *,
        interval: float,
        concurrency: int = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(threads=1, poll_interval=interval or 3600.0, clock=clock, autostart=False)
        self.orders = orders
        self.refunds = refunds
        self.interval = interval
        self.concurrency = concurrency
        self._next: float | None = None

    def start(self) -> None:
        """Start sweeping, unless the interval is 0 (sweeps are cron's)."""
        if self.interval > 0:
            self._next = self.clock() + self.interval
            super().start()

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_threads(timeout)

    def next_due(self) -> float | None:
        return self._next

    def run_due(self) -> int:
        if self._next is None or self.clock() < self._next:
            return 0
        self._next = self.clock() + self.interval
        self.sweep()
        return 0

    def sweep(self) -> None:
        """One sweep of orders and refunds, logged in one line."""
        targets = unsettled_orders(self.orders, older_than=OLDER_THAN)
        summary = reconcile(self.orders, targets, concurrency=self.concurrency)
        refunds = settle_unknown_refunds(self.refunds)
        log.info("Reconcile sweep: %d pending orders checked (%d settled, %d expired, %d could "
                 "not be checked); unknown refunds: %d settled, %d left for a person, %d not "
                 "checked", summary.checked, summary.settled, summary.expired, summary.failed,
                 refunds.succeeded + refunds.failed, refunds.left, refunds.unreachable)  # fmt: skip
