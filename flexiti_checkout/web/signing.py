"""Signed, time-limited tokens for everything the customer's browser carries.

The return URL names the order the customer comes back for, and the modal page is opened for one
order: if the browser could choose those ids, anyone could make the shop look up (or show) someone
else's order. So each is a token signed with a secret key and a salt naming its purpose, refused
once too old. Keys are listed newest first: the first signs, all verify, so a key can be rotated
in without breaking tokens already handed out, and rotated out once they have expired.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

__all__ = ["BadTokenError", "Signer"]


class BadTokenError(ValueError):
    """A token that cannot be trusted: ``expired`` if it was good but is too old, otherwise
    forged, garbled, signed with a retired key, or made for another purpose."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class Signer:
    """Signs small dicts for one purpose (the salt) with rotating keys, newest first."""

    def __init__(self, keys: str | Sequence[str], *, salt: str) -> None:
        keys = [keys] if isinstance(keys, str) else list(keys)
        if not keys:
            raise ValueError("Signer needs at least one secret key")
        for position, key in enumerate(keys, start=1):
            if not isinstance(key, str) or not key.strip():
                raise ValueError(f"secret key #{position} of {len(keys)} is blank or not a string")
        if not isinstance(salt, str) or not salt.strip():
            raise ValueError("Signer needs a salt naming what its tokens are for")
        self.salt = salt
        # itsdangerous signs with the last key; ours are listed newest first.
        self._serializer = URLSafeTimedSerializer(keys[::-1], salt=salt)

    def __repr__(self) -> str:  # the keys are secrets
        return f"Signer(salt={self.salt!r})"

    def dumps(self, data: Mapping[str, Any]) -> str:
        """A URL-safe token carrying ``data`` (JSON-serialisable), signed with the newest key."""
        if not isinstance(data, Mapping):
            raise TypeError(f"Signer.dumps takes a mapping, not {type(data).__name__}")
        return self._serializer.dumps(dict(data))

    def loads(self, token: str, *, max_age: float) -> dict[str, Any]:
        """The data of a token signed by one of our keys for our salt, at most ``max_age``
        seconds ago; raises ``BadTokenError`` otherwise."""
        if not (isinstance(max_age, (int, float)) and math.isfinite(max_age) and max_age > 0):
            raise ValueError("max_age must be a positive number of seconds")
        if not isinstance(token, str) or not token:
            raise BadTokenError("no token was given")
        try:
            # Token ages are whole seconds, so comparing with floor(max_age) changes nothing.
            data = self._serializer.loads(token, max_age=math.floor(max_age))
        except SignatureExpired:
            raise BadTokenError("the token has expired", expired=True) from None
        except BadData:
            # from None: itsdangerous errors carry the payload and are no business of callers.
            raise BadTokenError("the token is not valid") from None
        if not isinstance(data, dict):
            raise BadTokenError("the token is not valid")
        return data
