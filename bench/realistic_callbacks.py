"""``bench/callbacks.py --realistic``: what Flexiti sends, for fresh orders, with Flexiti slow.

Every callback is the documented notification (the sandbox's default shape: no merchant or online
order id, only the promo id and customer id), each about an order nobody has settled here yet,
and the sandbox answers every API call ``--latency`` (100 ms) late.

1. Burst: ``--callbacks`` orders are started and settled at the sandbox, then their callbacks are
   posted as fast as ``--concurrency`` client threads go, to the bare endpoint and to ours in
   turns. This gives the acknowledgement latency and the throughput ratio. The store is then
   watched until every order has settled: how long a burst takes to work off; and until every
   delivery is processed (a delivery whose order another search settled still is, at no lookup).
2. Paced, once the inbox is empty: ``--paced`` customers arrive at ``--rate`` per second; each
   starts a checkout, decides at Flexiti a second later, and Flexiti posts the callback.
   Callback-to-settled is the time from posting the callback to the order's settlement in the
   store (its ``status_at``).

The bare endpoint stores nothing; ours runs with its defaults, except the anonymous callback cap,
raised so that the burst is measured rather than refused (the cap's count query still runs).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from callbacks import (
    ADDRESS,
    BENCH_DIR,
    CALLBACK_PATH,
    ROOT,
    Run,
    create_orders,
    fire,
    merged,
    notification,
)
from harness import gunicorn
from sandbox_service import service_env

SETTLE_WAIT = 300.0
SECRET = "bench-callback-secret-0123456789"


def documented(merchant_order_id: str, online_order_id: str, settled: Mapping[str, Any]) -> dict:
    """Flexiti's notification for an approved purchase: no order id, its promo and customer ids."""
    body = notification(merchant_order_id, online_order_id, "approve")
    del body["merchant_orderid"], body["online_order_id"]
    body["purchase"].update(
        promo_id=settled["promo_id"], customer_id=settled["customer_id"], purchase_status="Success"
    )
    return body


def settle(sandbox: str, online_order_id: str) -> dict[str, Any]:
    answer = requests.post(
        f"{sandbox}/_sandbox/orders/{online_order_id}/settle",
        json={"outcome": "approve"},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()


def settled_at(store_url: str, ids: list[str]) -> dict[str, float]:
    """When each order of ``ids`` that has settled did (its ``status_at``)."""
    from sqlalchemy import create_engine, select

    from flexiti_checkout.store.tables import orders

    wanted = set(ids)
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(orders.c.merchant_order_id, orders.c.status_at).where(
                    orders.c.status != "pending"
                )
            ).all()
    finally:
        engine.dispose()
    return {m: at for m, at in rows if m in wanted}


def attempts_since(store_url: str, since: float) -> Counter[int]:
    """How many tries the deliveries received since ``since`` took (a count per number)."""
    from sqlalchemy import create_engine, select

    from flexiti_checkout.store.tables import deliveries

    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(deliveries.c.attempts).where(deliveries.c.received_at >= since)
            ).all()
    finally:
        engine.dispose()
    return Counter(attempts for (attempts,) in rows)


def wait_drained(store_url: str, timeout: float) -> int:
    """Wait until no stored delivery is left to process (the burst's repeats included); how
    many were left when ``timeout`` ran out."""
    from sqlalchemy import create_engine, func, select

    from flexiti_checkout.store.tables import deliveries

    engine = create_engine(store_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                left = conn.execute(
                    select(func.count()).where(deliveries.c.processed_at.is_(None))
                ).scalar_one()
            if not left or time.monotonic() > deadline:
                return int(left)
            time.sleep(0.2)
    finally:
        engine.dispose()


def wait_settled(store_url: str, ids: list[str], timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while True:
        done = settled_at(store_url, ids)
        if len(done) == len(ids) or time.monotonic() > deadline:
            return done
        time.sleep(0.2)


def paced_customers(
    env: Mapping[str, str],
    url: str,
    path: str,
    sandbox: str,
    args: argparse.Namespace,
    prefix: str = "P",
) -> tuple[list[float], dict[str, float]]:
    """``args.paced`` customers at ``args.rate`` per second, their merchant order ids starting
    with ``prefix``; ack latencies, posting times."""
    from flexiti_checkout.service.app import create_app
    from flexiti_checkout.web.state import flexiti_state

    app = create_app(env)
    state = flexiti_state(app)
    acks: list[float] = []
    posted: dict[str, float] = {}
    lock = threading.Lock()
    began = time.monotonic()

    def customer(n: int) -> None:
        time.sleep(max(0.0, began + n / args.rate - time.monotonic()))
        merchant_order_id = f"{prefix}-{n:05d}"
        with app.app_context():
            started = state.orders.start({"merchant_order_id": merchant_order_id,
                                          "amount": "499.00", "billing": dict(ADDRESS),
                                          "shipping": dict(ADDRESS)})  # fmt: skip
        time.sleep(1.0)  # the customer decides at Flexiti
        body = documented(
            merchant_order_id, started.online_order_id, settle(sandbox, started.online_order_id)
        )
        with requests.Session() as http:
            at = time.time()
            sent = time.perf_counter()
            answer = http.post(url + path, json=body, timeout=30)
            elapsed = time.perf_counter() - sent
        answer.raise_for_status()
        with lock:
            acks.append(elapsed)
            posted[merchant_order_id] = at

    try:
        with ThreadPoolExecutor(max(8, int(args.rate * 2) + 4)) as pool:
            list(pool.map(customer, range(args.paced)))
    finally:
        state.store.engine.dispose()
    return acks, posted


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def run_realistic(args: argparse.Namespace) -> None:
    from flexiti_checkout.sandbox import create_app as create_sandbox
    from flexiti_checkout.sandbox.server import serve

    sandbox_app = create_sandbox({"LATENCY": 0})
    with (
        tempfile.TemporaryDirectory(prefix="bench-callbacks-") as tmp,
        serve(sandbox_app) as sandbox_server,
    ):
        sandbox = f"http://127.0.0.1:{sandbox_server.server_port}"
        env = service_env(sandbox, tmp, "callbacks", FLEXITI_ANONYMOUS_CALLBACK_LIMIT="1000000/1m")
        path = CALLBACK_PATH
        if args.secret:
            env["FLEXITI_CALLBACK_SECRET"] = SECRET
            path = f"{CALLBACK_PATH}/{SECRET}"
        online_ids = create_orders(env, args.callbacks + 1, args.concurrency)
        warmup_id, warmup_online_id = online_ids.popitem()
        settle(sandbox, warmup_online_id)
        # Warm-up callbacks name their order: one lookup settles it, the rest cost none.
        warmup = [notification(warmup_id, warmup_online_id, "approve")] * (args.concurrency * 2)
        with ThreadPoolExecutor(args.concurrency) as pool:
            answers = list(pool.map(lambda m: settle(sandbox, online_ids[m]), online_ids))
        by_body: dict[int, str] = {}
        bodies = []
        for (m, online_id), answer in zip(online_ids.items(), answers, strict=True):
            bodies.append(documented(m, online_id, answer))
            by_body[id(bodies[-1])] = m
        requests.patch(f"{sandbox}/_sandbox/faults", json={"latency": args.latency},
                       timeout=10).raise_for_status()  # fmt: skip

        with (
            gunicorn("callbacks:bare_app", BENCH_DIR, env, args) as bare_url,
            gunicorn("wsgi:app", ROOT, env, args) as ours_url,
        ):
            servers = {"bare": bare_url, "ours": ours_url}
            deadline = time.monotonic() + args.max_seconds
            for url in servers.values():
                fire(url, warmup, args.concurrency, deadline, path=path)
            sent_at: dict[int, float] = {}
            rounds: dict[str, list[Run]] = {name: [] for name in servers}
            half = len(bodies) // 2
            for part in (bodies[:half], bodies[half:]):
                for name, url in servers.items():
                    timing = sent_at if name == "ours" else None
                    rounds[name].append(
                        fire(url, part, args.concurrency, deadline, timing, path=path)
                    )
            runs = {name: merged(done) for name, done in rounds.items()}
            burst_ids = list(online_ids)
            burst_done = wait_settled(env["FLEXITI_STORE_URL"], burst_ids, SETTLE_WAIT)
            # The paced customers find a quiet inbox: every delivery of the burst processed.
            drained_after = time.monotonic()
            left = wait_drained(env["FLEXITI_STORE_URL"], SETTLE_WAIT)
            drained_in = time.monotonic() - drained_after
            paced_from = time.time()
            acks, posted = paced_customers(env, ours_url, path, sandbox, args)
            paced_done = wait_settled(env["FLEXITI_STORE_URL"], list(posted), 60)
            tries = attempts_since(env["FLEXITI_STORE_URL"], paced_from)
        lookups = sum(
            "/notifications/" in entry["path"]
            for entry in sandbox_app.extensions["flexiti_sandbox"].requests.entries()
        )

    bare, ours = runs["bare"], runs["ours"]
    burst_delays = [burst_done[by_body[key]] - at for key, at in sent_at.items()
                    if by_body[key] in burst_done]  # fmt: skip
    paced_delays = [paced_done[m] - at for m, at in posted.items() if m in paced_done]
    print(
        f"realistic: documented callbacks (promo id only) for fresh orders; Flexiti "
        f"{args.latency * 1000:.0f} ms slow; gunicorn {args.workers} x {args.worker_class}; "
        + ("on the FLEXITI_CALLBACK_SECRET path" if args.secret else "no callback secret")
    )
    print(f"burst: {len(bodies)} callbacks, {args.concurrency} client threads")
    print(f"{'':6} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for name, run in runs.items():
        print(
            f"{name:6} {run.rate:8.0f} {statistics.median(run.latencies) * 1000:10.2f} "
            f"{run.percentile(95) * 1000:8.2f} {run.percentile(99) * 1000:8.2f}  "
            f"{dict(run.statuses)}"
        )
    ratio = ours.rate / bare.rate
    ack_p99 = ours.percentile(99)
    print(f"acknowledgement p99: {ack_p99 * 1000:.2f} ms (goal < 50 ms) "
          f"{'OK' if ack_p99 < 0.05 else 'ABOVE GOAL'}")  # fmt: skip
    print(f"rates ours/bare: {ratio:.3f} (this Python client's, not a throughput figure: "
          "bench/callback_ack.py measures that with wrk)")  # fmt: skip
    if burst_delays:
        median, p95 = statistics.median(burst_delays), percentile(burst_delays, 95)
        print(
            f"burst worked off: {len(burst_done)}/{len(bodies)} settled; callback-to-settled "
            f"median {median:.2f} s, p95 {p95:.2f} s, last {max(burst_delays):.2f} s"
        )
    print(f"  every burst delivery processed {drained_in:.1f} s after the last order settled"
          + (f" ({left} still unprocessed)" if left else ""))  # fmt: skip
    print(f"paced: {args.paced} customers at {args.rate:g}/s, each deciding 1 s after starting")
    if len(acks) > 1 and len(paced_delays) > 1:
        p95 = percentile(paced_delays, 95)
        print(
            f"  acknowledgement p99 {percentile(acks, 99) * 1000:.2f} ms; {len(paced_done)}/"
            f"{len(posted)} settled; callback-to-settled median "
            f"{statistics.median(paced_delays) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
            f"(goal < 1 s) {'OK' if p95 < 1 else 'ABOVE GOAL'}"
        )
    print(f"  callbacks by tries it took to settle them: {dict(sorted(tries.items()))}")
    print(f"lookups at the sandbox: {lookups}; statuses {dict(Counter(ours.statuses))}")
    if set(bare.statuses) != {200} or set(ours.statuses) != {200}:
        raise SystemExit("some callbacks were not answered 200")
