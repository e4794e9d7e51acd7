"""A cap on callbacks from anyone: strangers cannot grow the inbox without bound.

Without ``FLEXITI_CALLBACK_SECRET`` the callback URL is open to anyone. Every delivery is stored
(that is what keeps a genuine one from being lost), so the store counts those received in the last
window, across all workers, and refuses more than the limit (a 429 with ``Retry-After``, which a
sender that retries honours). The deliveries already stored, the oldest unprocessed among them,
are kept. Refusals are counted and logged once per window, never one log line per request.

The count is read from the store at most every ``RECOUNT`` seconds; in between this process adds
what it stored itself, so other processes' latest callbacks are seen a moment late (the cap may be
passed by what they store in that moment, never by this process alone).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from flexiti_checkout.store.inbox import Inbox

log = logging.getLogger(__name__)

#: How long a count read from the store serves (at most), in seconds.
RECOUNT = 0.5


class AnonymousCallbackLimit:
    """At most ``limit`` deliveries stored per ``window`` seconds."""

    def __init__(
        self, inbox: Inbox, limit: int, window: float, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.inbox = inbox
        self.limit = limit
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._refused = 0
        self._logged_at: float | None = None
        self._counted_at: float | None = None
        self._count = 0

    def refuse(self) -> int | None:
        """``None`` if one more delivery may be stored now (counted as stored); else seconds to
        wait before trying again."""
        now = self.clock()
        with self._lock:
            recount = self._counted_at is None or now - self._counted_at >= RECOUNT
        if recount:
            count = self.inbox.received_since(now - self.window)
            with self._lock:
                self._count, self._counted_at = count, now
        with self._lock:
            if self._count < self.limit:
                self._count += 1
                return None
            self._refused += 1
            due = self._logged_at is None or now - self._logged_at >= self.window
            if due:
                refused, self._refused, self._logged_at = self._refused, 0, now
        if due:
            log.warning(
                "Refused %d callback(s) with 429: more than %d arrived within %g s "
                "(FLEXITI_ANONYMOUS_CALLBACK_LIMIT). Set FLEXITI_CALLBACK_SECRET so only Flexiti "
                "reaches the callback URL, or raise the limit if this is Flexiti's own volume",
                refused, self.limit, self.window,
            )  # fmt: skip
        return max(1, math.ceil(min(self.window, 60.0)))
