"""Threads of one process that work through due rows of the store (leased, see ``leases``).

Started lazily (on the first request or the first piece of work, unless ``autostart`` is off:
then only ``start`` starts them, in a worker process), and again in each forked process: a forked
worker inherits the thread objects but not the threads, and the pid tells. They poll every
``poll_interval`` (sooner when the store says a row becomes due) for work any process left, and
``kick`` wakes them at once for work this process just wrote.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class PollingThreads:
    """The threads; a subclass says what one round of work is (``run_due``) and when the next
    is due (``next_due``)."""

    #: The threads' name, and what their failures are logged as.
    name = "flexiti-work"

    def __init__(
        self,
        *,
        threads: int,
        poll_interval: float,
        clock: Callable[[], float],
        autostart: bool,
    ) -> None:
        self.threads = threads
        self.poll_interval = poll_interval
        self.clock = clock
        self.autostart = autostart
        # Each kick wakes one thread (a count, so a kick while all are busy is not lost).
        self._wake = threading.Condition()
        self._kicks = 0
        self._stopping = threading.Event()
        self._running: list[threading.Thread] = []
        self._pid: int | None = None
        self._start_lock = threading.Lock()
        #: Called when this process first has work of this kind (its owner arms its exit).
        self.on_work: Callable[[], None] = lambda: None

    def run_due(self) -> int:
        """Do the work that is due now; how much there was (0 lets the threads wait)."""
        raise NotImplementedError

    def next_due(self) -> float | None:
        """When work becomes due next, if the store knows."""
        raise NotImplementedError

    def kick(self) -> None:
        """New work: start the threads if need be and have one look now."""
        self.ensure_started()
        with self._wake:
            self._kicks = min(self._kicks + 1, self.threads)
            self._wake.notify()

    def ensure_started(self) -> None:
        """Start this process's threads unless they run (cheap; once per request)."""
        if self.autostart:
            self.start()

    def start(self) -> None:
        """Start this process's threads unless they run or were stopped."""
        if self._stopping.is_set() or self._running_here():
            return
        with self._start_lock:
            if self._running_here():
                return
            self._pid = os.getpid()
            self._running = [
                threading.Thread(target=self._run, name=f"{self.name}-{n}", daemon=True)
                for n in range(self.threads)
            ]
            for thread in self._running:
                thread.start()
        self.on_work()

    def _running_here(self) -> bool:
        return self._pid == os.getpid() and any(t.is_alive() for t in self._running)

    def alive(self) -> int:
        """This process's threads alive now."""
        if self._pid != os.getpid():
            return 0
        return sum(thread.is_alive() for thread in self._running)

    def queued(self) -> int:
        """Kicks (new work this process wrote) no thread has looked at yet."""
        with self._wake:
            return self._kicks

    def stop_threads(self, timeout: float) -> None:
        """Have the threads stop after the work each is on; wait up to ``timeout`` for them."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._running:
            if thread is not threading.current_thread() and thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                wait = 0.0 if self.run_due() else self._idle_wait()
            except Exception:  # the store may be down for a while: keep the thread alive
                log.exception("The %s thread failed; it tries again shortly", self.name)
                wait = self.poll_interval
            if wait > 0:
                self._sleep(wait)

    def _sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or until a kick or ``stop_threads``."""
        with self._wake:
            if not self._kicks and not self._stopping.is_set():
                self._wake.wait(seconds)
            if self._kicks:
                self._kicks -= 1

    def _idle_wait(self) -> float:
        due = self.next_due()
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, max(0.05, due - self.clock()))
