"""The admin console's order list: a page of orders and a count that cost the same at any size.

Orders are listed newest first (``created_at``, then ``id``). A page is found from the one before
it by keyset (the last order it showed, ``Cursor``), never by an offset, and the indexes of
revision 0007 serve the order with or without a status filter: so a page is a short index range
however many orders the store holds and however deep the page. The count stops at
``COUNT_CAP``: past it the console says "10,000+" instead of counting the whole table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, false, func, literal, or_, select, tuple_

from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.store.repository import Store, order_from_row, orders_where
from flexiti_checkout.store.tables import orders

#: Matching orders counted at most; beyond this a page says "10,000+".
COUNT_CAP = 10_000
C = orders.c
#: Sorts after any character an order number holds: ``text + _LAST`` ends the numbers that
#: begin with ``text``.
_LAST = "\U0010ffff"
_CURSOR = re.compile(r"(\d{1,12}(?:\.\d{1,9})?)_(\d{1,18})")


@dataclass(frozen=True)
class Cursor:
    """Where a page starts or ends: an order's creation time and id (``"<created_at>_<id>"``)."""

    created_at: float
    id: int

    def __str__(self) -> str:
        return f"{self.created_at!r}_{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor in ``text``, or ``None`` for anything else (a page link is outside input)."""
        match = _CURSOR.fullmatch(text or "")
        return cls(float(match[1]), int(match[2])) if match else None

    @classmethod
    def of(cls, row: Any) -> Cursor:
        """The cursor of an order's row (its stored time, exactly)."""
        return cls(row.created_at, row.id)


@dataclass(frozen=True)
class OrderPage:
    """A page of orders, newest first, with how many match (at most ``COUNT_CAP``, ``capped``
    when there are more) and the cursors of the pages around it (``None``: there is none)."""

    orders: list[Order]
    total: int
    capped: bool
    older: Cursor | None
    newer: Cursor | None


def search_orders(
    store: Store,
    *,
    status: OrderStatus | None = None,
    text: str = "",
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
    limit: int = 50,
) -> OrderPage:
    """The page of orders matching ``status`` and ``text`` after ``older_than`` (going back in
    time) or before ``newer_than`` (coming back); the newest when neither is given.

    ``text`` matches the beginning of a merchant order id (all of it, or its first characters),
    or a whole Flexiti order id.
    """
    matching = _matching(status, text)
    key = tuple_(C.created_at, C.id)
    if newer_than is not None:
        query = matching.where(key > tuple_(newer_than.created_at, newer_than.id))
        query = query.order_by(C.created_at.asc(), C.id.asc())
    else:
        if older_than is not None:
            query = matching.where(key < tuple_(older_than.created_at, older_than.id))
        else:
            query = matching
        query = query.order_by(C.created_at.desc(), C.id.desc())
    counted = select(func.count()).select_from(
        matching.with_only_columns(literal(1), maintain_column_froms=True)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    with store.begin() as conn:
        rows = conn.execute(query.limit(limit + 1)).all()
        total = int(conn.execute(counted).scalar_one())
    shown, beyond = list(rows[:limit]), len(rows) > limit  # beyond: a page further that way
    if newer_than is not None:
        shown.reverse()
        older, newer = _edge(shown, -1), (_edge(shown, 0) if beyond else None)
    else:
        older = _edge(shown, -1) if beyond else None
        newer = _edge(shown, 0) if older_than is not None else None
    found = [order_from_row(row) for row in shown]
    return OrderPage(found, min(total, COUNT_CAP), total > COUNT_CAP, older, newer)


def _matching(status: OrderStatus | None, text: str) -> Select[Any]:
    query = select(orders)
    if "\x00" in text:  # no database stores it (PostgreSQL refuses it in a query): no order has it
        return query.where(false())
    if status is not None:
        query = query.where(C.status == status.value)
    if text:  # ranges of the two ids' own indexes, not a scan of every order
        query = query.where(
            or_(
                and_(C.merchant_order_id >= text, C.merchant_order_id < text + _LAST),
                C.online_order_id == text,
            )
        )
    return query


def count_in(
    store: Store,
    statuses: tuple[OrderStatus, ...],
    *,
    entered_before: float | None = None,
    cap: int,
) -> int:
    """How many orders ``Store.orders_in`` would find, counting at most ``cap`` of them: a count
    that reads an index range, not every matching order whole (the console's home)."""
    matching = orders_where(select(literal(1)).select_from(orders), statuses, entered_before, None)
    counted = select(func.count()).select_from(matching.limit(cap).subquery())
    with store.begin() as conn:
        return int(conn.execute(counted).scalar_one())


def _edge(rows: list[Any], index: int) -> Cursor | None:
    return Cursor.of(rows[index]) if rows else None


__all__ = ["COUNT_CAP", "Cursor", "OrderPage", "count_in", "search_orders"]
