"""An order service on a real store with a fake clock, and Flexiti mocked with ``responses``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from flexiti_checkout import FlexitiClient, Order
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.redirects import redirect_checker
from flexiti_checkout.store.repository import Store
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
