"""Lifecycle work a request waits for only up to its budget: the one place budgets live.

Every wait for Flexiti that a person or a caller sees goes through ``Background.within``: a
return page or a status poll's lookup, a checkout's start, a refund, a cancellation, a review
decision, the console's actions. When Flexiti is slower than ``FLEXITI_REQUEST_BUDGET`` the
request stops waiting and answers ("confirming", 202 "in progress") while the work finishes on
this pool and lands in the store, where a retry or the order's page finds it. The pool and its
queue are bounded: when both are full, a lookup is not waited for at all (the reconciler or the
next poll catches up) and an action is done by the request itself (``inline_when_full``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitedTooLong
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Background:
    """A small thread pool with a bounded queue, started on first use (so forks stay clean).

    ``name`` names its threads. The callback search runs its parallel lookups on one too.
    """

    def __init__(
        self, workers: int = 4, max_queued: int = 256, *, name: str = "flexiti-lookups"
    ) -> None:
        self.workers = workers
        self.name = name
        self._capacity = workers + max_queued
        self._slots = threading.BoundedSemaphore(self._capacity)
        self._busy = 0
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def within(
        self, work: Callable[[], T], budget: float, *, inline_when_full: bool = False
    ) -> T | None:
        """``work()``'s result if it ends within ``budget`` seconds; else ``None`` (it goes on).

        ``work`` raising in time raises here. When pool and queue are full, ``work`` is not
        done (``None``), or with ``inline_when_full`` done here, without a budget: an action a
        caller asked for is never dropped.
        """
        future = self.submit(work)
        if future is None:
            return work() if inline_when_full else None
        try:
            return future.result(timeout=budget)
        except WaitedTooLong:
            return None

    def submit(self, work: Callable[[], T]) -> Future[T] | None:
        """Run ``work`` on the pool; ``None`` when pool and queue are full."""
        if not self._slots.acquire(blocking=False):
            log.warning("Lifecycle work is backing up; this request does not wait for Flexiti")
            return None
        try:
            future = self._executor().submit(work)
        except RuntimeError:  # shutting down
            self._slots.release()
            return None
        with self._lock:
            self._busy += 1
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future[Any]) -> None:
        with self._lock:
            self._busy -= 1
        self._slots.release()

    def queued(self) -> int:
        """Work submitted and not finished yet (running or waiting for a thread)."""
        with self._lock:
            return self._busy

    def alive(self) -> int:
        """This pool's threads alive now."""
        with self._lock:
            pool = self._pool
        return 0 if pool is None else sum(t.is_alive() for t in pool._threads)

    def shutdown(self) -> None:
        """Stop after the work in flight (tests, app teardown)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix=self.name)
            return self._pool
