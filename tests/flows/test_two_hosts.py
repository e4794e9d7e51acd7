"""Two hosts on one PostgreSQL: two gunicorn masters race callbacks, returns and reconcile.

Each master stands for a host with two workers; they share nothing but the database and Flexiti.
Over 200 orders every outcome arrives five ways at once (a callback to each host, a return to
each host, and a reconcile run), and still each order moves once, announces once, and all of
them together ask Flexiti for one token per scope. Then the same hosts with a worker process
each (``FLEXITI_BACKGROUND_WORK=worker``), killed and restarted while they work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, func, select, update

from flexiti_checkout.service.app import create_app
from flexiti_checkout.store.tables import deliveries, order_events, orders, webhook_outbox
from flexiti_checkout.store.tables import refunds as refunds_table
from support.apps import close_app
from support.gunicorn import run_gunicorn, service_env, wait_for_workers
from support.sandbox_server import CallbackReceiver, SandboxServer

pytestmark = [pytest.mark.slow, pytest.mark.postgresql_only]

ORDERS = 200


def notification(merchant_order_id: str, online_order_id: str) -> dict[str, Any]:
    return {"event": "purchase", "notificationType": "Success",
            "merchant_orderid": merchant_order_id, "online_order_id": online_order_id}  # fmt: skip


def test_two_hosts_settle_each_order_once(
    sandbox: SandboxServer, tmp_path: Path, store_url: str, callback_receiver: CallbackReceiver
) -> None:
    """Callbacks, returns and reconcile racing on two hosts: one transition and one webhook
    event per order, and one token request per scope across both hosts."""
    env = service_env(sandbox, tmp_path, store_url)
    env.update(
        FLEXITI_SHOP_WEBHOOK_URL=callback_receiver.url,
        FLEXITI_SHOP_WEBHOOK_SECRET="whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        FLEXITI_API_KEYS="two-hosts-api-key-0123456789",
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ids = [f"H-{n:03d}" for n in range(ORDERS)]
    with (
        run_gunicorn("worker_app:app", env, tmp_path / "a") as host_a,
        run_gunicorn("worker_app:app", env, tmp_path / "b") as host_b,
        ThreadPoolExecutor(16) as pool,
    ):
        wait_for_workers(host_a, 2)
        wait_for_workers(host_b, 2)
        hosts = (host_a, host_b)
        started = list(pool.map(
            lambda n: requests.post(f"{hosts[n % 2]}/start/{ids[n]}", timeout=30), range(ORDERS)
        ))  # fmt: skip
        assert [r.status_code for r in started] == [200] * ORDERS, started[0].text
        online = {m: r.json()["online_order_id"] for m, r in zip(ids, started, strict=True)}
        sandbox.control("PATCH", "settings", {"callback_url": None})
        # Every customer approves; the news must come from us asking.
        settle = {"outcome": "approve"}
        list(pool.map(lambda m: sandbox.control("POST", f"orders/{online[m]}/settle", settle), ids))

        def reconcile() -> int:
            app = create_app(env)
            try:
                return app.test_cli_runner().invoke(args=["flexiti", "reconcile"]).exit_code
            finally:
                close_app(app)

        sweeps = [pool.submit(reconcile) for _ in range(2)]
        calls = [
            pool.submit(requests.post, url, timeout=30, **extra)
            for m in ids
            for host in hosts
            for url, extra in (
                (f"{host}/flexiti/callback", {"json": notification(m, online[m])}),
                (f"{host}/return/{m}", {}),
            )
        ]
        assert [call.result().status_code for call in calls] == [200] * len(calls)
        assert [sweep.result() for sweep in sweeps] == [0, 0]

    statuses, moves, events = what_the_store_says(store_url)
    assert statuses == dict.fromkeys(ids, "approved")
    assert moves == dict.fromkeys(ids, 1)
    assert events == dict.fromkeys(ids, 1)
    log = sandbox.control("GET", "requests")["requests"]
    token_requests = [entry for entry in log if entry["path"].endswith("/oauth/token")]
    assert Counter(entry["scope"] for entry in token_requests) == {"customer": 1, "merchant": 1}


WORKER_ORDERS = 60
FLASK = Path(sys.executable).with_name("flask")


def start_worker(env: dict[str, str], workdir: Path) -> subprocess.Popen[bytes]:
    """``flask flexiti worker`` for the service, as a host would run it beside gunicorn."""
    with open(workdir / "worker.log", "ab") as log:  # the process keeps its own copy open
        return subprocess.Popen(
            [str(FLASK), "--app", "flexiti_checkout.service:create_app()", "flexiti", "worker"],
            env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def test_two_hosts_with_workers_killed_settle_once_and_deliver_every_webhook(
    sandbox: SandboxServer, tmp_path: Path, store_url: str, callback_receiver: CallbackReceiver
) -> None:
    """Web processes only store callbacks; a worker per host settles them and sends the
    webhooks. Both workers are SIGKILLed mid-burst and restarted: each order still moves once,
    and each order's webhook event is delivered."""
    env = service_env(sandbox, tmp_path, store_url)
    env.update(
        FLEXITI_SHOP_WEBHOOK_URL=callback_receiver.url,
        FLEXITI_SHOP_WEBHOOK_SECRET="whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        FLEXITI_API_KEYS="two-hosts-api-key-0123456789",
        FLEXITI_BACKGROUND_WORK="worker",
        FLEXITI_WORKER_POLL_INTERVAL="100ms",
    )
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
    ids = [f"W-{n:03d}" for n in range(WORKER_ORDERS)]
    workers = [start_worker(env, folder) for folder in folders]
    try:
        with (
            run_gunicorn("worker_app:app", env, folders[0]) as host_a,
            run_gunicorn("worker_app:app", env, folders[1]) as host_b,
            ThreadPoolExecutor(8) as pool,
        ):
            hosts = (host_a, host_b)
            wait_for_workers(host_a, 2)
            wait_for_workers(host_b, 2)
            started = list(pool.map(
                lambda n: requests.post(f"{hosts[n % 2]}/start/{ids[n]}", timeout=30),
                range(WORKER_ORDERS),
            ))  # fmt: skip
            assert [r.status_code for r in started] == [200] * WORKER_ORDERS, started[0].text
            online = {m: r.json()["online_order_id"] for m, r in zip(ids, started, strict=True)}
            sandbox.control("PATCH", "settings", {"callback_url": None})
            settle = {"outcome": "approve"}
            list(pool.map(lambda m: sandbox.control("POST", f"orders/{online[m]}/settle", settle),
                          ids))  # fmt: skip
            # A callback per order to each host, each worker killed and restarted mid-burst. An
            # order's two callbacks come far apart, as from two retries of Flexiti's. What a
            # killed worker held is taken over once its leases run out (moved past at once).
            posts = [(host, m) for host in hosts for m in ids]
            for third, (begin, end) in enumerate(((0, 40), (40, 80), (80, len(posts)))):
                answers = pool.map(
                    lambda post: requests.post(f"{post[0]}/flexiti/callback", timeout=30,
                                               json=notification(post[1], online[post[1]])),
                    posts[begin:end],
                )  # fmt: skip
                assert {answer.status_code for answer in answers} == {200}
                if third < 2:
                    workers[third].kill()
                    workers[third].wait()
                    run_out_leases_of(store_url, workers[third].pid)
                    workers[third] = start_worker(env, folders[third])
            done = settled_and_delivered(store_url, ids, timeout=150)
            assert done == (len(ids), len(ids)), f"(approved, delivered) = {done}: work left"
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                assert worker.wait(timeout=30) == 0  # SIGTERM: a clean stop
            except BaseException:
                worker.kill()
                for folder in folders:
                    print((folder / "worker.log").read_text(errors="replace"), file=sys.stderr)
                raise
    statuses, moves, events = what_the_store_says(store_url)
    assert statuses == dict.fromkeys(ids, "approved")
    assert moves == dict.fromkeys(ids, 1)
    assert events == dict.fromkeys(ids, 1)
    delivered = Counter(r["json"]["data"]["merchant_order_id"] for r in callback_receiver.received)
    assert set(delivered) == set(ids)  # at least once each; a killed attempt may repeat one
    repeated = sum(count - 1 for count in delivered.values())
    print(f"{WORKER_ORDERS} orders, 2 workers killed, {repeated} webhook deliveries repeated")


def run_out_leases_of(store_url: str, pid: int) -> None:
    """Move time past the leases a killed process held (a callback's 5 minutes, a webhook
    event's minute), as if they had run out: the other workers take that work over."""
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            for table in (deliveries, webhook_outbox):
                conn.execute(
                    update(table)
                    .where(table.c.lease_owner.startswith(f"{pid}:"))
                    .values(lease_until=time.time() - 1)
                )
    finally:
        engine.dispose()


def settled_and_delivered(store_url: str, ids: list[str], *, timeout: float) -> tuple[int, int]:
    """Orders approved and webhook events delivered, once both reach ``len(ids)`` or at the
    timeout."""
    engine = create_engine(store_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                approved = conn.execute(
                    select(func.count()).where(orders.c.status == "approved")
                ).scalar_one()
                delivered = conn.execute(
                    select(func.count()).where(webhook_outbox.c.status == "delivered")
                ).scalar_one()
            if approved == delivered == len(ids) or time.monotonic() > deadline:
                return approved, delivered
            time.sleep(0.2)
    finally:
        engine.dispose()


def what_the_store_says(store_url: str) -> tuple[dict[str, str], Counter[str], Counter[str]]:
    """Each order's status, its moves to ``approved`` and its webhook events, by merchant id."""
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(select(orders.c.merchant_order_id, orders.c.status)).all()
            moves = Counter(
                conn.execute(
                    select(orders.c.merchant_order_id)
                    .join(order_events, order_events.c.order_id == orders.c.id)
                    .where(order_events.c.to_status == "approved")
                ).scalars()
            )
            events = Counter(conn.execute(select(webhook_outbox.c.merchant_order_id)).scalars())
    finally:
        engine.dispose()
    return {merchant_order_id: status for merchant_order_id, status in found}, moves, events


REFUND_ORDERS = 12
REFUNDS_PER_ORDER = 12  # of 50.00 each: two more than a 500.00 order holds
REFUND_KILLS = 20


def test_two_hosts_with_workers_lose_no_refund_under_sigkill(
    sandbox: SandboxServer, tmp_path: Path, store_url: str
) -> None:
    """Refunds sent to both hosts (each key twice, retried after a dropped connection) while
    their web workers and worker processes are SIGKILLed: no key answered without its refund,
    no key refunded twice, no order refunded past its amount, here or at Flexiti."""
    env = service_env(sandbox, tmp_path, store_url)
    env.update(
        FLEXITI_POS_API_URL=sandbox.pos_api_url,
        FLEXITI_API_KEYS="two-hosts-api-key-0123456789",
        FLEXITI_BACKGROUND_WORK="worker",
        FLEXITI_WORKER_POLL_INTERVAL="100ms",
        FLEXITI_REQUEST_BUDGET="1s",
    )
    bearer = {"Authorization": "Bearer two-hosts-api-key-0123456789"}
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
    ids = [f"R-{n:03d}" for n in range(REFUND_ORDERS)]
    keys = [(m, f"{m}-k{k}") for m in ids for k in range(REFUNDS_PER_ORDER)]
    workers = [start_worker(env, folder) for folder in folders]
    answered: dict[str, int] = {}
    pids: set[int] = set()
    try:
        with (
            run_gunicorn("worker_app:app", env, folders[0]) as host_a,
            run_gunicorn("worker_app:app", env, folders[1]) as host_b,
            ThreadPoolExecutor(12) as pool,
        ):
            hosts = (host_a, host_b)
            pids |= wait_for_workers(host_a, 2) | wait_for_workers(host_b, 2)
            started = list(pool.map(
                lambda n: requests.post(f"{hosts[n % 2]}/start/{ids[n]}?amount=500.00",
                                        timeout=30),
                range(REFUND_ORDERS),
            ))  # fmt: skip
            online = {m: r.json()["online_order_id"] for m, r in zip(ids, started, strict=True)}
            for m in ids:
                sandbox.control("POST", f"orders/{online[m]}/settle", {"outcome": "approve"})
                requests.post(f"{hosts[0]}/return/{m}", timeout=30)
            sandbox.control("PATCH", "faults", {"latency": 0.2})  # kills land mid-return

            def refund(n: int) -> tuple[str, int]:
                """One key, to one host then the other, sent again after a dropped connection
                until it is answered (as a client would)."""
                merchant_order_id, key = keys[n // 2]
                url = f"{hosts[n % 2]}/flexiti/api/orders/{merchant_order_id}/refunds"
                for _ in range(50):
                    try:
                        headers = {**bearer, "Idempotency-Key": key}
                        answer = requests.post(
                            url, json={"amount": "50.00"}, headers=headers, timeout=30
                        )
                    except requests.RequestException:  # its worker was killed, or is booting
                        time.sleep(0.1)
                        continue
                    pids.add(int(answer.headers.get("X-Worker-Pid", 0)))
                    return key, answer.status_code
                return key, 0

            burst = pool.map(refund, range(len(keys) * 2))
            kills = 0
            while kills < REFUND_KILLS:
                time.sleep(1.0)  # one kill a second: the respawned worker serves meanwhile
                live = [pid for pid in pids if pid and _alive(pid)]
                if live:
                    os.kill(live[kills % len(live)], signal.SIGKILL)
                    kills += 1
                if kills in (5, 15):  # a worker process too, restarted
                    which = kills // 10
                    workers[which].kill()
                    workers[which].wait()
                    workers[which] = start_worker(env, folders[which])
            for key, status in burst:
                answered[key] = max(answered.get(key, 0), status)
            sandbox.control("PATCH", "faults", {"latency": 0})
            _requested_long_ago(store_url)  # their processes are dead: reconcile's to settle
            reconcile = subprocess.run(
                [str(FLASK), "--app", "flexiti_checkout.service:create_app()", "flexiti",
                 "reconcile"], env=env, cwd=folders[0], capture_output=True, text=True,
                timeout=300,
            )  # fmt: skip
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
    refunds = _refunds(store_url)
    ledger = {str(t["transaction_id"]): t for t in sandbox.control("GET", "pos")["transactions"]}
    by_key = Counter(r["idempotency_key"] for r in refunds)
    lost = [key for key, status in answered.items() if 200 <= status < 300 and key not in by_key]
    duplicated = [key for key, count in by_key.items() if count > 1]
    statuses = Counter(r["status"] for r in refunds)
    over, flexiti_over = [], []
    for m in ids:
        mine = [r for r in refunds if r["merchant_order_id"] == m]
        live = sum(Decimal(r["amount"]) for r in mine if r["status"] != "failed")
        if live > Decimal("500.00"):
            over.append(m)
        succeeded = sum(Decimal(r["amount"]) for r in mine if r["status"] == "succeeded")
        purchase = ledger[_transaction_of(store_url, m)]
        returned = Decimal(purchase["returned"])
        sent = len([r for r in mine if r["status"] != "failed"])
        if returned > live or len(purchase["returns"]) > sent:  # more than we asked: twice
            flexiti_over.append((m, returned, succeeded))
    print(
        f"{len(keys)} refund keys, each sent to both hosts ({len(keys) * 2} requests), "
        f"{REFUND_KILLS} web workers and 2 worker processes SIGKILLed; answers "
        f"{dict(Counter(answered.values()))}; refunds {dict(statuses)}; reconcile exit "
        f"{reconcile.returncode}; lost {len(lost)}, duplicated {len(duplicated)}, "
        f"over-refunded {len(over)} (store) {len(flexiti_over)} (Flexiti)"
    )
    assert not lost and not duplicated and not over and not flexiti_over, (
        lost, duplicated, over, flexiti_over, reconcile.stdout, reconcile.stderr,
    )  # fmt: skip
    assert set(answered.values()) <= {200, 201, 202, 400}, answered


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _requested_long_ago(store_url: str) -> None:
    """Move the refunds still ``requested`` past reconcile's wait for their dead processes."""
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(refunds_table)
                .where(refunds_table.c.status == "requested")
                .values(created_at=time.time() - 3600)
            )
    finally:
        engine.dispose()


def _refunds(store_url: str) -> list[dict[str, Any]]:
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(select(refunds_table))]
    finally:
        engine.dispose()


def _transaction_of(store_url: str, merchant_order_id: str) -> str:
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            found = select(orders.c.transaction_id).where(
                orders.c.merchant_order_id == merchant_order_id
            )
            return str(conn.execute(found).scalar_one())
    finally:
        engine.dispose()
