"""The storefront's answers shared through the database: one cache for every worker and host.

Rows of ``flexiti_storefront_cache`` hold an encoded answer (availability or a plan), when it
stops being fresh, and a lease: the worker that holds a key's lease is the one asking Flexiti.
Times are wall-clock epoch seconds, given by the caller. ``storefront.shared`` decides what to
do with them; this module only reads and writes rows, atomically.
"""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import storefront_cache

T = storefront_cache.c


class DatabaseAnswerStore:
    """A ``storefront.shared.SharedStore`` in the order store's database."""

    def __init__(self, store: Store) -> None:
        self._store = store
        # SQLite takes one writer at a time and makes the others sleep and retry; the threads of
        # one process queue here instead, which is quicker. Other databases lock per row.
        sqlite = store.engine.dialect.name == "sqlite"
        self._writing: AbstractContextManager[Any] = threading.Lock() if sqlite else nullcontext()

    def read(self, key: str) -> tuple[Any, float | None, float | None] | None:
        """The key's encoded answer, its expiry (``None`` before any answer) and until when it is
        claimed (``None``: it is not), or ``None`` when the key has no row."""
        query = select(T.value, T.fresh_until, T.claim_until).where(T.key == key)
        with self._store.begin() as conn:
            row = conn.execute(query).first()
        return None if row is None else (row.value, row.fresh_until, row.claim_until)

    def claim(self, key: str, owner: str, now: float, until: float, *, exists: bool) -> bool:
        """Take the key's lease unless another live one is held or a fresh answer is there.

        A key with no row yet (``exists`` false) is claimed by creating its row; the first of
        several workers to do so wins.
        """
        if not exists and self._insert_claim(key, owner, until):
            return True
        with self._writing, self._store.begin() as conn:
            taken = conn.execute(
                update(storefront_cache)
                .where(
                    T.key == key,
                    T.claim_until.is_(None) | (T.claim_until < now),
                    T.fresh_until.is_(None) | (T.fresh_until <= now),
                )
                .values(claim_owner=owner, claim_until=until)
            ).rowcount
        return bool(taken) or (exists and self._insert_claim(key, owner, until))

    def _insert_claim(self, key: str, owner: str, until: float) -> bool:
        row = {"key": key, "value": None, "claim_owner": owner, "claim_until": until}
        try:
            with self._writing, self._store.begin() as conn:
                conn.execute(insert(storefront_cache).values(updated_at=time.time(), **row))
            return True
        except IntegrityError:  # the row exists: another worker holds it, or it is fresh
            return False

    def write(self, key: str, value: Any, fresh_until: float) -> None:
        """Save an answer (whoever holds the lease: a late answer is still good) and free it."""
        values = {"value": value, "fresh_until": fresh_until, "claim_owner": None,
                  "claim_until": None, "updated_at": time.time()}  # fmt: skip
        with self._writing, self._store.begin() as conn:
            if conn.execute(update(storefront_cache).where(T.key == key).values(**values)).rowcount:
                return
        try:
            with self._writing, self._store.begin() as conn:
                conn.execute(insert(storefront_cache).values(key=key, **values))
        except IntegrityError:
            with self._writing, self._store.begin() as conn:
                conn.execute(update(storefront_cache).where(T.key == key).values(**values))

    def release(self, key: str, owner: str) -> None:
        """Give the lease back if ``owner`` still holds it (its call failed)."""
        with self._writing, self._store.begin() as conn:
            conn.execute(
                update(storefront_cache)
                .where(T.key == key, T.claim_owner == owner)
                .values(claim_owner=None, claim_until=None)
            )

    def clear(self) -> None:
        """Forget every answer (the next page asks Flexiti again)."""
        with self._store.begin() as conn:
            conn.execute(delete(storefront_cache))
