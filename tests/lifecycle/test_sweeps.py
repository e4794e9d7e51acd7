"""Reconcile and replay go through all their work, newest first, however much there is.

Both used to stop silently after the first 1,000 rows and start from the same 1,000 next time.
Here the store holds more than that, written in bulk, and Flexiti is pinned with ``responses``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator

import pytest
import responses
from sqlalchemy import insert

from flexiti_checkout import FlexitiClient
from flexiti_checkout.lifecycle.callbacks.processor import CallbackProcessor
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.reconcile import reconcile, unsettled_orders
from flexiti_checkout.lifecycle.redirects import redirect_checker
from flexiti_checkout.store.inbox import Inbox
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import deliveries, orders
from support.clocks import FakeClock

ONLINE = "https://online.test/flexiti/online-api"
LOOKUP = re.compile(re.escape(f"{ONLINE}/online/client-id/cid/notifications/") + r".*")
#: More than the 1,000 rows a sweep used to stop at.
MANY = 1010
NOW = 1_800_000_000.0


@pytest.fixture
def service(store_url: str) -> Iterator[OrderService]:
    clock = FakeClock(NOW)
    store = Store(store_url, clock=clock)
    client = FlexitiClient("cid", "secret", online_api_url=ONLINE, pos_api_url="https://pos.test",
                           max_retries=0)  # fmt: skip
    yield OrderService(store, client, notify=lambda order: None,
                       check_redirect=redirect_checker([]), pending_expiry=7200,
                       lookup_interval=5, clock=clock)  # fmt: skip
    store.close()


@pytest.fixture
def flexiti() -> Iterator[responses.RequestsMock]:
    """Flexiti says every order is still pending."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{ONLINE}/oauth/token",
                  json={"access_token": "t", "expires_in": 1200, "refresh_token": "r"})  # fmt: skip
        rsps.get(LOOKUP, json={"transaction_id": 1, "flow": "buy",
                               "purchase": {"purchase_status": "PENDING"}})  # fmt: skip
        yield rsps


def many_pending(store: Store, count: int = MANY) -> None:
    """``count`` orders pending for an hour, the higher the number the more recently."""
    rows = [
        {
            "merchant_order_id": f"P-{n:05d}",
            "online_order_id": str(n),
            "reference_id": "r",
            "flow": "buy",
            "amount": "499.00",
            "currency": "CAD",
            "lang": "en",
            "status": "pending",
            "version": 1,
            "details": {},
            "created_at": NOW - 3600,
            "updated_at": NOW - 3600 + n,
            "status_at": NOW - 3600 + n,
        }
        for n in range(count)
    ]
    with store.begin() as conn:
        conn.execute(insert(orders), rows)


def many_deliveries(store: Store, count: int = MANY) -> None:
    """``count`` stored deliveries that were never processed and name no order."""
    rows = [
        {
            "received_at": NOW - count + n,
            "method": "POST",
            "payload": {"n": n},
            "identifiers": {},
            "attempts": 0,
        }
        for n in range(count)
    ]
    with store.begin() as conn:
        conn.execute(insert(deliveries), rows)


def test_the_sweep_finds_every_pending_order_newest_first(service) -> None:
    """The reconciler's sweep yields each of more than 1,000 pending orders once, newest first,
    and counts them for the progress bar."""
    many_pending(service.store)

    targets = unsettled_orders(service)

    assert len(targets) == MANY
    found = [order.merchant_order_id for order in targets]
    assert found == [f"P-{n:05d}" for n in reversed(range(MANY))]


def test_reconcile_checks_every_pending_order_newest_first(service, flexiti) -> None:
    """Reconcile looks every pending order up once, the newest first, and says so."""
    many_pending(service.store, 40)
    seen: list[str] = []

    summary = reconcile(
        service, unsettled_orders(service), progress=lambda o: seen.append(o.merchant_order_id)
    )

    assert (summary.checked, summary.still_pending, summary.left_undone) == (40, 40, 0)
    assert seen == [f"P-{n:05d}" for n in reversed(range(40))]
    looked_up = [
        c.request.url.rpartition("/")[2]
        for c in flexiti.calls
        if "/merchant-order-id/" in c.request.url
    ]
    assert looked_up == seen


def test_reconcile_with_a_limit_counts_what_it_left(service, flexiti) -> None:
    """A limited sweep takes the newest orders and counts the rest as left for the next run."""
    many_pending(service.store, 30)

    summary = reconcile(service, unsettled_orders(service), limit=12)

    assert (summary.checked, summary.not_reached, summary.left_undone) == (12, 18, 18)
    checked = [o.merchant_order_id for o in service.store.orders_in() if o.checked_at is not None]
    assert sorted(checked) == [f"P-{n:05d}" for n in range(18, 30)]


def test_replay_processes_every_stored_delivery_newest_first(service, flexiti) -> None:
    """Every one of more than 1,000 unprocessed deliveries is processed, the newest first."""
    many_deliveries(service.store)
    callbacks = CallbackProcessor(Inbox(service.store), service)

    assert callbacks.replay_count() == MANY
    done = callbacks.replay()

    assert [delivery.payload["n"] for delivery, _ in done] == list(reversed(range(MANY)))
    assert not any(result.retry for _, result in done)
    assert callbacks.replay_count() == 0


def test_replay_with_a_limit_takes_the_newest(service, flexiti) -> None:
    """A limited replay processes the newest deliveries and leaves the older ones unprocessed."""
    many_deliveries(service.store, 10)
    callbacks = CallbackProcessor(Inbox(service.store), service)

    done = callbacks.replay(limit=4)

    assert [delivery.payload["n"] for delivery, _ in done] == [9, 8, 7, 6]
    assert callbacks.replay_count() == 6


def test_reconcile_looks_orders_up_concurrently_within_its_bound(service) -> None:
    """With ``concurrency=4`` four lookups are in flight together (a barrier of four would
    break if they came one at a time), never more, and each order is still looked up once."""
    many_pending(service.store, 24)
    barrier = threading.Barrier(4, timeout=10)
    lock = threading.Lock()
    in_flight, most = 0, 0
    looked_up: list[str] = []

    def answer(request):
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
            looked_up.append(request.url.rpartition("/")[2])
        try:
            barrier.wait()
        finally:
            with lock:
                in_flight -= 1
        body = {"transaction_id": 1, "flow": "buy", "purchase": {"purchase_status": "PENDING"}}
        return 200, {}, json.dumps(body)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{ONLINE}/oauth/token",
                  json={"access_token": "t", "expires_in": 1200, "refresh_token": "r"})  # fmt: skip
        rsps.add_callback(responses.GET, LOOKUP, callback=answer)
        seen: list[str] = []
        summary = reconcile(
            service,
            unsettled_orders(service),
            progress=lambda o: seen.append(o.merchant_order_id),
            concurrency=4,
        )

    assert most == 4
    assert (summary.checked, summary.still_pending, summary.left_undone) == (24, 24, 0)
    assert sorted(looked_up) == sorted(seen) == [f"P-{n:05d}" for n in range(24)]


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_the_summary_does_not_depend_on_the_concurrency(service, concurrency) -> None:
    """Approved, declined and still-pending orders are counted alike however many run at once."""
    many_pending(service.store, 30)

    def answer(request):
        n = int(request.url.rpartition("-")[2])
        status = ("PENDING", "SUCCESS", "DECLINED")[n % 3]
        purchase = {"purchase_status": status, "purchase_amount": "499.00", "promo_id": str(n)}
        body = {"transaction_id": n, "flow": "buy", "purchase": purchase}
        return 200, {}, json.dumps(body)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{ONLINE}/oauth/token",
                  json={"access_token": "t", "expires_in": 1200, "refresh_token": "r"})  # fmt: skip
        rsps.add_callback(responses.GET, LOOKUP, callback=answer)
        summary = reconcile(service, unsettled_orders(service), concurrency=concurrency)

    assert (summary.checked, summary.settled, summary.still_pending) == (30, 20, 10)
    assert summary.statuses == {"pending": 10, "approved": 10, "declined": 10}
