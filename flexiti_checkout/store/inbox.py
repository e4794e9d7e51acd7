"""The callback inbox: every delivery from Flexiti, stored before anything else happens.

A delivery is stored already redacted of personal data. It counts as processed once the refresh
it triggered ran; one that failed upstream stays unprocessed for ``flask flexiti replay``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update

from flexiti_checkout.store.repository import Store, new_id
from flexiti_checkout.store.tables import deliveries


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
        }  # fmt: skip
        if settled_outcome is not None:
            values.update(processed_at=now, outcome=settled_outcome, attempts=1)
        with self.store.begin() as conn:
            values["id"] = new_id(conn.execute(insert(deliveries).values(**values)))
        return Delivery(values)

    def get(self, delivery_id: int) -> Delivery:
        """One stored delivery by id."""
        with self.store.begin() as conn:
            row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).one()
        return Delivery(row._mapping)

    def finish_delivery(self, delivery_id: int, *, outcome: str, error: str | None = None) -> None:
        """Record an attempt to process a delivery; with no ``error`` it counts as processed."""
        values: dict[str, Any] = {
            "attempts": deliveries.c.attempts + 1,
            "outcome": outcome,
            "last_error": error,
        }
        if error is None:
            values["processed_at"] = self.store.clock()
        with self.store.begin() as conn:
            conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))

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
