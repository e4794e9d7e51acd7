"""Gauges that are facts of the store, read when Prometheus scrapes: every process agrees.

The callback backlog and its oldest delivery's age, webhook events pending (and the oldest's age)
or failed, refunds by state, orders by status and those past their expected time. A few counting
queries on indexed columns per scrape.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from flexiti_checkout.models import OrderStatus, RefundStatus
from flexiti_checkout.store.outbox import FAILED, PENDING
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import deliveries, orders, refunds, webhook_outbox


class StoreCollector(Collector):
    """The store's gauges. An order is overdue when pending past ``pending_expiry`` (the
    reconciler should have expired it) or still ``created`` past ``init_timeout``."""

    def __init__(self, store: Store, *, pending_expiry: float, init_timeout: float) -> None:
        self.store = store
        self.pending_expiry = pending_expiry
        self.init_timeout = init_timeout

    def collect(self) -> Iterator[Metric]:
        now = self.store.clock()
        waiting = deliveries.c.processed_at.is_(None)
        pending = webhook_outbox.c.status == PENDING
        overdue = (
            (orders.c.status == OrderStatus.PENDING.value)
            & (orders.c.status_at < now - self.pending_expiry)
        ) | (
            (orders.c.status == OrderStatus.CREATED.value)
            & (orders.c.status_at < now - self.init_timeout)
        )
        with self.store.begin() as conn:
            backlog, oldest = conn.execute(
                select(func.count(), func.min(deliveries.c.received_at)).where(
                    and_(waiting, deliveries.c.next_attempt_at.is_not(None))
                )
            ).one()
            left = conn.execute(
                select(func.count()).where(waiting, deliveries.c.next_attempt_at.is_(None))
            ).scalar_one()
            events = _counts(conn, webhook_outbox.c.status)
            oldest_event = conn.execute(
                select(func.min(webhook_outbox.c.created_at)).where(pending)
            ).scalar()
            by_state = _counts(conn, refunds.c.status)
            by_status = _counts(conn, orders.c.status)
            late = conn.execute(select(func.count()).where(overdue)).scalar_one()
        yield _gauge(
            "flexiti_callback_backlog",
            "Stored callbacks not processed yet that the workers will still try",
            backlog,
        )
        yield _gauge(
            "flexiti_callback_backlog_oldest_age_seconds",
            "Age of the oldest callback in the backlog (0 when there is none)",
            0.0 if oldest is None else max(0.0, now - oldest),
        )
        yield _gauge(
            "flexiti_callbacks_left_for_replay",
            "Stored callbacks whose retries ran out: flask flexiti replay",
            left,
        )
        yield _gauge(
            "flexiti_webhooks_pending", "Webhook events not delivered yet", events.get(PENDING, 0)
        )
        yield _gauge(
            "flexiti_webhooks_failed",
            "Webhook events that gave up: flask flexiti webhooks --replay-failed",
            events.get(FAILED, 0),
        )
        yield _gauge(
            "flexiti_webhooks_oldest_pending_age_seconds",
            "Age of the oldest pending webhook event (0 when there is none)",
            0.0 if oldest_event is None else max(0.0, now - oldest_event),
        )
        yield _labelled(
            "flexiti_refunds",
            "Refunds by state (unknown: a person must check)",
            "state",
            [s.value for s in RefundStatus],
            by_state,
        )
        yield _labelled(
            "flexiti_orders",
            "Orders by status",
            "status",
            [s.value for s in OrderStatus],
            by_status,
        )
        yield _gauge("flexiti_orders_overdue",
                     "Orders pending past FLEXITI_PENDING_EXPIRY or stuck starting",
                     late)  # fmt: skip


def _counts(conn: Connection, column: ColumnElement[str]) -> dict[str, int]:
    """How many rows have each value of ``column``."""
    return {
        found: count for found, count in conn.execute(select(column, func.count()).group_by(column))
    }


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))


def _labelled(
    name: str, documentation: str, label: str, values: list[str], counts: dict[str, int]
) -> GaugeMetricFamily:
    """One sample per known value (0 included, so an alert sees the series), then any other."""
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value in dict.fromkeys([*values, *counts]):
        family.add_metric([value], float(counts.get(value, 0)))
    return family
