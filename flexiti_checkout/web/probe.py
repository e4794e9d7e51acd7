"""Whether Flexiti answers, asked at most once per 30 s per app: the health check's probe.

The probe is one payment-availability call whose answer a health check waits for at most 1 s (so it
answers within 3 s), so health checks never hammer Flexiti nor hang however often they come.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

PROBE_TTL = 30.0
#: The longest a health check waits for the probe; a slower Flexiti counts as unreachable.
PROBE_DEADLINE = 1.0


class FlexitiProbe:
    """Whether ``check()`` succeeds, asked at most once per ``ttl`` seconds, waited for at most
    ``deadline`` seconds.

    The check runs in a thread of its own, so a slow Flexiti delays no health check past the
    deadline, and only one check is ever in flight: its answer, however late, is the one cached.
    """

    def __init__(
        self,
        check: Callable[[], object],
        *,
        ttl: float = PROBE_TTL,
        deadline: float = PROBE_DEADLINE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._check = check
        self.ttl = ttl
        self.deadline = deadline
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._reachable = False
        self._running: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def reachable(self) -> bool:
        """The cached answer while it is fresh; otherwise the answer of a probe (or False if it
        takes longer than ``deadline``)."""
        with self._lock:
            if self._checked_at is not None and self._clock() - self._checked_at < self.ttl:
                return self._reachable
            if self._running is None:
                self._running = threading.Event()
                self._thread = threading.Thread(
                    target=self._probe, args=(self._running,), name="flexiti-probe", daemon=True
                )
                self._thread.start()
            running = self._running
        if not running.wait(self.deadline):
            return False
        with self._lock:
            return self._reachable

    def alive(self) -> int:
        """1 while a probe is in flight, else 0."""
        thread = self._thread
        return int(thread is not None and thread.is_alive())

    def stop(self, timeout: float) -> None:
        """Wait up to ``timeout`` for the probe in flight, if any."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _probe(self, done: threading.Event) -> None:
        try:
            self._check()
            reachable = True
        except Exception as exc:  # any failure means checkouts would fail too
            log.warning("Health check: Flexiti is unreachable (%r)", exc)
            reachable = False
        with self._lock:
            self._reachable, self._checked_at, self._running = reachable, self._clock(), None
        done.set()
