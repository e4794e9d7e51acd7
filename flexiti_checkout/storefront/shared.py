"""One storefront cache for every worker and host: answers kept in a shared store, one asker.

Each worker keeps its own ``AnswerCache``; on a miss it reads through to a ``SharedStore`` (the
order store's ``flexiti_storefront_cache`` table). When the shared answer is missing or past its
TTL, the worker that *claims* the key (a lease on its row) asks Flexiti and saves the answer;
the others look again every ``POLL`` seconds until it lands, or serve what they have meanwhile.
So 4 workers on N hosts ask Flexiti once per key per TTL, not 4N times.

Times in the shared store are wall-clock epoch seconds (they cross processes and hosts).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")

#: How long a claim holds a key: longer than a Flexiti call (a token grant and the call itself).
CLAIM_SECONDS = 15.0
#: How often a worker waiting on another's claim looks for the answer.
POLL = 0.1


class SharingError(Exception):
    """The shared store failed (the database is down or refused): asking Flexiti still works."""


#: A key's row: the encoded answer (when its expiry is set), its wall-clock expiry, and until
#: when another worker's claim on it lasts (``None``: unclaimed).
Stored = tuple[Any, "float | None", "float | None"]


class SharedStore(Protocol):
    """Where the answers of every worker live, with a lease per key (``store.answers``)."""

    def read(self, key: str) -> Stored | None:
        """The row for ``key``, or ``None``."""

    def claim(self, key: str, owner: str, now: float, until: float, *, exists: bool) -> bool:
        """Take the key's lease for ``owner`` unless another holds one past ``now`` or a fresh
        answer is there; ``exists``: whether ``read`` just found the key's row."""

    def write(self, key: str, value: Any, fresh_until: float) -> None:
        """Save an answer and release the key's lease."""

    def release(self, key: str, owner: str) -> None:
        """Give the lease back (the call failed) if ``owner`` still holds it."""

    def clear(self) -> None:
        """Forget every answer."""


@dataclass(frozen=True)
class Found(Generic[V]):
    """What the shared store gave for a key.

    ``answer``: a fresh answer, as ``(value,)``. ``stale``: one past its TTL (``fresh_in`` is
    then negative), kept in case Flexiti fails. ``claimed``: this worker now asks Flexiti.
    """

    answer: tuple[V] | None
    stale: tuple[V] | None
    fresh_in: float
    claimed: bool


class Sharing(Generic[K, V]):
    """One ``AnswerCache``'s view of the shared store: its keys, and how values are encoded."""

    def __init__(
        self,
        store: SharedStore,
        name: Callable[[K], str],
        encode: Callable[[V], Any],
        decode: Callable[[K, Any], V],
        *,
        wall: Callable[[], float] = time.time,
        wait: float = CLAIM_SECONDS,
    ) -> None:
        self.store = store
        self._name = name
        self._encode = encode
        self._decode = decode
        self._wall = wall
        self._wait = wait
        self._owners: dict[int, str] = {}

    @property
    def _owner(self) -> str:
        """Who claims keys: one id per process (workers forked from one app each get theirs)."""
        return self._owners.setdefault(os.getpid(), uuid.uuid4().hex)

    def find_or_claim(self, key: K) -> Found[V]:
        """A fresh answer from another worker, or the claim to ask Flexiti for ``key``.

        While another worker holds the claim, waits up to ``wait`` seconds for its answer (on a
        pool thread: the shopper's request waits only its budget); then gives up, unclaimed.
        """
        name = self._name(key)
        deadline = time.monotonic() + self._wait
        stale: tuple[V] | None = None
        fresh_in = 0.0
        while True:
            now = self._wall()
            row = self._call(self.store.read, name)
            stored, fresh_until, claimed_until = row or (None, None, None)
            if fresh_until is not None:
                value = (self._call(self._decode, key, stored),)
                fresh_in = fresh_until - now
                if fresh_in > 0:
                    return Found(value, None, fresh_in, claimed=False)
                stale = value
            free = claimed_until is None or claimed_until < now  # else: no write to find out
            claim = partial(self.store.claim, exists=row is not None)
            if free and self._call(claim, name, self._owner, now, now + CLAIM_SECONDS):
                return Found(None, stale, fresh_in, claimed=True)
            if time.monotonic() >= deadline:
                return Found(None, stale, fresh_in, claimed=False)
            time.sleep(POLL)

    def save(self, key: K, value: V, ttl: float) -> None:
        self._call(self.store.write, self._name(key), self._encode(value), self._wall() + ttl)

    def release(self, key: K) -> None:
        self._call(self.store.release, self._name(key), self._owner)

    def clear(self) -> None:
        self._call(self.store.clear)

    @staticmethod
    def _call(method: Callable[..., Any], *args: Any) -> Any:
        try:
            return method(*args)
        except Exception as exc:  # the database (or a row it kept), not Flexiti: badges still work
            raise SharingError(f"{type(exc).__name__}: {exc}") from exc
