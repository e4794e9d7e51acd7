"""Callback deliveries processed off the request path, by workers that lease them in the store.

The callback view only stores a delivery; a worker thread of any process takes it with a lease,
so a delivery a dead worker held is finished by another, and no two workers process one at once.
Without ``FLEXITI_CALLBACK_SECRET`` a callback is no news: lookups keep to the per-order throttle.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from flexiti_checkout import OrderStatus
from flexiti_checkout.lifecycle.callbacks.worker import CallbackWorkers
from support.clocks import FakeClock

NAMING = {"event": "purchase", "notificationType": "Success"}


def lookups_of(shop, merchant_order_id: str) -> int:
    log = shop.sandbox.control("GET", "requests")["requests"]
    return sum(f"merchant-order-id/{merchant_order_id}" in entry["path"] for entry in log)


def intervals_since(began: float, interval: float = 5.0) -> int:
    """Whole lookup intervals since ``began``: a loaded machine may take more than one."""
    return int((time.monotonic() - began) // interval)


def look_up(shop, merchant_order_id: str) -> None:
    """The shop asks Flexiti about the order (closing the per-order throttle)."""
    with shop.app.app_context():
        assert shop.flexiti.refresh_order(merchant_order_id) is not None


def stored_without_workers(shop, merchant_order_id: str):
    """A delivery naming the order, stored with this process's workers stopped."""
    shop.state.callback_workers.stop()
    return shop.state.callbacks.receive(
        {**NAMING, "merchant_orderid": merchant_order_id},
        method="POST",
        remote_addr="127.0.0.1",
        content_type="application/json",
    )


def another_worker(
    shop, *, lease: float = 60.0, ahead: float = 0.0, clock: FakeClock | None = None
) -> CallbackWorkers:
    """Workers as another process has them (not started), ``ahead`` seconds in the future, or on
    ``clock`` (a test moves it past a lease instead of waiting for it to run out)."""
    return CallbackWorkers(
        shop.state.callbacks,
        lease=lease,
        autostart=False,
        clock=clock or (lambda: time.time() + ahead),
    )


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_a_delivery_a_dead_worker_held_is_finished_by_another(shop):
    """A worker that died mid-processing leaves a lease; once it runs out another worker takes
    the delivery and settles the order, and the dead one's late write is refused."""
    session = shop.start("DEAD-1")
    shop.settle(session.online_order_id, "approve")
    delivery = stored_without_workers(shop, "DEAD-1")
    inbox = shop.state.callbacks.inbox
    clock = FakeClock(time.time())
    (held,) = inbox.claim_due("dead-worker", now=clock(), lease=60)
    assert held.id == delivery.id
    survivor = another_worker(shop, clock=clock)

    clock.advance(59)
    assert survivor.run_due() == 0  # the lease still holds
    assert shop.order("DEAD-1").status is OrderStatus.PENDING
    clock.advance(1.1)
    assert survivor.run_due() == 1

    finished = inbox.get(delivery.id)
    assert finished.processed_at is not None and finished.outcome == "order DEAD-1: approved"
    assert shop.order("DEAD-1").status is OrderStatus.APPROVED
    assert shop.signals.names("DEAD-1") == ["order_approved"]
    assert not inbox.finish_delivery(delivery.id, outcome="late", owner="dead-worker")
    assert inbox.get(delivery.id).outcome == "order DEAD-1: approved"


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_a_worker_process_killed_midway_leaves_its_delivery_to_another(shop, tmp_path):
    """A process killed (SIGKILL) while it processes a delivery finishes nothing; once its
    lease runs out a worker of another process takes the delivery and settles the order."""
    session = shop.start("KILLED-1")
    look_up(shop, "KILLED-1")  # the merchant token is in the store: the process only looks up
    shop.settle(session.online_order_id, "approve")
    delivery = stored_without_workers(shop, "KILLED-1")
    shop.sandbox.control("PATCH", "faults", {"latency": 3})  # it will be mid-lookup
    config = {k: str(v) for k, v in shop.app.config.items()
              if k.startswith("FLEXITI_") and isinstance(v, (str, int, float))}  # fmt: skip
    env = {**os.environ, **config, "SECRET_KEY": shop.app.config["SECRET_KEY"]}
    env["FLEXITI_INSTANCE_PATH"] = str(tmp_path / "worker")
    script = Path(__file__).parents[2] / "support" / "callback_worker_process.py"
    inbox = shop.state.callbacks.inbox
    with subprocess.Popen(
        [sys.executable, str(script), "60"], env=env, stdout=subprocess.PIPE, text=True
    ) as worker:
        try:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
            deadline = time.monotonic() + 20
            while inbox.get(delivery.id).lease_owner is None:
                assert time.monotonic() < deadline, "the worker process never took the delivery"
                time.sleep(0.05)
            time.sleep(0.3)
        finally:
            worker.kill()
    held = inbox.get(delivery.id)
    assert held.lease_owner is not None and held.lease_owner.startswith(f"{worker.pid}:")
    assert held.attempts == 0 and held.processed_at is None
    shop.sandbox.control("PATCH", "faults", {"latency": 0})
    clock = FakeClock(time.time())
    survivor = another_worker(shop, clock=clock)
    assert survivor.run_due() == 0  # its lease still holds
    clock.advance(61)

    assert survivor.run_due() == 1
    assert inbox.get(delivery.id).outcome == "order KILLED-1: approved"
    assert shop.order("KILLED-1").status is OrderStatus.APPROVED


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_a_search_that_outlasts_its_lease_keeps_the_delivery(shop):
    """With Flexiti slow, a search for a promo id that takes longer than the worker's lease
    extends the lease before each lookup: no other worker takes the delivery meanwhile."""
    session = shop.start("SLOW-OLD-1")
    for number in range(8):
        shop.start(f"SLOW-NEW-{number}")  # newer: looked up first
    look_up(shop, "SLOW-NEW-0")  # the token is in hand: each lookup takes Flexiti's latency
    shop.settle(session.online_order_id, "approve")
    (dropped,) = [e["body"] for e in shop.wait_for_callbacks() if e["dropped"]]
    shop.state.callback_workers.stop()
    delivery = shop.state.callbacks.receive(dropped, method="POST", remote_addr="127.0.0.1",
                                            content_type="application/json")  # fmt: skip
    shop.sandbox.control("PATCH", "faults", {"latency": 0.3})
    searcher, rival = another_worker(shop, lease=0.8), another_worker(shop)
    with ThreadPoolExecutor(1) as pool:
        searching = pool.submit(searcher.run_due)
        started = time.monotonic()
        while shop.state.callbacks.inbox.get(delivery.id).lease_owner is None:
            assert not searching.done(), "the searcher never took the delivery"
            time.sleep(0.01)
        rival_took = 0
        while not searching.done():
            rival_took += rival.run_due()
            time.sleep(0.05)
        took = time.monotonic() - started
    shop.sandbox.control("PATCH", "faults", {"latency": 0})

    assert searching.result() == 1 and rival_took == 0
    assert took > 0.8, "the search was shorter than the lease: nothing to keep"
    outcome = shop.state.callbacks.inbox.get(delivery.id).outcome
    assert outcome is not None and outcome.startswith("order SLOW-OLD-1: approved (found by")


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_a_process_that_exits_finishes_the_delivery_it_is_on(shop, tmp_path):
    """A worker process that exits (a restart) lets its workers finish what they took, so no
    delivery waits for a lease to run out."""
    session = shop.start("EXITS-1")
    look_up(shop, "EXITS-1")  # the merchant token is in the store: the process only looks up
    shop.settle(session.online_order_id, "approve")
    delivery = stored_without_workers(shop, "EXITS-1")
    shop.sandbox.control("PATCH", "faults", {"latency": 1})  # it exits mid-lookup
    config = {k: str(v) for k, v in shop.app.config.items()
              if k.startswith("FLEXITI_") and isinstance(v, (str, int, float))}  # fmt: skip
    env = {**os.environ, **config, "SECRET_KEY": shop.app.config["SECRET_KEY"]}
    env["FLEXITI_INSTANCE_PATH"] = str(tmp_path / "worker")
    script = Path(__file__).parents[2] / "support" / "callback_worker_process.py"
    done = subprocess.run([sys.executable, str(script), "300", "exit"], env=env, timeout=60,
                          capture_output=True, text=True)  # fmt: skip
    shop.sandbox.control("PATCH", "faults", {"latency": 0})
    assert done.returncode == 0, done.stderr[-2000:]
    finished = shop.state.callbacks.inbox.get(delivery.id)
    assert finished.lease_owner is None and finished.outcome == "order EXITS-1: approved"
    assert shop.order("EXITS-1").status is OrderStatus.APPROVED


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_two_workers_never_take_one_delivery(shop):
    """Workers of several processes racing for one due delivery: exactly one takes it."""
    shop.start("RACE-2")
    delivery = stored_without_workers(shop, "RACE-2")
    inbox = shop.state.callbacks.inbox
    now = time.time()
    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda n: inbox.claim_due(f"w{n}", now=now, lease=60), range(8)))
    assert [d.id for batch in taken for d in batch] == [delivery.id]


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
@pytest.mark.shop_config({"FLEXITI_LOOKUP_INTERVAL": "30s"})
def test_a_throttled_delivery_whose_order_settled_meanwhile_is_processed(shop):
    """A delivery that met the throttle is due again later; if its order settled meanwhile it
    is processed then (its outcome the order's status), not left "lookup throttled"."""
    session = shop.start("MEANWHILE-1")
    look_up(shop, "MEANWHILE-1")  # the throttle is closed now
    body = {**NAMING, "merchant_orderid": "MEANWHILE-1"}
    answer = requests.post(f"{shop.url}/flexiti/callback", json=body, timeout=10)
    throttled = shop.delivery(answer.json()["delivery_id"])
    assert throttled.outcome == "order MEANWHILE-1: lookup throttled"
    assert throttled.processed_at is None and throttled.next_attempt_at is not None
    shop.settle(session.online_order_id, "approve")
    with shop.app.app_context():  # the reconciler (force) settles the order meanwhile
        shop.state.orders.refresh("MEANWHILE-1", source="reconcile", force=True)
    assert shop.order("MEANWHILE-1").status is OrderStatus.APPROVED
    shop.state.callback_workers.stop()

    assert another_worker(shop, ahead=35).run_due() == 1

    done = shop.state.callbacks.inbox.get(throttled.id)
    assert done.processed_at is not None and done.outcome == "order MEANWHILE-1: approved"
    assert shop.state.callbacks.inbox.deliveries(unprocessed_only=True) == []


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
@pytest.mark.shop_config({"FLEXITI_LOOKUP_INTERVAL": "5s"})
def test_fifty_forged_callbacks_naming_one_order_make_one_lookup_per_interval(shop):
    """Without a callback secret, fifty callbacks naming one order, one after another, are no
    news: the throttle holds them to one lookup per interval, and every one is processed."""
    shop.start("FORGED-2")
    body = {**NAMING, "merchant_orderid": "FORGED-2", "purchase": {"purchase_status": "SUCCESS"}}
    ids = []
    began = time.monotonic()
    with requests.Session() as http:
        for _ in range(50):
            answer = http.post(f"{shop.url}/flexiti/callback", json=body, timeout=10)
            assert answer.status_code == 200
            ids.append(answer.json()["delivery_id"])
            shop.delivery(ids[-1])  # each one tried before the next arrives
    spanned = intervals_since(began)
    burst = lookups_of(shop, "FORGED-2")
    assert 1 <= burst <= 1 + spanned
    deadline = time.monotonic() + 30
    while shop.state.callbacks.inbox.deliveries(unprocessed_only=True):
        assert time.monotonic() < deadline, "throttled deliveries were never processed"
        time.sleep(0.1)
    outcomes = {shop.state.callbacks.inbox.get(n).outcome for n in ids}
    assert outcomes == {"order FORGED-2: pending"}
    # The throttled ones come due an interval later and share one lookup (one per interval
    # their arrivals spanned).
    assert lookups_of(shop, "FORGED-2") <= burst + 1 + spanned
    assert shop.order("FORGED-2").status is OrderStatus.PENDING


SECRET = "callback-secret-0123456789"


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
@pytest.mark.shop_config({"FLEXITI_LOOKUP_INTERVAL": "30s", "FLEXITI_CALLBACK_SECRET": SECRET})
def test_a_callback_on_the_secret_path_is_news_within_the_throttle(shop):
    """With FLEXITI_CALLBACK_SECRET a callback comes from Flexiti: right after a lookup it still
    gets its own, and settles the order at once."""
    session = shop.start("NEWS-1")
    look_up(shop, "NEWS-1")
    shop.settle(session.online_order_id, "approve")
    answer = requests.post(f"{shop.url}/flexiti/callback/{SECRET}",
                           json={**NAMING, "merchant_orderid": "NEWS-1"}, timeout=10)  # fmt: skip
    assert shop.delivery(answer.json()["delivery_id"]).outcome == "order NEWS-1: approved"
    assert lookups_of(shop, "NEWS-1") == 2


@pytest.mark.shop_config({"FLEXITI_ANONYMOUS_CALLBACK_LIMIT": "5/1m"})
def test_anonymous_callbacks_over_the_limit_are_refused_and_counted(shop, caplog):
    """Past FLEXITI_ANONYMOUS_CALLBACK_LIMIT a callback gets 429 with Retry-After and is not
    stored; the deliveries already stored stay; refusals make one log line, with their count."""
    url = f"{shop.url}/flexiti/callback"
    with caplog.at_level(logging.WARNING, logger="flexiti_checkout.lifecycle.callbacks"):
        answers = [requests.post(url, json={"n": n}, timeout=10) for n in range(8)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
    refused = answers[-1]
    assert refused.headers["Retry-After"] == "60"
    assert refused.json()["error"] == "too_many_callbacks"
    assert "FLEXITI_CALLBACK_SECRET" in refused.json()["message"]
    assert shop.state.callbacks.inbox.count_deliveries() == 5
    refusals = [r.getMessage() for r in caplog.records if "429" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].startswith("Refused 1 callback(s)")


@pytest.mark.shop_config(
    {"FLEXITI_ANONYMOUS_CALLBACK_LIMIT": "2/1m", "FLEXITI_CALLBACK_SECRET": SECRET}
)
def test_callbacks_on_the_secret_path_are_not_capped(shop):
    """The cap is for an open callback URL: on the secret path every callback is stored."""
    url = f"{shop.url}/flexiti/callback/{SECRET}"
    answers = [requests.post(url, json={"n": n}, timeout=10) for n in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert shop.state.callbacks.inbox.count_deliveries() == 4


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_replay_leaves_a_delivery_a_worker_holds_and_finishes_the_rest(shop):
    """``flask flexiti replay`` skips a delivery a worker is processing right now (saying so),
    and processes the others under a lease of its own."""
    for merchant_order_id in ("HELD-1", "FREE-1"):
        shop.settle(shop.start(merchant_order_id).online_order_id, "approve")
    held = stored_without_workers(shop, "HELD-1")
    free = stored_without_workers(shop, "FREE-1")
    inbox = shop.state.callbacks.inbox
    assert inbox.claim(held.id, "busy-worker", now=time.time(), lease=60)
    with shop.app.app_context():
        replayed = {d.id: r for d, r in shop.state.callbacks.replay()}
    assert replayed[held.id].outcome == "a worker is processing it right now"
    assert replayed[held.id].retry
    assert replayed[free.id].outcome == "order FREE-1: approved"
    assert inbox.get(held.id).attempts == 0 and inbox.get(held.id).lease_owner == "busy-worker"
    assert inbox.get(free.id).processed_at is not None and inbox.get(free.id).lease_owner is None
    assert shop.order("HELD-1").status is OrderStatus.PENDING


@pytest.mark.shop_config({"FLEXITI_ANONYMOUS_CALLBACK_LIMIT": "3/1m"})
def test_the_limit_counts_callbacks_other_processes_stored(shop):
    """The cap is for all workers together: deliveries another process stored count too."""
    inbox = shop.state.callbacks.inbox
    for n in range(3):
        inbox.add_delivery(method="POST", remote_addr=None, content_type=None,
                           payload={"n": n}, identifiers={})  # fmt: skip
    answer = requests.post(f"{shop.url}/flexiti/callback", json={"n": 3}, timeout=10)
    assert answer.status_code == 429
    assert inbox.count_deliveries() == 3
