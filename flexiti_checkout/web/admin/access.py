"""Who may use the admin console: the host's callable, or a key signed in with; and CSRF tokens.

A key sign-in puts the actor's name and the key's fingerprint (never the key) in Flask's signed
session cookie; removing a key from ``FLEXITI_ADMIN_KEYS`` ends the sessions signed in with it.
Failed sign-ins are limited per address and per process (``SignInLimiter``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import session

from flexiti_checkout.store.audit import AuditLog

#: What a host passes as ``admin_access``: the actor's name (or ``True``) to let the current
#: request in, ``None``/``False`` to refuse it.
AdminAccess = Callable[[], Any]
SESSION_KEY = "flexiti_admin"
CSRF_KEY = "flexiti_admin_csrf"
MAX_ACTOR = 80


def fingerprint(key: str) -> str:
    """A short, non-reversible name for a key, safe to keep in a cookie."""
    return hashlib.sha256(b"flexiti-admin-key:" + key.encode()).hexdigest()[:32]


class SignInLimiter:
    """At most ``attempts`` failed sign-ins per address within ``window`` seconds."""

    def __init__(
        self,
        attempts: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int:
        """Seconds until ``address`` may try again; 0 when it may now."""
        with self._lock:
            recent = self._recent(address)
            if len(recent) < self.attempts:
                return 0
            return max(1, int(recent[0] + self.window - self._clock()) + 1)

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(self._clock())
            if len(self._failures) > 10_000:  # strangers cannot grow this without bound
                self._failures.pop(next(iter(self._failures)))

    def _recent(self, address: str) -> deque[float]:
        recent = self._failures.setdefault(address, deque())
        while recent and recent[0] <= self._clock() - self.window:
            recent.popleft()
        return recent


@dataclass
class AdminConsole:
    """The console of one app: who gets in, the keys, the sign-in limiter and the audit log."""

    audit: AuditLog
    access: AdminAccess | None = None
    keys: Sequence[str] = ()
    limiter: SignInLimiter = field(default_factory=SignInLimiter)

    def actor(self) -> str | None:
        """The name of whoever makes the current request, if they may use the console."""
        if self.access is not None:
            allowed = self.access()
            if isinstance(allowed, str) and allowed.strip():
                return allowed.strip()[:MAX_ACTOR]
            if allowed is True:
                return "admin"
        signed_in = session.get(SESSION_KEY)
        if self.keys and isinstance(signed_in, dict):
            known = {fingerprint(key) for key in self.keys}
            if signed_in.get("key") in known and isinstance(signed_in.get("actor"), str):
                return str(signed_in["actor"])
        return None

    def sign_in(self, key: str, name: str) -> bool:
        """Check ``key`` against every configured key in constant time; remember the actor."""
        presented = key.strip().encode()
        found = None
        for position, candidate in enumerate(self.keys, start=1):
            if hmac.compare_digest(presented, candidate.encode()):
                found = (position, candidate)
        if not presented or found is None:
            return False
        position, candidate = found
        who = " ".join(name.split())[:MAX_ACTOR] or "staff"
        session[SESSION_KEY] = {"actor": f"{who} (key #{position})", "key": fingerprint(candidate)}
        return True


def csrf_token() -> str:
    """This session's token for the console's forms (made on first use)."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def back_within(prefix: str, referrer: str | None, host_url: str) -> str | None:
    """The path (and query) of ``referrer`` when it is a page under ``prefix`` of this origin
    (``host_url``), else ``None``: where a refused form may send the browser back to.

    Anything a browser would read differently from ``urlsplit`` (backslashes, blanks, control
    or non-ASCII characters, which browsers strip or turn into ``/``) is refused, not repaired.
    """
    if not referrer or not all("!" <= char <= "~" for char in referrer) or "\\" in referrer:
        return None
    found, here = urlsplit(referrer), urlsplit(host_url)
    same_origin = (found.scheme, found.netloc.lower()) == (here.scheme, here.netloc.lower())
    if not same_origin or not found.path.startswith(prefix) or found.username is not None:
        return None
    return found.path + (f"?{found.query}" if found.query else "")


def csrf_ok(presented: str | None) -> bool:
    expected = session.get(CSRF_KEY)
    return (
        isinstance(expected, str)
        and isinstance(presented, str)
        and hmac.compare_digest(presented.encode(), expected.encode())
    )
