"""The console's staff sessions and wrong sign-in attempts, kept in the store.

A session is a random id in the staff member's signed cookie; the store keeps only its hash,
with the actor's name, the fingerprint of the key they signed in with and when it was last used.
Every worker and host reads the same rows, so signing out, removing the key from the settings or
staying idle past the timeout ends the session everywhere at once.

Wrong sign-in attempts are rows counted per scope (an address, or the fingerprint of the key
tried) within a window, so the limit holds across workers and hosts too.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable

from sqlalchemy import delete, func, insert, select, update

from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import sign_in_failures, staff_sessions

#: How stale ``seen_at`` may get before a request writes it again (a write per page is waste).
TOUCH_EVERY = 60.0
#: Longer scopes are cut: they are labels, and an address is short.
MAX_SCOPE = 80


def _hash(session_id: str) -> str:
    return hashlib.sha256(b"flexiti-staff-session:" + session_id.encode()).hexdigest()


class StaffSessions:
    """Sign-ins of the console that last until sign-out, key removal or ``idle_timeout``."""

    def __init__(self, store: Store, *, idle_timeout: float) -> None:
        self.store = store
        self.idle_timeout = idle_timeout

    def start(self, actor: str, key_fingerprint: str) -> str:
        """A new session for ``actor``; returns its id, for the cookie only."""
        session_id = secrets.token_urlsafe(32)
        now = self.store.clock()
        with self.store.begin() as conn:
            conn.execute(
                insert(staff_sessions).values(
                    id_hash=_hash(session_id),
                    actor=actor,
                    key_fingerprint=key_fingerprint,
                    created_at=now,
                    seen_at=now,
                )
            )
        return session_id

    def actor(self, session_id: str, fingerprints: Collection[str]) -> str | None:
        """Who the session ``session_id`` belongs to, while it lives and its key is one of
        ``fingerprints``; each use keeps it alive for another ``idle_timeout``."""
        now = self.store.clock()
        key = _hash(session_id)
        with self.store.begin() as conn:
            row = conn.execute(
                select(staff_sessions).where(
                    staff_sessions.c.id_hash == key, staff_sessions.c.ended_at.is_(None)
                )
            ).first()
            if row is None or row.key_fingerprint not in fingerprints:
                return None
            if row.seen_at < now - self.idle_timeout:
                conn.execute(
                    update(staff_sessions)
                    .where(staff_sessions.c.id_hash == key)
                    .values(ended_at=now)
                )
                return None
            if row.seen_at < now - TOUCH_EVERY:
                conn.execute(
                    update(staff_sessions)
                    .where(staff_sessions.c.id_hash == key)
                    .values(seen_at=now)
                )
            return str(row.actor)

    def end(self, session_id: str) -> None:
        """Sign out: the session ends on every worker and host."""
        with self.store.begin() as conn:
            conn.execute(
                update(staff_sessions)
                .where(staff_sessions.c.id_hash == _hash(session_id))
                .values(ended_at=self.store.clock())
            )


class SignInLimit:
    """At most ``attempts`` wrong sign-ins per scope within ``window`` seconds, in the store."""

    def __init__(self, store: Store, *, attempts: int = 5, window: float = 300.0) -> None:
        self.store = store
        self.attempts = attempts
        self.window = window

    def retry_after(self, scopes: Iterable[str]) -> int:
        """Seconds until every one of ``scopes`` may try again; 0 when they may now."""
        since = self.store.clock() - self.window
        wait = 0.0
        with self.store.begin() as conn:
            for scope in scopes:
                count, oldest = conn.execute(
                    select(func.count(), func.min(sign_in_failures.c.at)).where(
                        sign_in_failures.c.scope == scope[:MAX_SCOPE],
                        sign_in_failures.c.at > since,
                    )
                ).one()
                if count >= self.attempts:
                    wait = max(wait, oldest - since)
        return int(wait) + 1 if wait else 0

    def failed(self, scopes: Iterable[str]) -> None:
        """Count one wrong attempt against each of ``scopes``; forget those past the window."""
        now = self.store.clock()
        with self.store.begin() as conn:
            conn.execute(delete(sign_in_failures).where(sign_in_failures.c.at <= now - self.window))
            for scope in scopes:
                conn.execute(insert(sign_in_failures).values(scope=scope[:MAX_SCOPE], at=now))
