"""Who may use the admin console: the host's callable, or a key signed in with; and CSRF tokens.

A key sign-in starts a staff session in the store (``store.staff``) and puts only its random id in
Flask's signed session cookie, with a new CSRF token. Sign-out, removing the key from
``FLEXITI_ADMIN_KEYS`` and ``FLEXITI_ADMIN_IDLE_TIMEOUT`` end it on every worker and host. Wrong
keys are counted in the store per address and per key tried, and limited across workers and
hosts; the right key always signs in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import session

from flexiti_checkout.store.audit import AuditLog
from flexiti_checkout.store.staff import SignInLimit, StaffSessions

#: What a host passes as ``admin_access``: the actor's name (or ``True``) to let the current
#: request in, ``None``/``False`` to refuse it.
AdminAccess = Callable[[], Any]
SESSION_KEY = "flexiti_admin"
CSRF_KEY = "flexiti_admin_csrf"
MAX_ACTOR = 80


def fingerprint(key: str) -> str:
    """A short, non-reversible name for a key, safe to keep in a cookie."""
    return hashlib.sha256(b"flexiti-admin-key:" + key.encode()).hexdigest()[:32]


@dataclass
class AdminConsole:
    """The console of one app: who gets in, the keys, staff sessions, the sign-in limit and the
    audit log. Sessions and the limit live in the store (``store.staff``)."""

    audit: AuditLog
    sessions: StaffSessions
    limit: SignInLimit
    access: AdminAccess | None = None
    keys: Sequence[str] = ()

    def actor(self) -> str | None:
        """The name of whoever makes the current request, if they may use the console."""
        if self.access is not None:
            allowed = self.access()
            if isinstance(allowed, str) and allowed.strip():
                return allowed.strip()[:MAX_ACTOR]
            if allowed is True:
                return "admin"
        session_id = _session_id()
        if not self.keys or session_id is None:
            return None
        return self.sessions.actor(session_id, {fingerprint(key) for key in self.keys})

    def sign_in(self, key: str, name: str) -> bool:
        """Check ``key`` against every configured key in constant time; on a match start a
        session in the store and give the browser a new CSRF token."""
        presented = key.strip().encode()
        found = None
        for position, candidate in enumerate(self.keys, start=1):
            if hmac.compare_digest(presented, candidate.encode()):
                found = (position, candidate)
        if not presented or found is None:
            return False
        position, candidate = found
        who = " ".join(name.split())[:MAX_ACTOR] or "staff"
        session_id = self.sessions.start(f"{who} (key #{position})", fingerprint(candidate))
        session[SESSION_KEY] = {"sid": session_id}
        session[CSRF_KEY] = secrets.token_urlsafe(32)  # a token seen before sign-in is no use
        return True

    def wrong_attempt(self, address: str, key: str) -> int:
        """Count a wrong sign-in against its address and the key tried; returns the seconds to
        wait when either is past the limit (0: answer "wrong key"). Only wrong keys are
        counted and limited: the right key signs in whatever came before."""
        scopes = (f"address:{address}", f"key:{fingerprint(key.strip())}")
        wait = self.limit.retry_after(scopes)
        if not wait:
            self.limit.failed(scopes)
        return wait

    def sign_out(self) -> None:
        """End this browser's session everywhere, and forget it here."""
        session_id = _session_id()
        if session_id is not None:
            self.sessions.end(session_id)
        session.pop(SESSION_KEY, None)


def _session_id() -> str | None:
    signed_in = session.get(SESSION_KEY)
    found = signed_in.get("sid") if isinstance(signed_in, dict) else None
    return found if isinstance(found, str) else None


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
