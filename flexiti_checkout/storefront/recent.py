"""What a worker process reuses for a few seconds: finished badges and encoded answers.

The caches in front of Flexiti (``cache``, ``shared``) keep answers; turning an answer into a
badge's HTML or an HTTP answer's bytes and ETag costs more than finding it, and a page of 48
badges or a storefront answering thousands of calculator GETs a second pays that on every view.
``Recent`` keeps the finished product per key for ``REUSE_SECONDS`` (never past the answer's own
freshness), and only for definitive answers: a "pending" badge is never kept. So a change of an
answer (a refresh past ``FLEXITI_CACHE_TTL``, a cleared cache) reaches every page of every worker
within ``REUSE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: How long a worker reuses a finished badge or answer without looking at the caches again.
REUSE_SECONDS = 5.0
#: Finished badges and answers kept per process (the oldest go first).
MAX_ENTRIES = 4096


class Recent(Generic[K, V]):
    """Values kept per key for a few seconds; a bounded dict, read without a lock."""

    def __init__(
        self,
        seconds: float = REUSE_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[K, tuple[V, float]] = {}

    def get(self, key: K) -> V | None:
        """The value kept for ``key``, or ``None`` when there is none or it has expired."""
        entry = self._entries.get(key)  # one dict read: atomic, no lock needed
        if entry is None or self._clock() >= entry[1]:
            return None
        return entry[0]

    def put(self, key: K, value: V, fresh_until: float | None = None) -> V:
        """Keep ``value`` for ``REUSE_SECONDS``, or until ``fresh_until`` if that is sooner."""
        until = self._clock() + self.seconds
        if fresh_until is not None:
            until = min(until, fresh_until)
        with self._lock:
            self._entries.pop(key, None)  # re-inserted last: the oldest are first to go
            self._entries[key] = (value, until)
            while len(self._entries) > self._max_entries:
                del self._entries[next(iter(self._entries))]
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
