"""OAuth tokens: one per API and scope, shared by every caller, renewed once.

A ``TokenStore`` keeps the current token for each key (``"online:customer"``, ...). The default
keeps it in memory for one process; the order store provides one in the database so that every
worker on every host shares a token per lifetime. ``TokenCache`` decides when a token is still good
and makes sure that, however many threads need a new one at once, exactly one asks Flexiti.

A token is renewed in the background ahead of time (one more margin before it stops being handed
out), so once an app has a token no caller waits for a grant while Flexiti answers: a slow token
call costs a badge nothing. A caller waits only for the first token, or when the background
renewal could not finish in time.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

from flexiti_checkout.errors import FlexitiError
from flexiti_checkout.metrics import TOKEN_RENEWALS

log = logging.getLogger(__name__)

#: Flexiti's own guide renews a token when less than a minute of its life remains.
DEFAULT_REFRESH_MARGIN = 60.0
#: After a failed background renewal, the next one waits this long (Flexiti may be down).
BACKGROUND_RETRY = 10.0


@dataclass(frozen=True)
class Token:
    """An access token, the refresh token that came with it, and when each stops being good.

    ``renew_at`` is when we stop handing it out (a margin before ``expires_at``), so a call never
    sets off with a token that expires in flight, and a refresh still happens in time.
    """

    access_token: str
    refresh_token: str | None
    scope: str
    expires_at: float
    renew_at: float

    @property
    def renew_from(self) -> float:
        """When a background renewal starts: one margin before ``renew_at``."""
        return self.renew_at - (self.expires_at - self.renew_at)

    def __repr__(self) -> str:  # the token itself is a secret
        return f"Token(scope={self.scope!r}, expires_at={self.expires_at!r})"


class TokenStore(Protocol):
    """Where tokens live between calls; shared stores make every worker use one token."""

    def load(self, key: str) -> Token | None:
        """The current token for ``key``, or ``None``."""

    def save(self, key: str, token: Token) -> None:
        """Make ``token`` the current token for ``key``."""

    def discard(self, key: str, access_token: str) -> None:
        """Forget the token for ``key`` if it is still ``access_token`` (it was refused)."""

    def renewal_lock(self, key: str) -> AbstractContextManager[None]:
        """Held while renewing ``key``, so that only one caller asks Flexiti at a time."""


class MemoryTokenStore:
    """A token store for one process."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def load(self, key: str) -> Token | None:
        with self._guard:
            return self._tokens.get(key)

    def save(self, key: str, token: Token) -> None:
        with self._guard:
            self._tokens[key] = token

    def discard(self, key: str, access_token: str) -> None:
        with self._guard:
            current = self._tokens.get(key)
            if current is not None and current.access_token == access_token:
                del self._tokens[key]

    @contextmanager
    def renewal_lock(self, key: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield


#: Asks Flexiti for a token, given the refresh token to use (or None for a new grant); returns
#: the token response's fields.
IssueToken = Callable[["str | None"], dict]


class TokenCache:
    """Hands out a good token per key, renewing it (single flight) when it is about to expire."""

    def __init__(
        self,
        store: TokenStore,
        *,
        clock: Callable[[], float],
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
    ) -> None:
        self._store = store
        self._clock = clock
        self._refresh_margin = refresh_margin
        #: Off when another process renews tokens ahead (the worker process): a token due for
        #: renewal is still handed out, and renewed here only once it stops being usable.
        self.renews_ahead = True
        self._guard = threading.Lock()
        self._renewals: dict[str, threading.Thread] = {}
        self._started: dict[str, float] = {}  # when each key's last background renewal began
        self._pid = os.getpid()

    def get(self, key: str, issue: IssueToken) -> Token:
        """A token for ``key`` that is good for a while yet; at most one renewal at a time.

        A token due for renewal but still good is handed out at once while a background thread
        renews it (``renew_ahead``).
        """
        token = self._store.load(key)
        if self._usable(token):
            assert token is not None
            if self.renews_ahead and self._clock() >= token.renew_from:
                self.renew_ahead(key, issue)
            return token
        with self._store.renewal_lock(key):
            token = self._store.load(key)  # another caller may have renewed it meanwhile
            if self._usable(token):
                assert token is not None
                return token
            token = self._renew(key, issue, token)
            self._store.save(key, token)
            return token

    def renew_ahead(self, key: str, issue: IssueToken) -> None:
        """Renew ``key`` on a background thread (one per key and process) unless one runs or one
        began less than ``BACKGROUND_RETRY`` seconds ago."""
        with self._guard:
            if self._pid != os.getpid():  # a forked worker: the parent's threads are not here
                self._renewals.clear()
                self._started.clear()
                self._pid = os.getpid()
            running = self._renewals.get(key)
            now = self._clock()
            if running is not None and running.is_alive():
                return
            if now < self._started.get(key, float("-inf")) + BACKGROUND_RETRY:
                return
            self._started[key] = now
            thread = threading.Thread(
                target=self._renew_in_background,
                args=(key, issue),
                name=f"flexiti-token-{key}",
                daemon=True,
            )
            self._renewals[key] = thread
        thread.start()

    def wait_renewals(self, timeout: float = 10.0) -> None:
        """Wait for the background renewals under way (tests, and shutting down cleanly)."""
        with self._guard:
            threads = list(self._renewals.values())
        for thread in threads:
            thread.join(timeout)

    def alive(self) -> int:
        """Background renewals running in this process now."""
        with self._guard:
            if self._pid != os.getpid():
                return 0
            return sum(thread.is_alive() for thread in self._renewals.values())

    def renew_due(self, key: str, issue: IssueToken) -> bool:
        """Renew ``key`` now, in this thread, if its token is due for renewal (the worker
        process's round); whether it renewed one."""
        token = self._store.load(key)
        if token is None or self._clock() < token.renew_from:
            return False
        with self._store.renewal_lock(key):
            token = self._store.load(key)  # another worker may have renewed it meanwhile
            if token is None or self._clock() < token.renew_from:
                return False
            self._store.save(key, self._renew(key, issue, token))
        return True

    def _renew_in_background(self, key: str, issue: IssueToken) -> None:
        try:
            with self._store.renewal_lock(key):
                token = self._store.load(key)  # another worker may have renewed it meanwhile
                if self._usable(token) and token is not None and self._clock() < token.renew_from:
                    return
                self._store.save(key, self._renew(key, issue, token))
        except Exception as exc:  # the token in hand stays good; a caller renews it in time
            log.warning("Renewing the %s token ahead of expiry failed: %r", key, exc)

    def drop(self, key: str, token: Token) -> None:
        """Forget ``token`` because Flexiti refused it; the next ``get`` fetches a new one."""
        self._store.discard(key, token.access_token)

    def _usable(self, token: Token | None) -> bool:
        return token is not None and self._clock() < token.renew_at

    def _renew(self, key: str, issue: IssueToken, old: Token | None) -> Token:
        # A refresh is only allowed before the old token expires; after that, start afresh.
        if old is not None and old.refresh_token and self._clock() < old.expires_at:
            try:
                return self._issue(key, issue, old.refresh_token)
            except FlexitiError as exc:
                log.info("Refreshing the %s token failed (%r); requesting a new one", key, exc)
        return self._issue(key, issue, None)

    def _issue(self, key: str, issue: IssueToken, refresh_token: str | None) -> Token:
        issued_at = self._clock()
        try:
            fields = issue(refresh_token)
        except Exception:
            TOKEN_RENEWALS.labels("failed").inc()
            raise
        TOKEN_RENEWALS.labels("ok").inc()
        lifetime = float(fields["expires_in"])
        # Short-lived tokens (sandbox, tests) would never be usable with a fixed minute of margin.
        margin = min(self._refresh_margin, lifetime / 10)
        return Token(
            access_token=fields["access_token"],
            refresh_token=fields.get("refresh_token"),
            scope=fields.get("scope") or key.rpartition(":")[2],
            expires_at=issued_at + lifetime,
            renew_at=issued_at + lifetime - margin,
        )
