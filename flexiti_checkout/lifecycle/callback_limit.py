"""A cap on callbacks from anyone: strangers cannot grow the inbox without bound.

Without ``FLEXITI_CALLBACK_SECRET`` the callback URL is open to anyone. Every delivery is stored
(that is what keeps a genuine one from being lost), so the store counts those received in the last
window, across all workers, and refuses more than the limit (a 429 with ``Retry-After``, which a
sender that retries honours). The deliveries already stored, the oldest unprocessed among them,
are kept. Refusals are counted and logged once per window, never one log line per request.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from flexiti_checkout.store.inbox import Inbox

log = logging.getLogger("flexiti_checkout.callbacks")


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

    def refuse(self) -> int | None:
        """``None`` if one more delivery may be stored now; else seconds to wait before trying."""
        now = self.clock()
        if self.inbox.received_since(now - self.window) < self.limit:
            return None
        with self._lock:
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
