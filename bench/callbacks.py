"""Callbacks per second through gunicorn into the store, beside a bare Flask endpoint.

Starts a sandbox (zero latency) in this process, then two gunicorn servers on loopback with the
same worker settings: the checkout service (``wsgi:app``, a SQLite store in a temporary
directory) and a bare Flask app whose callback endpoint reads the body and answers 200 JSON
(``bare_app`` below). Pending orders are created first and some are settled in the sandbox; then
the same fixed list of callbacks (Flexiti-shaped notifications naming the settled orders, most of
them duplicates) is posted to each server from a pool of client threads, one
``requests.Session`` each. Prints the latency our callback adds over the bare endpoint, and what
the store and the sandbox saw. (The rates this client reaches are its own limit, not the
servers': ``bench/callback_ack.py`` measures throughput at full load with ``wrk``.)

``--realistic`` posts what Flexiti sends instead (``bench/realistic_callbacks.py``): the
documented notification (no order id, only the promo id), each for a fresh order, with Flexiti
100 ms slow. It prints the acknowledgement p99 (goal < 50 ms) and the callback-to-settled p95
(goal < 1 s).


    .venv/bin/python bench/callbacks.py [--callbacks 2000] [--concurrency 8] [--workers 2]
    .venv/bin/python bench/callbacks.py --realistic [--callbacks 600] [--rate 10] [--paced 100]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from flask import Flask, jsonify, request
from harness import gunicorn
from sandbox_service import service_env

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CALLBACK_PATH = "/flexiti/callback"
CLIENT_ID = "flexitidemo"
ADDRESS = {
    "first_name": "Tommy",
    "last_name": "Samson",
    "address_1": "123 Any Street",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M5V 2T6",
}

#: The baseline: a Flask endpoint that reads the callback and answers, storing nothing.
bare_app = Flask("bare")


@bare_app.post(CALLBACK_PATH)
@bare_app.post(CALLBACK_PATH + "/<secret>")
def bare_callback(secret: str | None = None) -> Any:
    request.get_data()
    return jsonify(received=True)


@dataclass
class Run:
    """One server's run: wall time and each request's latency and status."""

    seconds: float
    latencies: list[float]
    statuses: Counter[int]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def notification(merchant_order_id: str, online_order_id: str, outcome: str) -> dict[str, Any]:
    """A notification shaped like Flexiti's (FLEXITI_API.md), personal data included."""
    approved = outcome == "approve"
    status = "SUCCESS" if approved else "DECLINED"
    return {
        "event": "purchase",
        "notificationType": "Success" if approved else "Error",
        "callback_url": "https://shop.example" + CALLBACK_PATH,
        "username": CLIENT_ID,
        "client_id": CLIENT_ID,
        "merchant_orderid": merchant_order_id,
        "online_order_id": int(online_order_id),
        "purchase": {
            "customer_fname": "Sandy",
            "customer_lname": "Boxer",
            "customer_dob": "01/06/1981",
            "customer_postal_code": "M5V2T6",
            "customer_id": "1293835" if approved else None,
            "purchase_status": status,
            "purchase_amount": "499.00",
            "administrative_fee": "0.00",
            "transaction_total_amount": 499,
            "vcc": None,
            "plan_id": "4" if approved else None,
            "term": 12 if approved else None,
            "promo_id": "382712" if approved else None,
            "customer_comparison_result": {
                "billing_information": {"first_name": 1, "last_name": 0.33, "postal_code": 1},
                "shipping_information": {"first_name": 1, "last_name": 0.33, "postal_code": 1},
            }
            if approved
            else None,
        },
    }


def create_orders(env: Mapping[str, str], count: int, concurrency: int) -> dict[str, str]:
    """Start ``count`` checkouts through the service's order service; merchant → online id."""
    from flexiti_checkout.service.app import create_app
    from flexiti_checkout.web.state import flexiti_state

    app = create_app(env)
    state = flexiti_state(app)

    def start(merchant_order_id: str) -> tuple[str, str]:
        with app.app_context():
            started = state.orders.start(
                {
                    "merchant_order_id": merchant_order_id,
                    "amount": "499.00",
                    "billing": dict(ADDRESS),
                    "shipping": dict(ADDRESS),
                }
            )
        return merchant_order_id, started.online_order_id

    try:
        with ThreadPoolExecutor(concurrency) as pool:
            return dict(pool.map(start, [f"B-{n:05d}" for n in range(count)]))
    finally:
        state.store.engine.dispose()


def store_summary(env: Mapping[str, str], ids: list[str]) -> tuple[int, Counter[str]]:
    """Deliveries stored, and the statuses of the orders ``ids``."""
    from flexiti_checkout.store.inbox import Inbox
    from flexiti_checkout.store.repository import Store

    store = Store(env["FLEXITI_STORE_URL"])
    try:
        orders = [store.get_order(m) for m in ids]
        statuses = Counter("missing" if o is None else o.status.value for o in orders)
        return Inbox(store).count_deliveries(), statuses
    finally:
        store.engine.dispose()


def fire(
    url: str,
    bodies: list[dict[str, Any]],
    concurrency: int,
    deadline: float,
    sent_at: dict[int, float] | None = None,
    path: str = CALLBACK_PATH,
) -> Run:
    """Post every body once, ``concurrency`` at a time; stops early only at ``deadline``.

    ``sent_at`` gets the wall-clock time each body (by ``id``) was posted at.
    """
    lock = threading.Lock()
    stop = threading.Event()  # set on Ctrl+C, so the pool's threads end after their request
    queue = iter(bodies)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    def client() -> None:
        with requests.Session() as session:
            while time.monotonic() < deadline and not stop.is_set():
                with lock:
                    body = next(queue, None)
                if body is None:
                    return
                if sent_at is not None:
                    sent_at[id(body)] = time.time()
                began = time.perf_counter()
                response = session.post(url + path, json=body, timeout=30)
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] += 1

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        try:
            for future in [pool.submit(client) for _ in range(concurrency)]:
                future.result()
        except BaseException:
            stop.set()
            raise
    return Run(time.perf_counter() - began, latencies, statuses)


def merged(runs: list[Run]) -> Run:
    """Rounds of one server as one run."""
    return Run(
        sum(run.seconds for run in runs),
        [latency for run in runs for latency in run.latencies],
        sum((run.statuses for run in runs), Counter()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--callbacks", type=int, default=2000, help="callbacks posted to each server")
    add("--concurrency", type=int, default=8, help="client threads")
    add("--orders", type=int, default=100, help="pending orders created first")
    add("--settled", type=int, default=25, help="orders settled, which the callbacks name")
    add("--workers", type=int, default=2, help="gunicorn workers per server")
    add("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    add("--threads", type=int, default=1, help="threads per gthread worker")
    add("--max-seconds", type=float, default=120.0, help="stop posting after this long")
    add("--seed", type=int, default=7)
    add("--realistic", action="store_true", help="fresh orders, documented callbacks, slow Flexiti")
    add("--rate", type=float, default=10.0, help="realistic: customers per second when paced")
    add("--paced", type=int, default=100, help="realistic: customers at --rate, for settle times")
    add("--latency", type=float, default=0.1, help="realistic: Flexiti's latency in seconds")
    add(
        "--secret",
        action="store_true",
        help="realistic: callbacks on FLEXITI_CALLBACK_SECRET's path",
    )
    args = parser.parse_args()
    if args.realistic:
        from realistic_callbacks import run_realistic

        run_realistic(args)
        return
    if not 0 < args.settled <= args.orders:
        parser.error("--settled must be between 1 and --orders")

    from flexiti_checkout.sandbox import create_app as create_sandbox
    from flexiti_checkout.sandbox.server import serve

    rng = random.Random(args.seed)
    sandbox_app = create_sandbox({"LATENCY": 0})
    with (
        tempfile.TemporaryDirectory(prefix="bench-callbacks-") as tmp,
        serve(sandbox_app) as sandbox_server,
    ):
        sandbox = f"http://127.0.0.1:{sandbox_server.server_port}"
        # Measured, not refused: thousands of callbacks a minute is no shop's normal volume (the
        # cap's count query still runs on each one).
        env = service_env(sandbox, tmp, "callbacks", FLEXITI_ANONYMOUS_CALLBACK_LIMIT="1000000/1m")
        online_ids = create_orders(env, args.orders + 1, args.concurrency)
        warmup_id, warmup_online_id = online_ids.popitem()
        settled = rng.sample(sorted(online_ids), args.settled)
        outcomes = {m: rng.choice(("approve", "approve", "decline")) for m in settled}
        with requests.Session() as control:
            for online_id, outcome in [
                *((online_ids[m], outcome) for m, outcome in outcomes.items()),
                (warmup_online_id, "approve"),
            ]:
                control.post(
                    f"{sandbox}/_sandbox/orders/{online_id}/settle",
                    json={"outcome": outcome},
                    timeout=10,
                ).raise_for_status()
        bodies = [
            notification(m, online_ids[m], outcomes[m])
            for m in (settled * (args.callbacks // len(settled) + 1))[: args.callbacks]
        ]
        rng.shuffle(bodies)
        warmup = [notification(warmup_id, warmup_online_id, "approve")] * (args.concurrency * 4)

        with (
            gunicorn("callbacks:bare_app", BENCH_DIR, env, args) as bare_url,
            gunicorn("wsgi:app", ROOT, env, args) as ours_url,
        ):
            servers = {"bare": bare_url, "ours": ours_url}
            deadline = time.monotonic() + args.max_seconds
            for url in servers.values():
                fire(url, warmup, args.concurrency, deadline)
            # Two rounds each, taking turns, so that a drift of the machine hits both alike.
            rounds: dict[str, list[Run]] = {name: [] for name in servers}
            half = len(bodies) // 2
            for part in (bodies[:half], bodies[half:]):
                for name, url in servers.items():
                    rounds[name].append(fire(url, part, args.concurrency, deadline))
            runs = {name: merged(done) for name, done in rounds.items()}
        stored, statuses = store_summary(env, settled)
        sandbox_app.extensions["flexiti_sandbox"].callbacks.stop()
        lookups = sum(
            "/notifications/" in entry["path"]
            for entry in sandbox_app.extensions["flexiti_sandbox"].requests.entries()
        )

    bare, ours = runs["bare"], runs["ours"]
    print(
        f"{args.callbacks} callbacks naming {args.settled} settled orders (of {args.orders} "
        f"pending), {args.concurrency} client threads; gunicorn {args.workers} x "
        f"{args.worker_class}" + (f" ({args.threads} threads)" if args.threads > 1 else "")
    )
    print(f"{'':6} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for name, run in runs.items():
        print(
            f"{name:6} {run.rate:8.0f} {statistics.median(run.latencies) * 1000:10.2f} "
            f"{run.percentile(95) * 1000:8.2f} {run.percentile(99) * 1000:8.2f}  "
            f"{dict(run.statuses)}"
        )
    ratio = ours.rate / bare.rate
    print(f"rates ours/bare: {ratio:.3f} (this Python client's, not a throughput figure: "
          "bench/callback_ack.py measures that with wrk)")  # fmt: skip
    overhead_median = statistics.median(ours.latencies) - statistics.median(bare.latencies)
    overhead_p95 = ours.percentile(95) - bare.percentile(95)
    print(
        f"overhead per callback: median {overhead_median * 1000:+.2f} ms, "
        f"p95 {overhead_p95 * 1000:+.2f} ms"
    )
    print(
        f"store: {stored} deliveries (incl. {len(warmup)} warm-up); settled orders now "
        f"{dict(statuses)}; lookups at the sandbox: {lookups}"
    )
    if set(bare.statuses) != {200} or set(ours.statuses) != {200}:
        raise SystemExit("some callbacks were not answered 200")
    if len(ours.latencies) < args.callbacks or len(bare.latencies) < args.callbacks:
        raise SystemExit(f"stopped at --max-seconds {args.max_seconds} before the end")


if __name__ == "__main__":
    main()
