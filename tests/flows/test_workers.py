"""The service under gunicorn: two worker processes on one SQLite store share one token per scope.

Gunicorn runs ``tests/worker_app.py`` (the service plus a route that starts checkouts) as a real
subprocess, pointed at a sandbox on its own port, so the only thing the workers share is the
database file, as in production.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from flexiti_checkout.store.inbox import Inbox
from flexiti_checkout.store.repository import Store
from support.gunicorn import LOOKUP_INTERVAL, run_gunicorn, service_env, wait_for_workers
from support.sandbox_server import SandboxServer

pytestmark = pytest.mark.slow

ORDERS = 40
CLIENTS = 8
T = TypeVar("T")


def in_parallel(calls: list[Callable[[], T]]) -> list[T]:
    """Run ``calls`` from a pool of client threads; results in order."""
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(lambda call: call(), calls))


def post_callback(url: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{url}/flexiti/callback", json=body, timeout=15)


def processed_outcomes(store_url: str, ids: list[int], timeout: float = 30) -> list[str | None]:
    """The outcomes of deliveries ``ids`` once workers tried each (a bounded poll of the store)."""
    store = Store(store_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            found = [Inbox(store).get(n) for n in ids]
            if all(d.attempts and d.lease_owner is None for d in found):
                return [d.outcome for d in found]
            assert time.monotonic() < deadline, "some deliveries were never processed"
            time.sleep(0.05)
    finally:
        store.close()


def statuses_once_settled(
    url: str, expected: dict[str, str], timeout: float = 30
) -> dict[str, str]:
    """Each order's status, polled (bounded) until they are ``expected`` or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        found = {m: requests.get(f"{url}/order/{m}", timeout=10).json()["status"] for m in expected}
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def early_notification(merchant_order_id: str, online_order_id: str) -> dict[str, Any]:
    """A "Success" notification for an order nobody settled: a hint, not a decision."""
    return {
        "event": "purchase",
        "notificationType": "Success",
        "client_id": "flexitidemo",
        "merchant_orderid": merchant_order_id,
        "online_order_id": online_order_id,
        "purchase": {"purchase_status": "SUCCESS", "purchase_amount": "499.00"},
    }


# Callbacks name their orders here: this test is about tokens, and finding orders from the
# documented id-less callbacks (tests/lifecycle/test_shapes.py) costs lookups that, with 40
# orders pending and 14 callbacks at once on a loaded machine, outlast the sandbox's 5 s timeout.
@pytest.mark.sandbox_config({"CALLBACK_WITH_IDS": True})
def test_two_workers_share_one_token_per_scope(
    sandbox: SandboxServer, tmp_path: Path, store_url: str
) -> None:
    """Two gunicorn workers on one SQLite store ask Flexiti for one token per scope in all."""
    with run_gunicorn("worker_app:app", service_env(sandbox, tmp_path, store_url), tmp_path) as url:
        workers = wait_for_workers(url, 2)
        sandbox.control("PATCH", "settings", {"callback_url": f"{url}/flexiti/callback"})
        ids = [f"W-{n:03d}" for n in range(ORDERS)]

        # Checkouts (customer scope), started by both workers at once.
        started = in_parallel(
            [lambda m=m: requests.post(f"{url}/start/{m}", timeout=15) for m in ids]
        )
        assert [r.status_code for r in started] == [200] * ORDERS, started[0].text
        online_ids = {m: r.json()["online_order_id"] for m, r in zip(ids, started, strict=True)}
        assert {r.json()["status"] for r in started} == {"pending"}
        assert {r.json()["pid"] for r in started} == workers

        # One early callback per order: each is a lookup (merchant scope) by whichever worker
        # took it, and none settles anything.
        early = in_parallel(
            [lambda m=m: post_callback(url, early_notification(m, online_ids[m])) for m in ids]
        )
        assert [r.status_code for r in early] == [200] * ORDERS
        assert {r.json()["outcome"] for r in early} == {"queued"}
        outcomes_seen = processed_outcomes(store_url, [r.json()["delivery_id"] for r in early])
        assert outcomes_seen == [f"order {m}: pending" for m in ids]
        assert {int(r.headers["X-Worker-Pid"]) for r in early} == workers

        # Customers decide a third of the orders; the sandbox posts its notifications to us.
        outcomes = {m: ("approve" if n % 2 else "decline") for n, m in enumerate(ids[::3])}
        for m, outcome in outcomes.items():
            sandbox.control("POST", f"orders/{online_ids[m]}/settle", {"outcome": outcome})
        sent = sandbox.control("GET", "callbacks?wait=10")
        assert sent["pending"] == 0
        assert [c["status"] for c in sent["callbacks"]] == [200] * len(outcomes)

        # Flexiti repeats itself: every notification three more times, all at once.
        time.sleep(LOOKUP_INTERVAL * 2)
        repeats = in_parallel(
            [lambda b=c["body"]: post_callback(url, b) for c in sent["callbacks"] * 3]
        )
        assert [r.status_code for r in repeats] == [200] * len(repeats)

        expected = {"approve": "approved", "decline": "declined"}
        settled = {m: expected.get(outcomes.get(m, ""), "pending") for m in ids}
        assert statuses_once_settled(url, settled) == settled

    log = sandbox.control("GET", "requests")["requests"]
    token_requests = [entry for entry in log if entry["path"].endswith("/oauth/token")]
    assert Counter(entry["scope"] for entry in token_requests) == {"customer": 1, "merchant": 1}
    assert [entry["status"] for entry in token_requests] == [200, 200]
    calls = Counter(
        (entry["scope"], "init" if entry["path"].endswith("/init") else "lookup")
        for entry in log
        if entry not in token_requests
    )
    assert calls[("customer", "init")] == ORDERS
    assert calls[("merchant", "lookup")] >= ORDERS + len(outcomes)
    assert set(calls) == {("customer", "init"), ("merchant", "lookup")}


def test_cold_store(sandbox: SandboxServer, tmp_path: Path, store_url: str) -> None:
    """Two fresh workers' first requests, racing to create the store's tables, all succeed."""
    with run_gunicorn("worker_app:app", service_env(sandbox, tmp_path, store_url), tmp_path) as url:
        wait_for_workers(url, 2)
        started = in_parallel(
            [lambda n=n: requests.post(f"{url}/start/C-{n}", timeout=15) for n in range(CLIENTS)]
        )
        assert [r.status_code for r in started] == [200] * CLIENTS  # failing shows gunicorn's log


def test_workers_share_one_storefront_cache(
    sandbox: SandboxServer, tmp_path: Path, store_url: str
) -> None:
    """Two gunicorn workers asked for the same prices at once, again and again, ask Flexiti once
    per price in all (the calculator, whose answer settles a badge alone): the cache is the
    store's, not the worker's."""
    sandbox.control("PATCH", "faults", {"latency": 0.2})
    prices = [f"{200 + 50 * n}.00" for n in range(8)]
    body = {"prices": prices, "lang": "en"}
    with run_gunicorn("worker_app:app", service_env(sandbox, tmp_path, store_url), tmp_path) as url:
        workers = wait_for_workers(url, 2)
        answered: set[int] = set()
        plans: list[Any] = []
        for _ in range(20):
            batches = in_parallel(
                [lambda: requests.post(f"{url}/flexiti/calculator", json=body, timeout=15)] * 8
            )
            answered |= {int(r.headers["X-Worker-Pid"]) for r in batches}
            plans = [r.json()["plans"] for r in batches]
            if all(plan["eligible"] for batch in plans for plan in batch) and answered == workers:
                break
            time.sleep(0.3)

    assert answered == workers
    assert all(plan["eligible"] for batch in plans for plan in batch)
    log = sandbox.control("GET", "requests")["requests"]
    asked = Counter(
        kind
        for entry in log
        for kind in ("payment-availability", "payment-calculator")
        if kind in entry["path"]
    )
    assert asked == {"payment-calculator": len(prices)}
