"""What the lifecycle tests share: a real store (SQLite and PostgreSQL) under an order service
whose Flexiti is mocked with ``responses``, and under a refund service with a fake back office."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

from flexiti_checkout import FlexitiClient, Order
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.redirects import redirect_checker
from flexiti_checkout.lifecycle.refunds.service import RefundService
from flexiti_checkout.store.repository import Store
from support.back_office import FakeBackOffice
from support.clocks import FakeClock

#: The Online API base of the ``service`` fixture's client.
ONLINE = "https://online.test/flexiti/online-api"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def service(store_url: str, clock: FakeClock) -> Iterator[OrderService]:
    """An order service whose signals land in ``service.notified``."""
    store = Store(store_url, clock=clock)
    client = FlexitiClient("cid", "secret", online_api_url=ONLINE, pos_api_url="https://pos.test",
                           max_retries=0)  # fmt: skip
    notified: list[Order] = []
    svc = OrderService(store, client, notify=notified.append, check_redirect=redirect_checker([]),
                       pending_expiry=3600, lookup_interval=5, clock=clock)  # fmt: skip
    svc.notified = notified  # type: ignore[attr-defined]
    yield svc
    store.close()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """Flexiti, mocked: the token call answers; each test adds the lookups it needs."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{ONLINE}/oauth/token",
                  json={"access_token": "t", "expires_in": 1200, "refresh_token": "r"})  # fmt: skip
        yield rsps


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A store of its own for the refund tests (the ``service`` fixture opens another)."""
    opened = Store(store_url)
    yield opened
    opened.engine.dispose()


@pytest.fixture
def flexiti() -> FakeBackOffice:
    """Flexiti's POS back office, faked: purchases, their balances, every call recorded."""
    return FakeBackOffice()


@pytest.fixture
def announced() -> list[tuple[str, Any]]:
    """What the services announced: (order, refund) pairs; refund ``None`` for an order move."""
    return []


@pytest.fixture
def refunds(store: Store, flexiti: FakeBackOffice, announced) -> RefundService:
    return RefundService(
        store, flexiti, notify_refund=lambda order, refund: announced.append((order, refund))
    )
