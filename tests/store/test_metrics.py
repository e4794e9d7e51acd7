"""The store's gauges (``store.metrics``): read from the rows when scraped, aged by the store's
clock, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from flexiti_checkout.models import OrderStatus
from flexiti_checkout.store.inbox import Inbox
from flexiti_checkout.store.metrics import StoreCollector
from flexiti_checkout.store.repository import Store
from support.clocks import FakeClock

PENDING_EXPIRY = 3600.0
INIT_TIMEOUT = 60.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(store_url: str, clock: FakeClock) -> Iterator[Store]:
    opened = Store(store_url, clock=clock)
    yield opened
    opened.close()


def gauges(store: Store) -> dict[tuple[str, tuple[str, ...]], float]:
    registry = CollectorRegistry()
    registry.register(
        StoreCollector(store, pending_expiry=PENDING_EXPIRY, init_timeout=INIT_TIMEOUT)
    )
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sample.labels.values())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def add_delivery(inbox: Inbox) -> int:
    delivery = inbox.add_delivery(
        method="POST", remote_addr=None, content_type="application/json", payload={},
        identifiers={"merchant_orderid": "A-1"},
    )  # fmt: skip
    return delivery.id


def test_the_backlog_ages_and_a_delivery_left_for_replay_leaves_it(store, clock):
    """The oldest unprocessed delivery's age is the backlog's; one whose retries ran out is
    counted apart (only a replay tries it), and a processed one in neither."""
    inbox = Inbox(store)
    assert gauges(store)[("flexiti_callback_backlog", ())] == 0
    assert gauges(store)[("flexiti_callback_backlog_oldest_age_seconds", ())] == 0
    first = add_delivery(inbox)
    clock.advance(100)
    second = add_delivery(inbox)
    clock.advance(300)
    found = gauges(store)
    assert found[("flexiti_callback_backlog", ())] == 2
    assert found[("flexiti_callback_backlog_oldest_age_seconds", ())] == 400
    inbox.finish_delivery(first, outcome="lookup failed", error="lookup failed", retry_at=None)
    found = gauges(store)
    assert found[("flexiti_callback_backlog", ())] == 1
    assert found[("flexiti_callback_backlog_oldest_age_seconds", ())] == 300
    assert found[("flexiti_callbacks_left_for_replay", ())] == 1
    inbox.finish_delivery(second, outcome="order A-1: pending")
    assert gauges(store)[("flexiti_callback_backlog", ())] == 0


def test_orders_by_status_and_those_past_their_expected_time(store, clock):
    """Every status is a series (0 included); a start older than its timeout and a pending order
    past the expiry are overdue, and only those."""
    new = [
        store.insert_order(merchant_order_id=f"O-{n}", amount=Decimal("100.00"), flow="buy",
                           lang="en", reference_id=f"ref-{n}", source="checkout")
        for n in range(3)
    ]  # fmt: skip
    assert all(order is not None for order in new)
    found = gauges(store)
    assert {labels[0] for name, labels in found if name == "flexiti_orders"} >= {
        status.value for status in OrderStatus
    }
    assert found[("flexiti_orders", ("created",))] == 3
    assert found[("flexiti_orders_overdue", ())] == 0
    store.transition(new[0], OrderStatus.PENDING, source="checkout")  # type: ignore[arg-type]
    clock.advance(INIT_TIMEOUT + 1)
    found = gauges(store)
    assert found[("flexiti_orders", ("pending",))] == 1
    assert found[("flexiti_orders_overdue", ())] == 2  # the two starts, not the pending one
    clock.advance(PENDING_EXPIRY)
    assert gauges(store)[("flexiti_orders_overdue", ())] == 3
