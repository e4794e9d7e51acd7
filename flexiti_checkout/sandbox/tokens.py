"""OAuth tokens the way Flexiti hands them out: issue, refresh before expiry, validate, revoke.

Pure bookkeeping with no Flask in it; every expiry decision reads the injected clock so a test
or a benchmark can move time forward without waiting.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

SCOPES = ("customer", "merchant")


@dataclass(frozen=True)
class AccessToken:
    """An issued access token and the refresh token that belongs to it."""

    value: str
    client_id: str
    scope: str
    expires_at: float
    refresh_token: str
    lifetime: float


class TokenError(Exception):
    """A refresh that Flexiti refuses with ``invalid_grant``."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class TokenBook:
    """Every live token of one sandbox, guarded by a lock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, str] = {}

    def issue(self, client_id: str, scope: str, lifetime: float) -> AccessToken:
        """A new token pair for a ``client_credentials`` grant."""
        with self._lock:
            self._prune()
            return self._issue(client_id, scope, lifetime)

    def refresh(self, refresh_token: str, client_id: str, lifetime: float) -> AccessToken:
        """Exchange a refresh token for a new pair, only while its access token is alive.

        The used refresh token is spent; the old access token stays valid until it expires.
        """
        with self._lock:
            access_value = self._refresh.get(refresh_token)
            old = self._access.get(access_value) if access_value else None
            if old is None or old.client_id != client_id:
                raise TokenError("The refresh token is invalid.")
            if self._clock() >= old.expires_at:
                raise TokenError(
                    "The access token has expired; it cannot be refreshed after it is expired."
                )
            del self._refresh[refresh_token]
            return self._issue(client_id, old.scope, lifetime)

    def validate(self, value: str) -> tuple[AccessToken | None, str]:
        """The live token for ``value``, or None and why it is refused."""
        with self._lock:
            token = self._access.get(value)
        if token is None:
            return None, "The access token provided is invalid."
        if self._clock() >= token.expires_at:
            return None, "The access token provided has expired."
        return token, ""

    def revoke_all(self) -> int:
        """Invalidate every access and refresh token; the count of access tokens revoked."""
        with self._lock:
            count = len(self._access)
            self._access.clear()
            self._refresh.clear()
            return count

    def count(self) -> int:
        with self._lock:
            return len(self._access)

    def _issue(self, client_id: str, scope: str, lifetime: float) -> AccessToken:
        token = AccessToken(
            value=secrets.token_hex(20),
            client_id=client_id,
            scope=scope,
            expires_at=self._clock() + lifetime,
            refresh_token=secrets.token_hex(20),
            lifetime=lifetime,
        )
        self._access[token.value] = token
        self._refresh[token.refresh_token] = token.value
        return token

    def _prune(self) -> None:
        # An expired access token can neither authenticate nor be refreshed: forget it, so a
        # long benchmark does not grow the book without bound.
        now = self._clock()
        dead = [value for value, token in self._access.items() if now >= token.expires_at]
        for value in dead:
            token = self._access.pop(value)
            self._refresh.pop(token.refresh_token, None)
