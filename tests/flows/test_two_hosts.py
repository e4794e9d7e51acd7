"""Two hosts on one PostgreSQL: two gunicorn masters race callbacks, returns and reconcile.

Each master stands for a host with two workers; they share nothing but the database and Flexiti.
Over 200 orders every outcome arrives five ways at once (a callback to each host, a return to
each host, and a reconcile run), and still each order moves once, announces once, and all of
them together ask Flexiti for one token per scope.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, select

from flexiti_checkout.service.app import create_app
from flexiti_checkout.store.tables import order_events, orders, webhook_outbox
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

    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(select(orders.c.merchant_order_id, orders.c.status)).all()
            statuses = {merchant_order_id: status for merchant_order_id, status in found}
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
    assert statuses == dict.fromkeys(ids, "approved")
    assert moves == dict.fromkeys(ids, 1)
    assert events == dict.fromkeys(ids, 1)
    log = sandbox.control("GET", "requests")["requests"]
    token_requests = [entry for entry in log if entry["path"].endswith("/oauth/token")]
    assert Counter(entry["scope"] for entry in token_requests) == {"customer": 1, "merchant": 1}
