"""The console's order list on SQLite and PostgreSQL: pages by keyset (newest first, ties in
creation time broken by id), status and number filters, and a count that stops at its cap."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from flexiti_checkout.models import OrderStatus
from flexiti_checkout.store import order_list
from flexiti_checkout.store.order_list import Cursor, count_in, search_orders
from flexiti_checkout.store.repository import Store
from support.clocks import FakeClock


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """Twelve orders, N-00 oldest; N-04 to N-07 created at the same moment (ties), every third
    one pending."""
    clock = FakeClock()
    opened = Store(store_url, clock=clock)
    for n in range(12):
        if n not in (5, 6, 7):  # N-04 to N-07 share N-04's moment
            clock.advance(10)
        order = opened.insert_order(merchant_order_id=f"N-{n:02d}", amount=Decimal("100.00"),
                                    flow="buy", lang="en", reference_id=f"r{n}",
                                    source="test")  # fmt: skip
        assert order is not None
        if n % 3 == 0:
            opened.transition(order, OrderStatus.PENDING, source="test")
    yield opened
    opened.close()


def numbers(page: order_list.OrderPage) -> list[str]:
    return [order.merchant_order_id for order in page.orders]


def test_pages_go_back_and_forth_by_keyset_through_ties(store: Store) -> None:
    seen, page = [], search_orders(store, limit=5)
    assert page.newer is None
    while True:
        seen += numbers(page)
        if page.older is None:
            break
        page = search_orders(store, older_than=page.older, limit=5)
    assert seen == [f"N-{n:02d}" for n in range(11, -1, -1)]  # each once, newest first
    back = search_orders(store, newer_than=page.newer, limit=5)
    assert numbers(back) == ["N-06", "N-05", "N-04", "N-03", "N-02"]  # the page before, again
    assert back.older is not None and back.newer is not None


def test_a_status_and_the_start_of_a_number_filter_the_pages(store: Store) -> None:
    pending = search_orders(store, status=OrderStatus.PENDING, limit=2)
    assert numbers(pending) == ["N-09", "N-06"] and pending.total == 4
    following = search_orders(store, status=OrderStatus.PENDING, older_than=pending.older, limit=2)
    assert numbers(following) == ["N-03", "N-00"] and following.older is None
    assert numbers(search_orders(store, text="N-1")) == ["N-11", "N-10"]
    assert numbers(search_orders(store, text="N-1\x00")) == []


def test_the_count_stops_at_its_cap(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(order_list, "COUNT_CAP", 5)
    page = search_orders(store, limit=3)
    assert (page.total, page.capped) == (5, True)
    pending = search_orders(store, status=OrderStatus.PENDING, limit=3)
    assert (pending.total, pending.capped) == (4, False)


def test_a_cursor_is_read_back_exactly_and_nothing_else_is_one() -> None:
    cursor = Cursor(1765000000.123456, 42)
    assert Cursor.parse(str(cursor)) == cursor
    for text in ("", "x_1", "1.5", "1.5_", "_3", "1e9_3", None):
        assert Cursor.parse(text) is None


def test_orders_in_a_status_are_counted_up_to_a_cap(store: Store) -> None:
    """The console's home counts what ``orders_in`` finds without reading the orders."""
    pending = (OrderStatus.PENDING,)
    assert count_in(store, pending, cap=100) == len(store.orders_in(pending)) == 4
    assert count_in(store, pending, cap=3) == 3
    oldest_two = store.orders_in(pending, limit=2)
    before = oldest_two[-1].status_since.timestamp()
    assert count_in(store, pending, entered_before=before, cap=100) == 2
    assert count_in(store, (OrderStatus.APPROVED,), cap=100) == 0
