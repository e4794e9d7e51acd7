"""Starting a checkout: a start under way answers at once, an abandoned one is settled."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import responses

from flexiti_checkout import FlexitiClient, Order, OrderStatus
from flexiti_checkout.errors import (
    CheckoutInProgressError,
    OrderAlreadySettledError,
    UnavailableError,
)
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.reconcile import reconcile, unsettled_orders
from flexiti_checkout.lifecycle.redirects import redirect_checker
from flexiti_checkout.store.repository import Store
from support.clocks import FakeClock
from support.shop_server import checkout_request

ONLINE = "https://online.test/flexiti/online-api"
INIT = f"{ONLINE}/online/v2/client-id/cid/systems/init"
BY_MERCHANT_ID = f"{ONLINE}/online/client-id/cid/notifications/merchant-order-id/M-1"
NOT_FOUND = {"status": 409, "json": {"code": 404, "error": "not_found"}}
WIDGET = {"online_order_id": 131210, "redirection_url": "https://x.flexiti.fi/flow/131210"}
#: (connect + read) twice, for the client below: a token call and the init.
INIT_TIMEOUT = 2 * (3.05 + 10.0)


class CountingClock(FakeClock):
    """A clock that counts its reads: a start that polls reads it without end."""

    def __init__(self) -> None:
        super().__init__(1_800_000_000.0)
        self.reads = 0

    def __call__(self, *_ignored: object) -> float:
        self.reads += 1
        if self.reads > 1000:
            raise AssertionError("the start is polling the clock")
        return self.now


@pytest.fixture
def clock() -> CountingClock:
    return CountingClock()


@pytest.fixture
def service(store_url: str, clock: CountingClock) -> Iterator[OrderService]:
    store = Store(store_url, clock=clock)
    client = FlexitiClient("cid", "secret", online_api_url=ONLINE, pos_api_url="https://pos.test",
                           timeout=(3.05, 10.0), max_retries=0)  # fmt: skip
    notified: list[Order] = []
    svc = OrderService(store, client, notify=notified.append,
                       check_redirect=redirect_checker(["x.flexiti.fi"]), pending_expiry=3600,
                       clock=clock)  # fmt: skip
    svc.notified = notified  # type: ignore[attr-defined]
    yield svc
    store.close()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{ONLINE}/oauth/token",
                  json={"access_token": "t", "expires_in": 1200, "refresh_token": "r"})  # fmt: skip
        yield rsps


def stuck_start(service: OrderService) -> Order:
    """What a worker killed during its widget init leaves: an order in ``created``."""
    order = service.store.insert_order(merchant_order_id="M-1", amount=Decimal("499.00"),
                                       flow="buy", lang="en", reference_id="ref-1",
                                       source="checkout")  # fmt: skip
    assert order is not None
    return order


def test_the_init_timeout_is_the_clients():
    """A start counts as abandoned after the client's widget-init timeout, not a fixed delay."""
    client = FlexitiClient("cid", "secret", online_api_url=ONLINE, pos_api_url="https://pos.test",
                           timeout=(2.0, 5.0))  # fmt: skip
    assert client.widget_init_timeout == 14.0
    service = OrderService(Store("sqlite://"), client, notify=print, check_redirect=print,
                           pending_expiry=60)  # fmt: skip
    assert service.init_timeout == 14.0


@pytest.mark.parametrize(("age", "retry_after"), [(0, 5), (INIT_TIMEOUT - 2.5, 3)])
def test_a_start_under_way_answers_at_once(service, mocked, clock, age, retry_after):
    """A second start while the first is in its widget init is refused at once, saying when to
    retry (the sooner of a few seconds and the start's timeout), and sends nothing to Flexiti."""
    stuck_start(service)
    clock.advance(age)
    with pytest.raises(CheckoutInProgressError) as caught:
        service.start(checkout_request("M-1"))
    assert caught.value.retry_after == retry_after
    assert f"is in progress. Retry in {retry_after} s." in str(caught.value)
    assert clock.reads < 10
    assert len(mocked.calls) == 0
    assert service.store.get_order("M-1").status is OrderStatus.CREATED


def test_an_abandoned_start_unknown_to_flexiti_starts_again(service, mocked, clock):
    """Past the init timeout, Flexiti knowing no order for it means the init never reached
    Flexiti: the order goes to error and the same start opens a Flexiti order."""
    stuck_start(service)
    clock.advance(INIT_TIMEOUT + 1)
    lookup = mocked.get(BY_MERCHANT_ID, **NOT_FOUND)
    init = mocked.post(INIT, json=WIDGET)

    session = service.start(checkout_request("M-1"))

    assert (session.online_order_id, session.status) == ("131210", OrderStatus.PENDING)
    assert lookup.call_count == 1 and init.call_count == 1
    history = service.store.history(service.store.get_order("M-1"))
    assert [e.to_status for e in history] == [
        OrderStatus.CREATED, OrderStatus.ERROR, OrderStatus.CREATED, OrderStatus.PENDING,
    ]  # fmt: skip


def test_an_abandoned_flexiti_order_is_not_reused(service, mocked, clock):
    """Flexiti knowing the order but not its outcome: its redirection URL died with the worker,
    so the order goes to error (saying which Flexiti order was left) and a new one opens."""
    stuck_start(service)
    clock.advance(INIT_TIMEOUT + 1)
    mocked.get(BY_MERCHANT_ID, json={"transaction_id": 131209, "flow": "buy",
                                     "purchase": {"purchase_status": "PENDING"}})  # fmt: skip
    mocked.post(INIT, json=WIDGET)

    session = service.start(checkout_request("M-1"))

    assert session.online_order_id == "131210"
    history = service.store.history(service.store.get_order("M-1"))
    assert [e.to_status for e in history][1] is OrderStatus.ERROR


def test_an_abandoned_start_flexiti_approved_is_settled_not_restarted(service, mocked, clock):
    """An outcome at Flexiti is kept: the order moves to pending and to that outcome, with its
    signal, and a start of it is refused as ended instead of opening a second Flexiti order."""
    stuck_start(service)
    clock.advance(INIT_TIMEOUT + 1)
    mocked.get(BY_MERCHANT_ID, json={"transaction_id": 131221, "flow": "buy",
                                     "purchase": {"purchase_status": "SUCCESS",
                                                  "purchase_amount": "499.00"}})  # fmt: skip
    init = mocked.post(INIT, json=WIDGET)

    with pytest.raises(OrderAlreadySettledError):
        service.start(checkout_request("M-1"))

    order = service.store.get_order("M-1")
    # Widget init's id never arrived; the lookup's transaction id is kept as what it is.
    assert (order.status, order.online_order_id, order.transaction_id) == (
        OrderStatus.APPROVED, None, "131221"
    )  # fmt: skip
    assert [o.status for o in service.notified] == [OrderStatus.APPROVED]
    assert init.call_count == 0


def test_an_abandoned_start_stays_created_while_flexiti_cannot_say(service, mocked, clock):
    """When the lookup fails the start fails as Flexiti being unavailable; nothing is opened
    and the order waits for the next start or reconcile."""
    stuck_start(service)
    clock.advance(INIT_TIMEOUT + 1)
    mocked.get(BY_MERCHANT_ID, status=503, json={"error": "unavailable"})
    init = mocked.post(INIT, json=WIDGET)

    with pytest.raises(UnavailableError):
        service.start(checkout_request("M-1"))

    assert service.store.get_order("M-1").status is OrderStatus.CREATED
    assert init.call_count == 0


def test_a_refresh_settles_an_abandoned_start_and_leaves_a_young_one(service, mocked, clock):
    """A refresh of a ``created`` order asks Flexiti only once the start is past its timeout."""
    stuck_start(service)
    lookup = mocked.get(BY_MERCHANT_ID, **NOT_FOUND)

    young = service.refresh("M-1", source="return")
    clock.advance(INIT_TIMEOUT + 1)
    old = service.refresh("M-1", source="return")

    assert young.order.status is OrderStatus.CREATED and not young.looked_up
    assert old.order.status is OrderStatus.ERROR and old.changed
    assert lookup.call_count == 1


def test_reconcile_uses_the_same_timeout(service, mocked, clock):
    """Reconcile settles a start past the init timeout from Flexiti's answer, not after a fixed
    two minutes, and leaves one that is still within it."""
    stuck_start(service)
    clock.advance(INIT_TIMEOUT + 1)
    young = service.store.insert_order(merchant_order_id="M-2", amount=Decimal("10.00"),
                                       flow="buy", lang="en", reference_id="ref-2",
                                       source="checkout")  # fmt: skip
    lookup = mocked.get(BY_MERCHANT_ID, **NOT_FOUND)

    summary = reconcile(service, unsettled_orders(service))

    assert summary.abandoned_starts == 1 and summary.failed == 0
    assert service.store.get_order("M-1").status is OrderStatus.ERROR
    assert "Flexiti has no order for it" in (service.store.get_order("M-1").error or "")
    assert service.store.get_order(young.merchant_order_id).status is OrderStatus.CREATED
    assert lookup.call_count == 1
