"""The callback inbox: every delivery from Flexiti, stored before anything else happens.

A delivery is stored already redacted of personal data, due at once (``next_attempt_at``). It
counts as processed once the refresh it triggered ran; one that failed upstream is due again
later, and after its last try stays unprocessed for ``flask flexiti replay``. Workers take due
deliveries with a lease on the row, so two of them never process one at once; a worker that dies
mid-processing leaves a lease that simply runs out, and another worker takes the delivery.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.sql import ColumnElement

from flexiti_checkout.store.leases import LeaseKeeper, claim, claim_due, free, next_ready
from flexiti_checkout.store.repository import Store, new_id
from flexiti_checkout.store.tables import deliveries

_d = deliveries.c


class Delivery:
    """One stored callback delivery."""

    def __init__(self, row: Any) -> None:
        self.id: int = row["id"]
        self.received_at: float = row["received_at"]
        self.method: str = row["method"]
        self.remote_addr: str | None = row["remote_addr"]
        self.payload: Any = row["payload"]
        self.identifiers: dict[str, str] = row["identifiers"] or {}
        self.processed_at: float | None = row["processed_at"]
        self.attempts: int = row["attempts"]
        self.outcome: str | None = row["outcome"]
        self.last_error: str | None = row["last_error"]
        self.next_attempt_at: float | None = row.get("next_attempt_at")
        self.lease_owner: str | None = row.get("lease_owner")


#: One statement for every delivery, its values bound apart: compiled once, not per callback.
_ADD = insert(deliveries)


class Inbox:
    """Reads and writes of stored callback deliveries."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add_delivery(
        self,
        *,
        method: str,
        remote_addr: str | None,
        content_type: str | None,
        payload: Any,
        identifiers: dict[str, str],
        settled_outcome: str | None = None,
    ) -> Delivery:
        """Store one callback delivery (already redacted) and return it.

        ``settled_outcome`` stores it as already processed, for a delivery about an order that
        has ended: there is nothing left to look up, so one write is all it costs.
        """
        now = self.store.clock()
        values: dict[str, Any] = {
            "received_at": now, "method": method, "remote_addr": remote_addr,
            "content_type": content_type, "payload": payload, "identifiers": identifiers,
            "attempts": 0, "processed_at": None, "outcome": None, "last_error": None,
            "next_attempt_at": now,
        }  # fmt: skip
        if settled_outcome is not None:
            values.update(
                processed_at=now, outcome=settled_outcome, attempts=1, next_attempt_at=None
            )
        with self.store.begin() as conn:
            values["id"] = new_id(conn.execute(_ADD, values))
        return Delivery(values)

    def get(self, delivery_id: int) -> Delivery:
        """One stored delivery by id."""
        with self.store.begin() as conn:
            row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).one()
        return Delivery(row._mapping)

    def finish_delivery(
        self,
        delivery_id: int,
        *,
        outcome: str,
        error: str | None = None,
        retry_at: float | None = None,
        owner: str | None = None,
    ) -> bool:
        """Record an attempt to process a delivery and release its lease.

        With no ``error`` it counts as processed; with one it is due again at ``retry_at``
        (``None``: only a replay tries it again). With an ``owner``, only while that owner still
        holds the lease: false if it ran out and another worker took the delivery meanwhile.
        """
        values: dict[str, Any] = {
            "attempts": _d.attempts + 1,
            "outcome": outcome,
            "last_error": error,
            "next_attempt_at": None if error is None else retry_at,
            "lease_owner": None,
            "lease_until": None,
        }
        if error is None:
            values["processed_at"] = self.store.clock()
        where = [_d.id == delivery_id]
        if owner is not None:
            where.append(_d.lease_owner == owner)
        with self.store.begin() as conn:
            done = conn.execute(update(deliveries).where(*where).values(**values)).rowcount
        return done == 1

    def claim_due(self, owner: str, *, now: float, lease: float, limit: int = 1) -> list[Delivery]:
        """Lease up to ``limit`` unprocessed deliveries that are due and leased by no one else,
        the longest waiting first."""
        rows = claim_due(self.store, deliveries, _due(now), (_d.next_attempt_at, _d.id), owner,
                         now=now, lease=lease, limit=limit)  # fmt: skip
        return [Delivery(row._mapping) for row in rows]

    def claim(self, delivery_id: int, owner: str, *, now: float, lease: float) -> bool:
        """Lease one delivery whatever its schedule (a replay), unless a worker holds it."""
        return claim(self.store, deliveries, delivery_id, owner, now=now, lease=lease)

    def keeper(self, delivery_id: int, owner: str, lease: float) -> LeaseKeeper:
        """What keeps ``owner``'s lease on a delivery while a long search goes on."""
        return LeaseKeeper(self.store, deliveries, delivery_id, owner, lease)

    def next_due(self) -> float | None:
        """When the earliest unprocessed delivery can be taken (due, its lease run out)."""
        waiting = _d.processed_at.is_(None) & _d.next_attempt_at.is_not(None)
        return next_ready(self.store, deliveries, waiting)

    def outstanding(self, now: float, within: float = 0.0) -> int:
        """How many deliveries are being processed (a lease not run out), or are due now or
        ``within`` seconds from now."""
        waiting = _d.processed_at.is_(None)
        working = waiting & (_d.lease_until > now)
        soon = waiting & (_d.next_attempt_at <= now + within)
        query = select(func.count()).select_from(deliveries).where(soon | working)
        with self.store.begin() as conn:
            return int(conn.execute(query).scalar_one())

    def received_since(self, since: float) -> int:
        """How many deliveries arrived at ``since`` or later."""
        query = select(func.count()).select_from(deliveries).where(_d.received_at >= since)
        with self.store.begin() as conn:
            return int(conn.execute(query).scalar_one())

    def deliveries(self, *, unprocessed_only: bool = True, limit: int = 1000) -> list[Delivery]:
        """Stored deliveries, oldest first."""
        query = select(deliveries).order_by(deliveries.c.id).limit(limit)
        if unprocessed_only:
            query = query.where(deliveries.c.processed_at.is_(None))
        with self.store.begin() as conn:
            rows = conn.execute(query).all()
        return [Delivery(row._mapping) for row in rows]

    def count_deliveries(self) -> int:
        with self.store.begin() as conn:
            return int(conn.execute(select(func.count()).select_from(deliveries)).scalar_one())


def _due(now: float) -> ColumnElement[bool]:
    return _d.processed_at.is_(None) & (_d.next_attempt_at <= now) & free(deliveries, now)
