"""Processing stored callback deliveries after Flexiti has had its answer.

The callback view only stores a delivery and wakes this process's workers: a few threads
(started by the first callback a process stores, again in each forked process) that take due
deliveries from the store with a lease, look their orders up and record the outcome. Any
process's workers take any delivery, so a delivery left by a process that stopped or died
mid-processing is taken once its lease runs out; two workers never process one at once.
Deliveries that failed are due again later (``FLEXITI_CALLBACK_RETRY_SCHEDULE``); a poll finds
them, and deliveries from other processes.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable

from flexiti_checkout.lifecycle.callbacks.processor import CallbackProcessor, ProcessResult
from flexiti_checkout.store.polling import PollingThreads

log = logging.getLogger(__name__)

#: Threads per process: lookups mostly wait on Flexiti, so two keep up with a busy shop, and
#: fewer threads leave more of the process (and its GIL) to answering callbacks.
THREADS = 2
#: A lease outlives ordinary processing; a search that goes on longer (200 lookups at a very
#: slow Flexiti) extends it before each lookup, so a live worker never loses its delivery.
LEASE = 300.0
#: How often an idle worker looks for deliveries other processes left or that became due.
POLL_INTERVAL = 2.0
#: How long a process that exits (a restart) lets its workers finish the deliveries they are on,
#: instead of leaving them leased for ``LEASE``; within gunicorn's graceful timeout (30 s).
EXIT_WAIT = 20.0


class CallbackWorkers(PollingThreads):
    """The per-process threads that process stored callback deliveries.

    ``threads``, ``lease``, ``poll_interval``, ``clock`` and ``autostart`` are there for tests.
    """

    name = "flexiti-callbacks"

    def __init__(
        self,
        processor: CallbackProcessor,
        *,
        threads: int = THREADS,
        lease: float = LEASE,
        poll_interval: float = POLL_INTERVAL,
        clock: Callable[[], float] = time.time,
        autostart: bool = True,
    ) -> None:
        super().__init__(
            threads=threads, poll_interval=poll_interval, clock=clock, autostart=autostart
        )
        self.processor = processor
        self.inbox = processor.inbox
        self.lease = lease

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the threads after the delivery each is on (tests, app teardown)."""
        self.stop_threads(timeout)

    def kick(self) -> None:
        """A callback was just stored: wake a worker, which starts once requests pause."""
        self.processor.foreground.busy()
        super().kick()

    def next_due(self) -> float | None:
        return self.inbox.next_due()

    def run_due(self, limit: int = 1) -> int:
        """Process up to ``limit`` due deliveries this worker can lease; how many it took."""
        self.processor.foreground.wait_for_gap()
        owner = f"{os.getpid()}:{uuid.uuid4().hex}"
        taken = self.inbox.claim_due(owner, now=self.clock(), lease=self.lease, limit=limit)
        for delivery in taken:
            try:
                self.processor.process(delivery, owner=owner, lease=self.lease)
            except Exception as exc:  # the delivery is stored: it is tried again later
                log.exception("Processing callback delivery %s failed; it is tried again later",
                              delivery.id)  # fmt: skip
                failed = ProcessResult(f"processing failed ({type(exc).__name__})", retry=True)
                self.processor.record(delivery, failed, owner=owner)
        return len(taken)

    def wait_idle(self, timeout: float, *, within: float = 0.0, interval: float = 0.02) -> bool:
        """Wait until no delivery (any process's) is being processed or due, now or ``within``
        seconds from now; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.inbox.outstanding(self.clock(), within):
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)
        return True
