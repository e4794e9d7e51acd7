"""One storefront cache for every worker: answers in the store, one worker asks per key per TTL.

Each "worker" is a ``Storefront`` with its own client, pool, local cache and ``Store`` object on
the test's database (SQLite and PostgreSQL), as gunicorn workers and hosts have.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import responses

from flexiti_checkout import FlexitiClient
from flexiti_checkout.store.answers import DatabaseAnswerStore
from flexiti_checkout.store.repository import Store
from flexiti_checkout.storefront.plans import Storefront, StorefrontSettings
from support.clocks import FakeClock
from support.storefront_mocks import (
    CALC_URL,
    CID,
    GATE_URL,
    ONLINE,
    calc_answer,
    calls,
    flexiti_mock,
    gate_answer,
)

PRICES = [Decimal(f"{150 + 37 * n}.00") for n in range(6)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def wall() -> FakeClock:
    return FakeClock(1_700_000_000.0)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with flexiti_mock() as rsps:
        yield rsps


@pytest.fixture
def worker(store_url, clock, wall) -> Iterator[Callable[..., Storefront]]:
    """Starts a worker: its own storefront and store connection on the shared database."""
    started: list[tuple[Storefront, Store]] = []

    def start(shared: object | None = None) -> Storefront:
        store = Store(store_url)
        client = FlexitiClient(CID, "secret", online_api_url=ONLINE, pos_api_url=ONLINE,
                               max_retries=0, timeout=5)  # fmt: skip
        storefront = Storefront(
            client,
            # No test here is about the budget: a loaded machine must not make an answer late.
            StorefrontSettings(budget=60.0),
            clock=clock,
            wall=wall,
            shared=shared or DatabaseAnswerStore(store),
        )
        started.append((storefront, store))
        return storefront

    yield start
    for storefront, store in started:
        storefront.wait_idle()
        storefront.close()
        store.close()


def in_parallel(*tasks: Callable[[], object]) -> list[object]:
    results: list[object] = [None] * len(tasks)

    def run(index: int) -> None:
        results[index] = tasks[index]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_four_workers_ask_flexiti_once_per_price(worker, mocked):
    """Four workers asked for the same six prices at once: one calculator call per price in all,
    and every worker shows every plan."""
    slow = calc_answer()
    mocked.add_callback(responses.GET, CALC_URL, callback=lambda r: (time.sleep(0.3), slow(r))[1])
    workers = [worker() for _ in range(4)]

    results = in_parallel(*(lambda w=w: w.plans(PRICES, "en") for w in workers))

    assert len(calls(mocked, CALC_URL)) == len(PRICES)
    for result in results:
        assert [r.plan.monthly_payment for r in result if r.plan] == [Decimal("41.58")] * 6


def test_a_new_worker_reads_the_answer_another_worker_got(worker, mocked):
    """A worker started later finds the plan in the store, in its own language's words."""
    mocked.add_callback(responses.GET, CALC_URL, callback=calc_answer())
    [first] = worker().plans([Decimal("499.00")], "fr")

    [later] = worker().plans([Decimal("499.00")], "fr")

    assert later.plan == first.plan and later.plan is not None
    assert later.plan.text.startswith("ou 41,58")
    assert len(calls(mocked, CALC_URL)) == 1


def test_after_the_ttl_one_worker_refreshes_for_all(worker, mocked, clock, wall):
    """Past the TTL every worker serves its stale answer; Flexiti hears once more per key."""
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True, delay=0.2))
    workers = [worker() for _ in range(3)]
    for each in workers:
        assert each.is_available("499.00") is True
    assert len(calls(mocked, GATE_URL)) == 1
    clock.advance(601)
    wall.advance(601)

    assert in_parallel(*(lambda w=w: w.is_available("499.00") for w in workers)) == [True] * 3
    for each in workers:
        each.wait_idle()

    assert len(calls(mocked, GATE_URL)) == 2


def test_a_failed_call_lets_another_worker_ask(worker, mocked):
    """The claimer's failure gives the key back: the next worker asks Flexiti itself."""
    mocked.post(GATE_URL, status=503, json={"error": "unavailable"})
    assert worker().is_available("499.00") is False
    mocked.remove(responses.POST, GATE_URL)
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True))

    assert worker().is_available("499.00") is True
    assert len(calls(mocked, GATE_URL)) == 2


class BrokenStore:
    """A shared store whose database is down."""

    def __getattr__(self, name: str) -> Callable[..., object]:
        def fail(*args: object) -> object:
            raise ConnectionError("database is down")

        return fail


def test_a_broken_shared_store_does_not_break_badges(worker, mocked):
    """With the database down, each worker asks Flexiti itself and shows the plan."""
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True))
    mocked.add_callback(responses.GET, CALC_URL, callback=calc_answer())

    [result] = worker(shared=BrokenStore()).plans([Decimal("499.00")], "en")

    assert result.plan is not None and result.plan.text.startswith("or $41.58/mo")


def test_a_key_is_claimed_by_one_worker_until_answered_or_its_lease_ends(store_url):
    """One claim per key at a time; none while a fresh answer is there; a dead worker's lease
    runs out and another takes over."""
    stores = [Store(store_url) for _ in range(2)]
    first, second = (DatabaseAnswerStore(store) for store in stores)
    try:
        assert first.claim("gate:100", "a", 1000.0, 1015.0, exists=False)
        assert not second.claim("gate:100", "b", 1001.0, 1016.0, exists=False)
        assert not second.claim("gate:100", "b", 1001.0, 1016.0, exists=True)
        assert second.read("gate:100") == (None, None, 1015.0)  # claimed, not answered yet

        first.write("gate:100", True, 1600.0)
        assert second.read("gate:100") == (True, 1600.0, None)
        assert not second.claim("gate:100", "b", 1002.0, 1017.0, exists=True)  # fresh
        assert second.claim("gate:100", "b", 1600.0, 1615.0, exists=True)  # past its TTL

        assert not first.claim("gate:100", "a", 1610.0, 1625.0, exists=True)
        assert first.claim("gate:100", "a", 1616.0, 1631.0, exists=True)  # b's lease ran out
        first.release("gate:100", "b")  # not b's any more: nothing changes
        assert not second.claim("gate:100", "b", 1617.0, 1632.0, exists=True)
        first.release("gate:100", "a")
        assert second.claim("gate:100", "b", 1617.0, 1632.0, exists=True)
        assert second.read("gate:100") == (True, 1600.0, 1632.0)  # stale, until replaced
    finally:
        for store in stores:
            store.close()
