"""Finding the order of a callback that names none: bounded, throttled, a few lookups at once."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from decimal import Decimal
from functools import partial

import pytest

from flexiti_checkout import Order, OrderStatus
from flexiti_checkout.lifecycle.callbacks.search import (
    SEARCH_PARALLEL,
    _first_match,
    anonymous_news_spacing,
    search_order,
    search_pool,
)
from flexiti_checkout.lifecycle.orders import Refresh
from flexiti_checkout.lifecycle.redact import customer_name_key

# The ``service`` fixture's client (tests/lifecycle/conftest.py) looks orders up here.
NOTIFICATIONS = "https://online.test/flexiti/online-api/online/client-id/cid/notifications"


def numbered_pending(service, count: int) -> list[Order]:
    """``count`` pending orders S-0… that Flexiti knows as pending, without a promo id yet."""
    made = []
    for n in range(count):
        created = service.store.insert_order(merchant_order_id=f"S-{n}", amount=Decimal("10.00"),
                                             flow="buy", lang="en", reference_id=f"ref-s{n}",
                                             source="test")  # fmt: skip
        made.append(service.store.transition(created, OrderStatus.PENDING, source="test",
                                             online_order_id=str(500 + n)))  # fmt: skip
    return made


@pytest.mark.parametrize("trusted", [False, True], ids=["anonymous", "secret"])
def test_forged_promo_id_callbacks_cannot_drive_lookups_past_the_spacing(
    service, mocked, clock, trusted
):
    """Fifty callbacks with made-up promo ids, one every 0.1 s, search three pending orders.
    Each one's news is fresh, so with a secret every search looks each order up; without one,
    an order is looked up again only ``anonymous_news_spacing`` after its last lookup."""
    for made in numbered_pending(service, 3):
        # The Online API's response-parameter table: ``purchase.status`` in Flexiti's casing.
        mocked.get(f"{NOTIFICATIONS}/merchant-order-id/{made.merchant_order_id}",
                   json={"transaction_id": made.online_order_id, "flow": "buy",
                         "purchase": {"status": "Pending", "promo_id": None}})  # fmt: skip
    for n in range(50):
        found = search_order(service, promo_id=f"FORGED-{n}", customer_id=None,
                             outcome="Success", since=clock.now, trust_news=trusted)  # fmt: skip
        assert found.order is None
        clock.advance(0.1)

    per_order = Counter(call.request.url.rsplit("/", 1)[-1] for call in mocked.calls
                        if "/notifications/merchant-order-id/" in call.request.url)  # fmt: skip
    promo_lookups = sum("/notifications/promo-id/" in call.request.url for call in mocked.calls)
    # One promo-id lookup per search that looked an order up, never more.
    assert promo_lookups <= max(per_order.values())
    if trusted:
        assert per_order == {"S-0": 50, "S-1": 50, "S-2": 50}
    else:
        spacing = anonymous_news_spacing(service)
        most = 1 + math.ceil(50 * 0.1 / spacing)
        assert set(per_order) == {"S-0", "S-1", "S-2"}
        assert all(2 <= lookups <= most for lookups in per_order.values()), per_order


def test_a_search_starts_with_one_lookup_then_runs_a_few_at_once():
    """The newest candidate is looked up alone; each miss lets one more lookup run at once, up
    to SEARCH_PARALLEL; once one matches, no further lookup starts."""
    candidates = [Order(merchant_order_id=f"C-{n}", status=OrderStatus.PENDING,
                        amount=Decimal("10.00"), flow="buy", lang="en", reference_id=f"r{n}")
                  for n in range(12)]  # fmt: skip
    lock = threading.Lock()
    running: list[str] = []
    started: list[tuple[str, int]] = []

    def refresh(order: Order) -> Refresh:
        with lock:
            running.append(order.merchant_order_id)
            started.append((order.merchant_order_id, len(running)))
        time.sleep(0.05)
        with lock:
            running.remove(order.merchant_order_id)
        return Refresh(order, looked_up=True)

    def matches(result: Refresh) -> bool:
        return result.order.merchant_order_id == "C-6"

    pool = search_pool()
    found, lookups, skipped = _first_match(candidates, refresh, matches, pool)
    pool.shutdown()

    assert found is not None and found.merchant_order_id == "C-6"
    assert started[0] == ("C-0", 1)
    assert max(at_once for _, at_once in started) == SEARCH_PARALLEL
    names = [name for name, _ in started]
    assert names == [f"C-{n}" for n in range(len(names))]  # newest first, none skipped
    assert 7 <= lookups == len(names) <= 6 + SEARCH_PARALLEL and skipped == 0


NAMES = [("Ann", "Lee"), ("Bo", "Chan"), ("Cy", "Roy"), ("Di", "Moe")]


@pytest.mark.parametrize("target", [0, 17, 39])
def test_the_promo_lookup_points_at_the_order_by_amount_and_a_keyed_hash_of_names(
    service, mocked, clock, target
):
    """Forty pending orders, ten per customer name, of two amounts: the promo-id lookup (amount
    and names) points at the one order of that customer and amount, so the search costs two
    lookups wherever it sits; the order keeps a keyed hash of the names, never the names."""
    service.name_key = partial(customer_name_key, "test-key")
    service.starts.name_key = service.name_key
    for n in range(40):
        first, last = NAMES[n % 4]
        amount = Decimal("10.00") if n % 8 < 4 else Decimal("25.00")
        created = service.store.insert_order(
            merchant_order_id=f"S-{n}", amount=amount, flow="buy", lang="en",
            reference_id=f"ref-s{n}", source="test",
            details={"name_key": service.name_key(first, last)},
        )  # fmt: skip
        service.store.transition(created, OrderStatus.PENDING, source="test",
                                 online_order_id=str(500 + n))  # fmt: skip
        mocked.get(f"{NOTIFICATIONS}/merchant-order-id/S-{n}",
                   json={"transaction_id": 900 + n, "flow": "buy",
                         "purchase": {"status": "Success" if n == target else "Pending",
                                      "promo_id": "P-1" if n == target else None,
                                      "purchase_amount": str(amount)}})  # fmt: skip
    # Every order of one customer and amount but the newest is settled already: one candidate.
    same = [n for n in range(40) if n % 8 == target % 8 and n != target]
    for n in same:
        order = service.store.get_order(f"S-{n}")
        service.store.transition(order, OrderStatus.DECLINED, source="test")
    first, last = NAMES[target % 4]
    mocked.get(f"{NOTIFICATIONS}/promo-id/P-1",
               json={"fname": f" {first.upper()} ", "lname": last, "promo_id": "P-1",
                     "purchase_amount": "10.00" if target % 8 < 4 else "25.00"})  # fmt: skip

    found = search_order(service, promo_id="P-1", customer_id=None, outcome="Success",
                         since=clock.now)  # fmt: skip

    assert found.order is not None and found.order.merchant_order_id == f"S-{target}"
    assert found.lookups == 2
    stored = service.store.get_order(f"S-{target}").details
    assert first not in str(stored) and last not in str(stored)


def test_a_failed_promo_lookup_leaves_the_walk_to_find_the_order(service, mocked, clock):
    """Flexiti failing the promo-id lookup costs that one call: the walk still finds the order."""
    for made in numbered_pending(service, 3):
        mocked.get(f"{NOTIFICATIONS}/merchant-order-id/{made.merchant_order_id}",
                   json={"transaction_id": 7, "flow": "buy",
                         "purchase": {"status": "Success",
                                      "promo_id": "P-2" if made.merchant_order_id == "S-0"
                                      else None}})  # fmt: skip
    mocked.get(f"{NOTIFICATIONS}/promo-id/P-2", status=503)

    found = search_order(service, promo_id="P-2", customer_id=None, outcome="Success",
                         since=clock.now)  # fmt: skip

    assert found.order is not None and found.order.merchant_order_id == "S-0"
    assert found.lookups == 1 + 3  # the promo lookup, then the walk, newest first
