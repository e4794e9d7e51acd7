"""Answering callbacks comes first: work done after the answer waits for a gap between requests.

The callback view answers once the delivery is stored; the lookups that settle it run on threads
of the same process, which share its interpreter lock and its CPU with the requests. During a
burst of callbacks those threads would slow every answer, and a slow answer is what makes
Flexiti's sender give up and retry. So each request marks the moment, and a worker about to
start a piece of work waits until no request has come for ``QUIET`` seconds, for at most
``MOST`` seconds (then it goes on: work is never held off for good).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: A gap between requests this long lets work start.
QUIET = 0.02
#: Work waits for a gap at most this long.
MOST = 1.0
#: The shortest wait between looks (a clock's rounding never makes the loop spin).
NAP = 0.001


class Foreground:
    """When this process last answered a request, and a wait for the next gap."""

    def __init__(
        self,
        *,
        quiet: float = QUIET,
        most: float = MOST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.quiet = quiet
        self.most = most
        self.clock = clock
        self.sleep = sleep
        self._last = float("-inf")
        self._lock = threading.Lock()
        self._waiting = 0
        self._stopped = False

    def busy(self) -> None:
        """A request is being answered now."""
        now = self.clock()
        with self._lock:
            self._last = max(self._last, now)

    def wait_for_gap(self) -> float:
        """Wait until no request came for ``quiet`` seconds (at most ``most``); seconds waited."""
        began = self.clock()
        with self._lock:
            self._waiting += 1
        try:
            while True:
                now = self.clock()
                with self._lock:
                    since, stopped = now - self._last, self._stopped
                waited = now - began
                if stopped or since >= self.quiet or waited >= self.most:
                    return waited
                self.sleep(max(NAP, min(self.quiet - since, self.most - waited)))
        finally:
            with self._lock:
                self._waiting -= 1

    def waiting(self) -> int:
        """How many workers wait for a gap now."""
        with self._lock:
            return self._waiting

    def stop(self) -> None:
        """Let work start at once from now on: the process is stopping, requests no longer come."""
        with self._lock:
            self._stopped = True
