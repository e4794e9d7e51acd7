"""Refunds in the store: each written before Flexiti is called, never more than the order's amount.

``request`` is one transaction that first takes the order row's write lock (an UPDATE of the row:
SQLite then holds the database's write lock, PostgreSQL the row's), then sums the live refunds
(requested, succeeded, unknown), then inserts the new one. However many requests race, each sees
the ones committed before it, so the total never passes the order's amount; a repeated
idempotency key finds its refund instead of making another.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from flexiti_checkout.errors import (
    IdempotencyKeyReusedError,
    OrderStateError,
    RefundTooLargeError,
    UnknownOrderError,
)
from flexiti_checkout.models import LIVE_REFUNDS, Order, OrderStatus, Refund, RefundStatus, utc
from flexiti_checkout.store.repository import Store, new_id
from flexiti_checkout.store.tables import order_from_row, orders, refunds, storable_key

_r = refunds.c
_LIVE = [status.value for status in LIVE_REFUNDS]
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Requested:
    """What ``request`` did: the order, its refund, and whether this call created it."""

    order: Order
    refund: Refund
    created: bool


class RefundStore:
    """Reads and writes of the refunds table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def request(
        self,
        merchant_order_id: str,
        *,
        amount: Decimal | None,
        idempotency_key: str,
        reason: str,
        actor: str,
        reference_id: str,
        allowed: Iterable[OrderStatus],
    ) -> Requested:
        """Write a ``requested`` refund of ``amount`` (None: all that remains), or find the one
        this idempotency key already made.

        Raises ``UnknownOrderError``, ``OrderStateError`` (status not in ``allowed``),
        ``RefundTooLargeError`` (naming what remains) and ``IdempotencyKeyReusedError`` (same key,
        another amount).
        """
        if not storable_key(merchant_order_id):  # no order can have it; PostgreSQL would raise
            raise UnknownOrderError(f"No order has merchant order id {merchant_order_id!r}")
        now = self.store.clock()
        with self.store.begin() as conn:
            locked = conn.execute(
                update(orders)
                .where(orders.c.merchant_order_id == merchant_order_id)
                .values(version=orders.c.version)  # changes nothing; takes the write lock
            ).rowcount
            if locked != 1:
                raise UnknownOrderError(f"No order has merchant order id {merchant_order_id!r}")
            row = conn.execute(
                select(orders).where(orders.c.merchant_order_id == merchant_order_id)
            ).one()
            order = order_from_row(row)
            existing = conn.execute(
                select(refunds).where(
                    _r.order_id == order.id, _r.idempotency_key == idempotency_key
                )
            ).first()
            if existing is not None:
                found = refund_from_row(existing)
                if (amount is None) != found.full or (
                    amount is not None and amount != found.amount
                ):
                    asked = "all that remains" if amount is None else f"{amount}"
                    raise IdempotencyKeyReusedError(
                        f"Idempotency key {idempotency_key!r} was used for a refund of "
                        f"{'all that remained' if found.full else found.amount} on order "
                        f"{merchant_order_id}, not {asked}"
                    )
                return Requested(order, found, False)
            if order.status not in set(allowed) and order.status is not OrderStatus.REFUNDED:
                raise OrderStateError(
                    f"Order {merchant_order_id} is {order.status}: only "
                    f"{' or '.join(sorted(s.value for s in allowed))} orders can be refunded"
                )
            remaining = order.amount - _live_total(conn, order)
            if order.status is OrderStatus.REFUNDED:
                remaining = ZERO  # a full return took what Flexiti had, whatever our sum says
            if (remaining <= 0) if amount is None else (amount > remaining):
                raise RefundTooLargeError(
                    f"Order {merchant_order_id} has {max(remaining, ZERO)} left to refund"
                    + ("" if amount is None else f"; {amount} is more than that"),
                    remaining=max(remaining, ZERO),
                )
            refund_id = new_id(
                conn.execute(
                    insert(refunds).values(
                        order_id=order.id, merchant_order_id=merchant_order_id,
                        idempotency_key=idempotency_key,
                        amount=remaining if amount is None else amount, full=amount is None,
                        reason=reason, actor=actor, status=RefundStatus.REQUESTED.value,
                        reference_id=reference_id, answer={}, created_at=now, updated_at=now,
                    )
                )
            )  # fmt: skip
            created = refund_from_row(conn.execute(select(refunds).where(_r.id == refund_id)).one())
        return Requested(order, created, True)

    def mark(
        self,
        conn: Connection,
        refund: Refund,
        status: RefundStatus,
        *,
        answer: dict[str, Any] | None = None,
        error: str | None = None,
        from_statuses: Iterable[RefundStatus] = (RefundStatus.REQUESTED,),
    ) -> bool:
        """Settle ``refund`` on ``conn`` if it is still in one of ``from_statuses``."""
        now = self.store.clock()
        values: dict[str, Any] = {"status": status.value, "updated_at": now, "error": error}
        if answer is not None:
            values["answer"] = answer
        if status is not RefundStatus.UNKNOWN:
            values["settled_at"] = now
        done = conn.execute(
            update(refunds)
            .where(_r.id == refund.id, _r.status.in_([s.value for s in from_statuses]))
            .values(**values)
        ).rowcount
        return done == 1

    def settle(
        self,
        refund: Refund,
        status: RefundStatus,
        *,
        answer: dict[str, Any] | None = None,
        error: str | None = None,
        from_statuses: Iterable[RefundStatus] = (RefundStatus.REQUESTED,),
    ) -> bool:
        """Mark ``refund`` failed or unknown without moving its order (a succeeded refund goes
        with the order's transition, or here when the order cannot move any more).

        A refund that did not succeed runs the store's ``refund_hooks`` in the same transaction.
        """
        follow_ups = []
        with self.store.begin() as conn:
            if not self.mark(
                conn, refund, status, answer=answer, error=error, from_statuses=from_statuses
            ):
                return False
            if status is not RefundStatus.SUCCEEDED and self.store.refund_hooks:
                order = order_from_row(
                    conn.execute(
                        select(orders).where(orders.c.merchant_order_id == refund.merchant_order_id)
                    ).one()
                )
                settled = refund_from_row(
                    conn.execute(select(refunds).where(_r.id == refund.id)).one()
                )
                for hook in self.store.refund_hooks:
                    follow_up = hook(conn, order, settled)
                    if follow_up is not None:
                        follow_ups.append(follow_up)
        for follow_up in follow_ups:
            follow_up()
        return True

    def get(self, refund_id: int) -> Refund | None:
        with self.store.begin() as conn:
            row = conn.execute(select(refunds).where(_r.id == refund_id)).first()
        return None if row is None else refund_from_row(row)

    def for_order(self, merchant_order_id: str) -> list[Refund]:
        """The refunds of one order, oldest first."""
        if not storable_key(merchant_order_id):
            return []
        with self.store.begin() as conn:
            rows = conn.execute(
                select(refunds).where(_r.merchant_order_id == merchant_order_id).order_by(_r.id)
            ).all()
        return [refund_from_row(row) for row in rows]

    def with_refunds(self, order: Order) -> dict[str, Any]:
        """``order_with_refunds`` of ``order``, its refunds read now."""
        return order_with_refunds(order, self.for_order(order.merchant_order_id))

    def in_status(self, status: RefundStatus, *, limit: int = 1000) -> list[Refund]:
        """Refunds in ``status``, oldest first (``unknown`` ones for the reconciler)."""
        with self.store.begin() as conn:
            rows = conn.execute(
                select(refunds).where(_r.status == status.value).order_by(_r.id).limit(limit)
            ).all()
        return [refund_from_row(row) for row in rows]


def refunds_on(conn: Connection, order_id: int) -> list[Refund]:
    """The refunds of an order, read inside the caller's transaction (webhook bodies)."""
    rows = conn.execute(select(refunds).where(_r.order_id == order_id).order_by(_r.id)).all()
    return [refund_from_row(row) for row in rows]


def refundable(order: Order, found: Iterable[Refund]) -> Decimal:
    """What remains refundable: the order's amount less its live refunds (never below zero)."""
    if order.status not in (OrderStatus.APPROVED, OrderStatus.PARTIALLY_REFUNDED):
        return ZERO
    live = sum((refund.amount for refund in found if refund.is_live), ZERO)
    return max(order.amount - live, ZERO)


def order_with_refunds(order: Order, found: Sequence[Refund]) -> dict[str, Any]:
    """The order as the API answers it and the webhooks carry it: its fields, its refunds
    (``found``, oldest first) and what remains refundable, for ``order_json.OrderSchema``."""
    fields: dict[str, Any] = {name: getattr(order, name) for name in order.__dataclass_fields__}
    fields.update(refunds=list(found), refundable=refundable(order, found))
    return fields


def _live_total(conn: Connection, order: Order) -> Decimal:
    # Summed here, not in SQL: amounts are exact text, which SQL would add as floats.
    amounts = conn.execute(
        select(_r.amount).where(_r.order_id == order.id, _r.status.in_(_LIVE))
    ).scalars()
    return sum(amounts, ZERO)


def refund_from_row(row: Any) -> Refund:
    return Refund(
        id=row.id,
        merchant_order_id=row.merchant_order_id,
        amount=row.amount,
        full=bool(row.full),
        status=RefundStatus(row.status),
        idempotency_key=row.idempotency_key,
        reference_id=row.reference_id,
        reason=row.reason,
        actor=row.actor,
        answer=row.answer or {},
        error=row.error,
        created_at=utc(row.created_at),
        settled_at=utc(row.settled_at),
    )


__all__ = [
    "RefundStore",
    "Requested",
    "order_with_refunds",
    "refund_from_row",
    "refundable",
    "refunds_on",
]
