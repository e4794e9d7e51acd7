"""The OAuth token store shared through the database, so all workers use one token per scope,
and the worker process's thread that renews them ahead of expiry."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from flexiti_checkout.client.tokens import Token
from flexiti_checkout.store.polling import PollingThreads
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import tokens

#: How often the worker process's renewal thread looks at the tokens when none is known to be due.
RENEWAL_POLL = 60.0
#: After a renewal round that renewed nothing due (Flexiti down), the next waits this long.
RENEWAL_RETRY = 10.0


class DatabaseTokenStore:
    """A ``TokenStore`` in the database: every worker on every host shares one token per scope.

    Renewal is single-flight across processes through a lease on the token's row: one worker
    holds it while it asks Flexiti; the others wait, then find the new token.
    """

    def __init__(self, store: Store, *, lease_seconds: float = 30.0, poll: float = 0.05) -> None:
        self._store = store
        self._lease_seconds = lease_seconds
        self._poll = poll
        self._local = threading.Lock()  # threads of one process queue here, not on the database

    def load(self, key: str) -> Token | None:
        with self._store.begin() as conn:
            row = conn.execute(select(tokens).where(tokens.c.key == key)).first()
        if row is None or not row.access_token:
            return None
        return Token(row.access_token, row.refresh_token, row.scope, row.expires_at, row.renew_at)

    def keys(self) -> list[str]:
        """The keys that have a token now (``"online:customer"``…)."""
        with self._store.begin() as conn:
            found = conn.execute(select(tokens.c.key).where(tokens.c.access_token.is_not(None)))
            return sorted(found.scalars())

    def next_renewal(self) -> float | None:
        """When the first token becomes due for renewal (``Token.renew_from``), if any."""
        renew_from = 2 * tokens.c.renew_at - tokens.c.expires_at
        with self._store.begin() as conn:
            return conn.execute(
                select(func.min(renew_from)).where(tokens.c.access_token.is_not(None))
            ).scalar()

    def save(self, key: str, token: Token) -> None:
        values = {
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "scope": token.scope,
            "expires_at": token.expires_at,
            "renew_at": token.renew_at,
        }
        with self._store.begin() as conn:
            if conn.execute(update(tokens).where(tokens.c.key == key).values(**values)).rowcount:
                return
        try:
            with self._store.begin() as conn:
                conn.execute(insert(tokens).values(key=key, **values))
        except IntegrityError:
            with self._store.begin() as conn:
                conn.execute(update(tokens).where(tokens.c.key == key).values(**values))

    def discard(self, key: str, access_token: str) -> None:
        with self._store.begin() as conn:
            conn.execute(
                update(tokens)
                .where(tokens.c.key == key, tokens.c.access_token == access_token)
                .values(access_token=None, refresh_token=None, expires_at=None, renew_at=None)
            )

    @contextmanager
    def renewal_lock(self, key: str) -> Iterator[None]:
        owner = uuid.uuid4().hex
        with self._local:
            deadline = time.monotonic() + self._lease_seconds * 2
            while not self._take_lease(key, owner):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another worker held the {key} token renewal too long")
                time.sleep(self._poll)
            try:
                yield
            finally:
                with self._store.begin() as conn:
                    conn.execute(
                        update(tokens)
                        .where(tokens.c.key == key, tokens.c.lease_owner == owner)
                        .values(lease_owner=None, lease_until=None)
                    )

    def _take_lease(self, key: str, owner: str) -> bool:
        now = time.time()  # leases are between processes: wall-clock time, not the test clock
        with self._store.begin() as conn:
            taken = conn.execute(
                update(tokens)
                .where(
                    tokens.c.key == key,
                    tokens.c.lease_until.is_(None) | (tokens.c.lease_until < now),
                )
                .values(lease_owner=owner, lease_until=now + self._lease_seconds)
            ).rowcount
        if taken:
            return True
        try:
            with self._store.begin() as conn:
                conn.execute(
                    insert(tokens).values(
                        key=key, lease_owner=owner, lease_until=now + self._lease_seconds
                    )
                )
            return True
        except IntegrityError:
            return False


class TokenRenewal(PollingThreads):
    """The worker process's thread: renews each shared token once it is due, so no web process
    spends a request or a thread of its own on it (``TokenCache.renews_ahead`` is off there).

    ``renew`` renews those of the given keys that are due (``FlexitiClient.renew_due_tokens``).
    """

    name = "flexiti-tokens"

    def __init__(
        self,
        store: DatabaseTokenStore,
        renew: Callable[[Iterable[str]], list[str]],
        *,
        poll_interval: float = RENEWAL_POLL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(threads=1, poll_interval=poll_interval, clock=clock, autostart=False)
        self.store = store
        self.renew = renew
        self._retry_at = float("-inf")

    def run_due(self) -> int:
        due = self.next_due()
        if due is None or due > self.clock():
            return 0
        renewed = self.renew(self.store.keys())
        if not renewed:  # due but not renewed: Flexiti refused or is down; its log says
            self._retry_at = self.clock() + RENEWAL_RETRY
        return len(renewed)

    def next_due(self) -> float | None:
        due = self.store.next_renewal()
        return None if due is None else max(due, self._retry_at)

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_threads(timeout)
