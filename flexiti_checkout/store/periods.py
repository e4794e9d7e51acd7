"""Orders and refunds made within a period, oldest first: what the console's export reads.

The period is two instants (epoch seconds, the store's clock), the start included and the end
not; the orders' ``created_at`` index serves it. Rows come in batches so an export of a busy
year never holds every order in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from flexiti_checkout.models import Order, Refund
from flexiti_checkout.store.refunds import refund_from_row
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import order_from_row, orders, refunds

BATCH = 500


def orders_between(store: Store, start: float, end: float) -> Iterator[Order]:
    """Orders created at ``start`` or later and before ``end``, oldest first."""
    after: tuple[float, int] | None = None
    c = orders.c
    while True:
        query = select(orders).where(c.created_at >= start, c.created_at < end)
        if after is not None:
            query = query.where((c.created_at > after[0]) | (
                (c.created_at == after[0]) & (c.id > after[1])))  # fmt: skip
        with store.begin() as conn:
            rows = conn.execute(query.order_by(c.created_at, c.id).limit(BATCH)).all()
        yield from (order_from_row(row) for row in rows)
        if len(rows) < BATCH:
            return
        after = (rows[-1].created_at, rows[-1].id)


def refunds_between(store: Store, start: float, end: float) -> Iterator[Refund]:
    """Refunds asked for at ``start`` or later and before ``end``, oldest first."""
    after = 0
    c = refunds.c
    while True:
        query = select(refunds).where(c.created_at >= start, c.created_at < end, c.id > after)
        with store.begin() as conn:
            rows = conn.execute(query.order_by(c.id).limit(BATCH)).all()
        yield from (refund_from_row(row) for row in rows)
        if len(rows) < BATCH:
            return
        after = rows[-1].id
