"""The admin console's audit trail: every action staff take on an order, with who took it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from flexiti_checkout.models import utc
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import admin_actions

#: Longer actor names and outcomes are cut: they are labels for people, not data.
MAX_TEXT = 500


@dataclass(frozen=True)
class AdminAction:
    """One recorded action."""

    at: datetime
    actor: str
    action: str
    merchant_order_id: str
    outcome: str


class AuditLog:
    """Reads and writes of the admin actions."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, *, actor: str, action: str, merchant_order_id: str, outcome: str) -> None:
        """Write one action; called after the action ran, with what it did."""
        values = {
            "at": self._store.clock(),
            "actor": actor[:MAX_TEXT],
            "action": action,
            "merchant_order_id": merchant_order_id,
            "outcome": outcome[:MAX_TEXT],
        }
        with self._store.begin() as conn:
            conn.execute(insert(admin_actions).values(**values))

    def for_order(self, merchant_order_id: str) -> list[AdminAction]:
        """The actions taken on one order, oldest first."""
        query = (
            select(admin_actions)
            .where(admin_actions.c.merchant_order_id == merchant_order_id)
            .order_by(admin_actions.c.id)
        )
        with self._store.begin() as conn:
            rows = conn.execute(query).all()
        return [
            AdminAction(
                at=utc(row.at) or datetime.min,
                actor=row.actor,
                action=row.action,
                merchant_order_id=row.merchant_order_id,
                outcome=row.outcome,
            )
            for row in rows
        ]
