"""Leases on rows of work (webhook events, callback deliveries): one worker at a time per row.

A worker takes due rows by writing its ``lease_owner`` and a ``lease_until``; a row whose lease
has run out is free again, so work a dead worker held is taken by another, and two workers never
hold one row at once. Work that may outlast its lease (a search at a very slow Flexiti) keeps it
with a ``LeaseKeeper``. The table needs ``id``, ``lease_owner`` and ``lease_until`` columns.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import ColumnElement, Table, case, func, select, update

from flexiti_checkout.store.repository import Store


def free(table: Table, now: float) -> ColumnElement[bool]:
    """Rows nobody holds at ``now`` (never leased, or the lease ran out)."""
    return table.c.lease_until.is_(None) | (table.c.lease_until <= now)


def claim_due(
    store: Store,
    table: Table,
    due: ColumnElement[bool],
    order_by: tuple[Any, ...],
    owner: str,
    *,
    now: float,
    lease: float,
    limit: int,
) -> list[Any]:
    """Lease up to ``limit`` rows that are ``due`` (which must include ``free``); their rows.

    The due rows are read first: finding none, as an idle worker mostly does, writes nothing (on
    SQLite a write waits for every other writer, the callback view's inserts among them).
    """
    batch = select(table.c.id).where(due).order_by(*order_by).limit(limit)
    with store.begin() as conn:
        found = list(conn.execute(batch).scalars())
        if not found:
            return []
        # ``due`` again on the UPDATE: a worker racing us re-checks it on rows we just read.
        conn.execute(
            update(table)
            .where(table.c.id.in_(found), due)
            .values(lease_owner=owner, lease_until=now + lease)
        )
        return list(
            conn.execute(
                select(table).where(table.c.lease_owner == owner).order_by(table.c.id)
            ).all()
        )


def claim(store: Store, table: Table, row_id: int, owner: str, *, now: float, lease: float) -> bool:
    """Lease one row whatever its schedule (a replay), unless another worker holds it."""
    with store.begin() as conn:
        taken = conn.execute(
            update(table)
            .where(table.c.id == row_id, free(table, now))
            .values(lease_owner=owner, lease_until=now + lease)
        ).rowcount
    return taken == 1


def next_ready(store: Store, table: Table, waiting: ColumnElement[bool]) -> float | None:
    """When the earliest ``waiting`` row is due and free (its ``next_attempt_at``, or later
    when a lease outlasts it), if any."""
    c = table.c
    ready_at = case((c.lease_until > c.next_attempt_at, c.lease_until), else_=c.next_attempt_at)
    with store.begin() as conn:
        value = conn.execute(select(func.min(ready_at)).where(waiting)).scalar()
    return None if value is None else float(value)


class LeaseKeeper:
    """Keeps ``owner``'s lease on one row while the work goes on: ``keep()``, called now and
    then (before each lookup), extends it by ``lease`` once half of it has passed."""

    def __init__(self, store: Store, table: Table, row_id: int, owner: str, lease: float) -> None:
        self.store = store
        self.table = table
        self.row_id = row_id
        self.owner = owner
        self.lease = lease
        self._renewed_at = store.clock()
        self._lock = threading.Lock()

    def keep(self) -> bool:
        """Extend the lease if it is half gone; false once another worker holds the row."""
        now = self.store.clock()
        with self._lock:
            if now - self._renewed_at < self.lease / 2:
                return True
            c = self.table.c
            with self.store.begin() as conn:
                kept = conn.execute(
                    update(self.table)
                    .where(c.id == self.row_id, c.lease_owner == self.owner)
                    .values(lease_until=now + self.lease)
                ).rowcount
            self._renewed_at = now
            return kept == 1
