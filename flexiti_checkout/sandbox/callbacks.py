"""Callback delivery to the merchant's CALLBACK_URL, the way Flexiti would post it.

Deliveries run in background threads with a short timeout and never raise: a shop that is down
must not break the sandbox. The callback knobs decide what is sent (dropped, duplicated, delayed,
followed by a contradicting stale copy, stripped of ids); every attempt lands in the log.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import requests

LOG_LIMIT = 10_000
USER_AGENT = "flexiti-sandbox-callbacks/1"


class CallbackDispatcher:
    """Background senders plus the log of every delivery attempt.

    ``session`` (a ``requests.Session``) lets an app that embeds the sandbox receive callbacks
    in-process; by default they go over the network.
    """

    def __init__(self, clock: Callable[[], float], *, session: Any = None) -> None:
        self._clock = clock
        self._session = session
        self.lock = threading.Lock()  # the log and the threads; sandbox.shared reads under it
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)
        self._threads: set[threading.Thread] = set()
        self._stop = threading.Event()
        self._generation = 0

    def schedule(
        self,
        url: str,
        bodies: list[tuple[str, dict[str, Any]]],
        *,
        delay: float = 0.0,
        timeout: float = 5.0,
    ) -> None:
        """Post each ``(kind, body)`` in order from one background thread, after ``delay``."""
        with self.lock:
            generation = self._generation
        thread = threading.Thread(
            target=self._run,
            args=(url, bodies, delay, timeout, generation),
            name="flexiti-sandbox-callback",
            daemon=True,
        )
        with self.lock:
            self._threads.add(thread)
        thread.start()

    def record_dropped(self, url: str, kind: str, body: dict[str, Any]) -> None:
        """Log a notification the ``drop`` mode swallowed, so a test can see it was due."""
        self._append(url, kind, body, status=None, error=None, dropped=True)

    def entries(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._log)

    def pending(self) -> int:
        with self.lock:
            return len(self._threads)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for in-flight deliveries; True when none is left."""
        deadline = self._clock_now() + timeout
        while True:
            with self.lock:
                threads = list(self._threads)
            if not threads:
                return True
            remaining = deadline - self._clock_now()
            if remaining <= 0:
                return False
            threads[0].join(remaining)

    def clear(self) -> None:
        """Forget the log; deliveries still in flight are abandoned, not logged."""
        with self.lock:
            self._log.clear()
            self._generation += 1

    def stop(self, timeout: float = 2.0) -> None:
        """Abandon pending (delayed) deliveries and wait for running ones: used at shutdown."""
        self._stop.set()
        self.wait(timeout)

    def _run(
        self,
        url: str,
        bodies: list[tuple[str, dict[str, Any]]],
        delay: float,
        timeout: float,
        generation: int,
    ) -> None:
        try:
            if delay > 0 and self._stop.wait(delay):
                return
            for kind, body in bodies:
                if self._stop.is_set() or generation != self._generation:
                    return
                self._post(url, kind, body, timeout, generation)
        finally:
            with self.lock:
                self._threads.discard(threading.current_thread())

    def _post(
        self, url: str, kind: str, body: dict[str, Any], timeout: float, generation: int
    ) -> None:
        status: int | None = None
        error: str | None = None
        try:
            response = (self._session or requests).post(
                url, json=body, timeout=timeout, headers={"User-Agent": USER_AGENT}
            )
            status = response.status_code
            response.close()
        except Exception as exc:  # a failing shop must never crash the sandbox
            error = f"{type(exc).__name__}: {exc}"
        if generation == self._generation:
            self._append(url, kind, body, status=status, error=error, dropped=False)

    def _append(
        self,
        url: str,
        kind: str,
        body: dict[str, Any],
        *,
        status: int | None,
        error: str | None,
        dropped: bool,
    ) -> None:
        entry = {
            "time": self._clock(),
            "url": url,
            "kind": kind,
            "body": body,
            "status": status,
            "error": error,
            "dropped": dropped,
        }
        with self.lock:
            self._log.append(entry)

    @staticmethod
    def _clock_now() -> float:
        # Waiting is real time even when the sandbox clock is simulated.
        return time.monotonic()
