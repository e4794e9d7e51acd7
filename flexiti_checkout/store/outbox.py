"""The webhook outbox: events for the shop, written in the transaction of the transition.

An event is ``pending`` until an attempt gets a 2xx (``delivered``) or its retries run out
(``failed``). Workers take due events with a lease on the row, so two of them never send the same
attempt at once; a worker that dies mid-send leaves a lease that simply runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from flexiti_checkout.store.leases import claim, claim_due, free, next_ready
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import storable_key, webhook_outbox

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATES = (PENDING, DELIVERED, FAILED)

_t = webhook_outbox.c


@dataclass(frozen=True)
class OutboxEvent:
    """One webhook event and how its delivery is going."""

    id: int
    event_id: str
    event_type: str
    merchant_order_id: str
    body: str
    created_at: float
    status: str
    attempts: int
    next_attempt_at: float | None
    last_attempt_at: float | None
    last_result: str | None
    delivered_at: float | None

    @classmethod
    def from_row(cls, row: Any) -> OutboxEvent:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class Outbox:
    """Reads and writes of the outbox table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        conn: Connection,
        *,
        event_id: str,
        event_type: str,
        order_id: int,
        merchant_order_id: str,
        body: str,
        now: float,
    ) -> None:
        """Write a new event on ``conn``, inside the caller's transaction; due at once."""
        conn.execute(
            insert(webhook_outbox).values(
                event_id=event_id, event_type=event_type, order_id=order_id,
                merchant_order_id=merchant_order_id, body=body, created_at=now, status=PENDING,
                attempts=0, next_attempt_at=now,
            )
        )  # fmt: skip

    def claim_due(
        self, owner: str, *, now: float, lease: float, limit: int = 20
    ) -> list[OutboxEvent]:
        """Lease up to ``limit`` pending events that are due and not leased by anyone else."""
        due = (_t.status == PENDING) & (_t.next_attempt_at <= now) & free(webhook_outbox, now)
        rows = claim_due(self.store, webhook_outbox, due, (_t.next_attempt_at, _t.id), owner,
                         now=now, lease=lease, limit=limit)  # fmt: skip
        return [OutboxEvent.from_row(row._mapping) for row in rows]

    def claim(self, event: OutboxEvent, owner: str, *, now: float, lease: float) -> bool:
        """Lease one event whatever its status (a replay), unless another worker holds it."""
        return claim(self.store, webhook_outbox, event.id, owner, now=now, lease=lease)

    def finish(
        self,
        event: OutboxEvent,
        owner: str,
        *,
        now: float,
        result: str,
        delivered: bool,
        retry_at: float | None,
    ) -> bool:
        """Record one attempt and release the lease; false if the lease was lost meanwhile.

        Not delivered and no ``retry_at`` means the event has failed for good.
        """
        values: dict[str, Any] = {
            "attempts": _t.attempts + 1,
            "last_attempt_at": now,
            "last_result": result[:64],
            "lease_owner": None,
            "lease_until": None,
        }
        if delivered:
            values.update(status=DELIVERED, delivered_at=now, next_attempt_at=None)
        elif retry_at is None:
            values.update(status=FAILED, next_attempt_at=None)
        else:
            values.update(status=PENDING, next_attempt_at=retry_at)
        with self.store.begin() as conn:
            done = conn.execute(
                update(webhook_outbox)
                .where(_t.id == event.id, _t.lease_owner == owner)
                .values(**values)
            ).rowcount
        return done == 1

    def get(self, ident: str | int) -> OutboxEvent | None:
        """One event by its row id or its ``webhook-id``."""
        text = str(ident)
        if not storable_key(text):
            return None
        where = _t.id == int(text) if text.isdigit() else _t.event_id == text
        with self.store.begin() as conn:
            row = conn.execute(select(webhook_outbox).where(where)).first()
        return None if row is None else OutboxEvent.from_row(row._mapping)

    def events(
        self,
        statuses: tuple[str, ...] = (PENDING, FAILED),
        *,
        merchant_order_id: str | None = None,
        limit: int = 1000,
    ) -> list[OutboxEvent]:
        """Events with one of ``statuses``, oldest first."""
        query = select(webhook_outbox).where(_t.status.in_(statuses)).order_by(_t.id).limit(limit)
        if merchant_order_id is not None:
            query = query.where(_t.merchant_order_id == merchant_order_id)
        with self.store.begin() as conn:
            rows = conn.execute(query).all()
        return [OutboxEvent.from_row(row._mapping) for row in rows]

    def next_due(self) -> float | None:
        """When the earliest pending event can be sent (due, and its lease run out), if any."""
        return next_ready(self.store, webhook_outbox, _t.status == PENDING)
