"""Long lists: the reconciler's orders and replay's deliveries, newest first; and the prune.

A sweep may meet thousands of rows; each page is one short query that continues below the last
row of the page before (by its sort key, not an offset), so rows that leave the list meanwhile,
an order settled or a delivery processed, never make a sweep skip or repeat another. The prune
deletes what has done its work: processed deliveries, delivered webhook events and dead tokens.
Orders and their history are never pruned.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select

from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.store.inbox import Delivery
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import (
    deliveries,
    order_from_row,
    orders,
    storefront_cache,
    tokens,
    webhook_outbox,
)
from flexiti_checkout.store.throttle import lookup_allowed, lookup_allowed_from

#: Rows per query: small enough for short transactions, large enough to cost few round trips.
PAGE = 200


def _orders_where(
    statuses: tuple[OrderStatus, ...], entered_before: float | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [orders.c.status.in_([status.value for status in statuses])]
    if entered_before is not None:
        where.append(orders.c.status_at <= entered_before)
    return where


def count_orders(
    store: Store,
    statuses: tuple[OrderStatus, ...],
    *,
    entered_before: float | None = None,
    entered_after: float | None = None,
) -> int:
    """How many orders have one of ``statuses`` (entered by ``entered_before``, since
    ``entered_after``)."""
    where = _orders_where(statuses, entered_before)
    if entered_after is not None:
        where.append(orders.c.status_at >= entered_after)
    query = select(func.count()).select_from(orders).where(*where)
    with store.begin() as conn:
        return int(conn.execute(query).scalar_one())


@dataclass(frozen=True)
class Throttled:
    """Orders the lookup throttle holds back: how many, and when the first is let through."""

    count: int
    soonest: float | None


def throttled_orders(
    store: Store,
    statuses: tuple[OrderStatus, ...],
    *,
    entered_after: float,
    now: float,
    news_since: float | None = None,
    news_spacing: float = 0.0,
    recheck: float = 0.0,
    limit: int = PAGE,
) -> Throttled:
    """The orders with one of ``statuses`` since ``entered_after`` that the throttle holds back
    at ``now`` (the newest ``limit`` of them), for a search to know when to try again.

    An order held back by a lookup that started after ``news_since`` and is still under way is
    soon known better than the throttle says: its ``soonest`` is ``recheck`` seconds after that
    lookup started, and never sooner than half of that from ``now`` (a slow Flexiti). One whose
    lookup since the news has finished opens with the throttle: that lookup saw the news.
    """
    where = _orders_where(statuses, None)
    where.append(orders.c.status_at >= entered_after)
    where.append(~lookup_allowed(now, news_since, news_spacing))
    query = (
        select(orders.c.lookup_after, orders.c.lookup_claimed_at, orders.c.checked_at)
        .where(*where)
        .order_by(orders.c.status_at.desc(), orders.c.id.desc())
        .limit(limit)
    )
    with store.begin() as conn:
        rows = conn.execute(query).all()

    def opens(after: float | None, claimed: float | None, checked: float | None) -> float:
        under_way = claimed is not None and (checked is None or checked < claimed)
        if news_since is not None and claimed is not None and claimed >= news_since and under_way:
            return max(claimed + recheck, now + recheck / 2)
        return lookup_allowed_from(after, claimed, news_since, news_spacing)

    soonest = min((opens(*row) for row in rows), default=None)
    return Throttled(len(rows), soonest)


def each_order(
    store: Store,
    statuses: tuple[OrderStatus, ...],
    *,
    entered_before: float | None = None,
    page: int = PAGE,
) -> Iterator[Order]:
    """Every order with one of ``statuses``, the most recent status change first."""
    below: tuple[float, int] | None = None
    while True:
        query = select(orders).where(*_orders_where(statuses, entered_before))
        if below is not None:
            at, ident = below
            query = query.where(
                or_(orders.c.status_at < at, and_(orders.c.status_at == at, orders.c.id < ident))
            )
        query = query.order_by(orders.c.status_at.desc(), orders.c.id.desc()).limit(page)
        with store.begin() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            order = order_from_row(row)
            assert order is not None
            yield order
        if len(rows) < page:
            return
        below = (rows[-1].status_at, rows[-1].id)


def _deliveries_where(unprocessed_only: bool) -> list[ColumnElement[bool]]:
    return [deliveries.c.processed_at.is_(None)] if unprocessed_only else []


def count_deliveries(store: Store, *, unprocessed_only: bool = True) -> int:
    """How many deliveries are stored (by default: not processed yet)."""
    query = select(func.count()).select_from(deliveries).where(*_deliveries_where(unprocessed_only))
    with store.begin() as conn:
        return int(conn.execute(query).scalar_one())


def each_delivery(
    store: Store, *, unprocessed_only: bool = True, page: int = PAGE
) -> Iterator[Delivery]:
    """Every stored delivery (by default: not processed yet), the most recent first."""
    below: int | None = None
    while True:
        query = select(deliveries).where(*_deliveries_where(unprocessed_only))
        if below is not None:
            query = query.where(deliveries.c.id < below)
        query = query.order_by(deliveries.c.id.desc()).limit(page)
        with store.begin() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            yield Delivery(row._mapping)
        if len(rows) < page:
            return
        below = rows[-1].id


@dataclass(frozen=True)
class Pruned:
    """How many rows a prune deleted (or, in a dry run, would delete)."""

    deliveries: int
    webhook_events: int
    tokens: int
    storefront_answers: int


def prune(store: Store, *, before: float, dry_run: bool = False) -> Pruned:
    """Delete what finished before ``before`` (epoch seconds): processed callback deliveries,
    delivered webhook events, token rows expired (or given up) and not being renewed, and the
    storefront's cached answers last written before it (for prices no page shows any more) that
    no worker is refreshing.

    Unprocessed deliveries and undelivered events stay, however old: they are work left to do.
    """
    now = store.clock()
    dead_token = or_(
        tokens.c.expires_at < before,
        and_(tokens.c.expires_at.is_(None), tokens.c.access_token.is_(None)),
    )
    targets: list[tuple[Table, ColumnElement[bool]]] = [
        (deliveries, deliveries.c.processed_at.is_not(None) & (deliveries.c.processed_at < before)),
        (
            webhook_outbox,
            (webhook_outbox.c.status == "delivered") & (webhook_outbox.c.delivered_at < before),
        ),
        (tokens, dead_token & (tokens.c.lease_until.is_(None) | (tokens.c.lease_until < now))),
        (
            storefront_cache,
            (storefront_cache.c.updated_at < before)
            & (storefront_cache.c.claim_until.is_(None) | (storefront_cache.c.claim_until < now)),
        ),
    ]
    counts = []
    with store.begin() as conn:
        for table, condition in targets:
            if dry_run:
                query = select(func.count()).select_from(table).where(condition)
                counts.append(int(conn.execute(query).scalar_one()))
            else:
                counts.append(conn.execute(delete(table).where(condition)).rowcount)
    return Pruned(*counts)
