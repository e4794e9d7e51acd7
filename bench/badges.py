"""The storefront calculator: a cold and a warm batch, and warm requests per second.

Starts a sandbox in this process with 100 ms of latency on every API call, then on loopback:

1. the checkout service (``wsgi:app``) under gunicorn with one worker, asked for a batch of 48
   distinct prices cold (goal: under 1 s; one call after another would take 48 x 100 ms = 4.8 s
   for the calculator alone, and each price also needs the gate) and then the same batch warm
   (goal: zero upstream calls). The token is fetched once beforehand, so the cold figure is the
   prices alone; the sandbox's request log counts what reached it.
2. two gunicorn servers with the same worker settings: the service, and a bare Flask app whose
   endpoint returns the exact bytes of the service's warm ``GET /flexiti/calculator`` answer
   (``bare_app`` below). The same requests go to each from a pool of client threads, in
   alternating rounds. Prints requests per second of both and their ratio (goal: at least 0.8).

The client threads share this process's GIL and the machine's cores with both servers: on a
small machine they may cap the bare server's figure, which makes the ratio look better than it is.

Then, each on a store of its own, so every cache starts cold:

3. the shared cache: the service under gunicorn with 4 sync workers and ``FLEXITI_CACHE_TTL`` of
   4 s; 16 client threads ask for the same 24 prices for 2.5 s (cold), and again for 2.5 s once
   the TTL has passed (stale, refreshed). Prints the upstream availability and calculator calls
   per distinct price in each TTL (goal: 1; with a cache per worker it would be up to 4).
4. a slow Flexiti: the sandbox at 1.0 s per API call (token, availability and calculator each
   take a second, beyond the 1.5 s budget), a cold service with 4 workers, and a page of 48
   badges asked for as ``flexiti.js`` asks: one batch, then the prices still ``pending`` again
   after 1, 1, 2, 2, 4, 4, 8 and 8 s. Prints how many badges show (goal: 48) and when.

    .venv/bin/python bench/badges.py [--requests 4000] [--concurrency 8] [--workers 2] \
        [--parts 1,2,3,4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests
from callbacks import Run, gunicorn, merged
from flask import Flask, Response
from sandbox_service import service_env

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CALCULATOR = "/flexiti/calculator"
WARM_QUERY = "?price=499.00&lang=en"
LATENCY = 0.1
SLOW_LATENCY = 1.0
#: flexiti.js's delays (seconds) before asking again for a price still "pending".
PENDING_DELAYS = (1, 1, 2, 2, 4, 4, 8, 8)
FOUR_SYNC_WORKERS = SimpleNamespace(workers=4, worker_class="sync", threads=1)

#: The baseline: the same bytes as the service's warm answer, computed by nothing.
bare_app = Flask("bare")
_BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes() if "BENCH_BODY_FILE" in os.environ else b""


@bare_app.get(CALCULATOR)
def bare_calculator() -> Response:
    return Response(_BODY, mimetype="application/json")


def upstream_calls(sandbox: str) -> dict[str, int]:
    """API calls the sandbox received since the log was last cleared, by kind."""
    entries = requests.get(f"{sandbox}/_sandbox/requests", timeout=10).json()["requests"]
    kinds = {"payment-availability": 0, "payment-calculator": 0, "oauth/token": 0}
    for entry in entries:
        for kind in kinds:
            if kind in entry["path"]:
                kinds[kind] += 1
    return kinds


def batch(url: str, prices: list[str]) -> tuple[float, dict[str, Any]]:
    began = time.perf_counter()
    response = requests.post(url + CALCULATOR, json={"prices": prices, "lang": "en"}, timeout=30)
    elapsed = time.perf_counter() - began
    response.raise_for_status()
    return elapsed, response.json()


def fire(url: str, count: int, concurrency: int, deadline: float) -> Run:
    """``count`` GETs of the warm calculator answer, ``concurrency`` at a time."""
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor
    from threading import Lock

    lock = Lock()
    remaining = [count]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    def client() -> None:
        with requests.Session() as session:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] == 0:
                        return
                    remaining[0] -= 1
                began = time.perf_counter()
                response = session.get(url + CALCULATOR + WARM_QUERY, timeout=30)
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] += 1

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(client) for _ in range(concurrency)]:
            future.result()
    return Run(time.perf_counter() - began, latencies, statuses)


def cold_and_warm(env: dict[str, str], sandbox: str, prices: list[str]) -> bool:
    """Part 1: a cold then a warm batch against one gunicorn worker; True if both goals met."""
    one_worker = SimpleNamespace(workers=1, worker_class="gthread", threads=4)
    with gunicorn("wsgi:app", ROOT, env, one_worker) as url:
        _wait_up(url)
        requests.get(url + "/flexiti/availability?amount=7.00", timeout=10)  # the token, once
        requests.delete(f"{sandbox}/_sandbox/requests", timeout=10)
        cold_seconds, cold = batch(url, prices)
        cold_calls = upstream_calls(sandbox)
        requests.delete(f"{sandbox}/_sandbox/requests", timeout=10)
        warm_seconds, warm = batch(url, prices)
        warm_calls = upstream_calls(sandbox)
    eligible = sum(plan["eligible"] for plan in cold["plans"])
    same = cold["plans"] == warm["plans"]
    print(f"sandbox latency {LATENCY * 1000:.0f} ms per API call; {len(prices)} distinct prices")
    print(
        f"cold batch: {cold_seconds:.3f} s, {eligible}/{len(prices)} plans, upstream calls "
        f"{cold_calls} (one after another: {len(prices)} x {LATENCY:g} s = "
        f"{len(prices) * LATENCY:.1f} s for the calculator alone) "
        + ("OK" if cold_seconds < 1 and eligible == len(prices) else "BELOW GOAL")
    )
    warm_total = sum(warm_calls.values())
    print(
        f"warm batch: {warm_seconds:.3f} s, upstream calls {warm_calls}, same answers: {same} "
        + ("OK" if warm_total == 0 and same else "BELOW GOAL")
    )
    return cold_seconds < 1 and warm_total == 0


def throughput(env: dict[str, str], sandbox: str, args: argparse.Namespace) -> None:
    """Part 2: warm GET /calculator per second, ours beside bare Flask with the same bytes."""
    with gunicorn("wsgi:app", ROOT, env, args) as ours_url:
        _wait_up(ours_url)
        deadline = time.monotonic() + args.max_seconds
        # Warm every worker: each has its own cache and must see the price once.
        fire(ours_url, args.concurrency * 20, args.concurrency, deadline)
        body = requests.get(ours_url + CALCULATOR + WARM_QUERY, timeout=10).content
        body_file = Path(env["BENCH_TMP"]) / "body.json"
        body_file.write_bytes(body)
        bare_env = {**env, "BENCH_BODY_FILE": str(body_file)}
        with gunicorn("badges:bare_app", BENCH_DIR, bare_env, args) as bare_url:
            _wait_up(bare_url)
            assert requests.get(bare_url + CALCULATOR + WARM_QUERY, timeout=10).content == body
            servers = {"bare": bare_url, "ours": ours_url}
            for url in servers.values():
                fire(url, args.concurrency * 10, args.concurrency, deadline)
            requests.delete(f"{sandbox}/_sandbox/requests", timeout=10)
            rounds: dict[str, list[Run]] = {name: [] for name in servers}
            for _ in range(2):  # taking turns, so a drift of the machine hits both alike
                for name, url in servers.items():
                    rounds[name].append(fire(url, args.requests // 2, args.concurrency, deadline))
            during = upstream_calls(sandbox)
    runs = {name: merged(done) for name, done in rounds.items()}
    print(
        f"warm GET {CALCULATOR}{WARM_QUERY} ({len(body)} bytes), {args.requests} requests each, "
        f"{args.concurrency} client threads; gunicorn {args.workers} x {args.worker_class}"
        + (f" ({args.threads} threads)" if args.threads > 1 else "")
    )
    print(f"{'':6} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for name, run in runs.items():
        print(
            f"{name:6} {run.rate:8.0f} {statistics.median(run.latencies) * 1000:10.2f} "
            f"{run.percentile(95) * 1000:8.2f} {run.percentile(99) * 1000:8.2f}  "
            f"{dict(run.statuses)}"
        )
    ratio = runs["ours"].rate / runs["bare"].rate
    print(f"ratio ours/bare: {ratio:.3f} (goal >= 0.80) {'OK' if ratio >= 0.8 else 'BELOW GOAL'}")
    print(f"upstream calls while measuring: {during}")
    for name, run in runs.items():
        if set(run.statuses) != {200} or len(run.latencies) < args.requests:
            raise SystemExit(f"{name}: not every request was answered 200 in time")


def own_store(env: dict[str, str], name: str) -> dict[str, str]:
    """``env`` with a store of its own: every cache (local and shared) starts cold."""
    return {**env, "FLEXITI_STORE_URL": f"sqlite:///{Path(env['BENCH_TMP']) / name}.sqlite3"}


def hammer(url: str, prices: list[str], seconds: float, threads: int = 16) -> int:
    """Batches of ``prices`` from ``threads`` clients for ``seconds``; the requests sent."""
    from concurrent.futures import ThreadPoolExecutor

    deadline = time.monotonic() + seconds

    def client() -> int:
        sent = 0
        with requests.Session() as session:
            while time.monotonic() < deadline:
                session.post(url + CALCULATOR, json={"prices": prices, "lang": "en"}, timeout=30)
                sent += 1
        return sent

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(lambda _: client(), range(threads)))


def shared_cache(env: dict[str, str], sandbox: str) -> bool:
    """Part 3: upstream calls per distinct price per TTL across 4 workers; True if 1 each."""
    prices = [f"{160 + 41 * n}.00" for n in range(24)]
    ttl = 4.0
    env = {**own_store(env, "shared"), "FLEXITI_CACHE_TTL": f"{ttl:g}s"}
    per_ttl = []
    with gunicorn("wsgi:app", ROOT, env, FOUR_SYNC_WORKERS) as url:
        _wait_up(url)
        for period in ("cold", "past the TTL"):
            requests.delete(f"{sandbox}/_sandbox/requests", timeout=10)
            sent = hammer(url, prices, 2.5)
            time.sleep(1.0)  # the refreshes still out land
            calls = upstream_calls(sandbox)
            per_ttl.append(calls)
            gates, plans = calls["payment-availability"], calls["payment-calculator"]
            print(
                f"shared cache, {period}: {sent} batches of {len(prices)} prices to 4 workers; "
                f"upstream per distinct price: availability {gates / len(prices):.2f}, "
                f"calculator {plans / len(prices):.2f} (goal 1; a cache per worker: up to 4)"
            )
            time.sleep(ttl)  # every answer is now past its TTL
    ok = all(
        calls["payment-availability"] == calls["payment-calculator"] == len(prices)
        for calls in per_ttl
    )
    print("shared cache: " + ("OK" if ok else "BELOW GOAL"))
    return ok


def slow_flexiti(env: dict[str, str], sandbox: str, prices: list[str]) -> bool:
    """Part 4: 48 badges asked for as flexiti.js does, Flexiti at 1 s; True if all 48 show."""
    requests.patch(f"{sandbox}/_sandbox/faults", json={"latency": SLOW_LATENCY}, timeout=10)
    try:
        with gunicorn("wsgi:app", ROOT, own_store(env, "slow"), FOUR_SYNC_WORKERS) as url:
            _wait_up(url)
            began = time.perf_counter()
            _, first = batch(url, prices)
            plans = dict(zip(prices, first["plans"], strict=True))
            pending_first = sum(plan.get("reason") == "pending" for plan in plans.values())
            asks = 1
            for delay in PENDING_DELAYS:
                waiting = [p for p, plan in plans.items() if plan.get("reason") == "pending"]
                if not waiting:
                    break
                time.sleep(delay)
                _, again = batch(url, waiting)
                plans.update(zip(waiting, again["plans"], strict=True))
                asks += 1
            elapsed = time.perf_counter() - began
    finally:
        requests.patch(f"{sandbox}/_sandbox/faults", json={"latency": LATENCY}, timeout=10)
    shown = sum(plan["eligible"] for plan in plans.values())
    reasons = sorted({plan.get("reason") or "shown" for plan in plans.values()})
    print(
        f"Flexiti at {SLOW_LATENCY:g} s per call, cold, 4 workers: first batch {pending_first}/"
        f"{len(prices)} pending; {shown}/{len(prices)} badges show after {asks} asks, "
        f"{elapsed:.1f} s ({', '.join(reasons)}) "
        + ("OK" if shown == len(prices) else "BELOW GOAL")
    )
    return shown == len(prices)


def _wait_up(url: str, timeout: float = 20.0) -> None:
    """Gunicorn binds at once, but the first answer waits for a worker to import the app."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url + "/", timeout=5)  # any answer, even a 404, means a worker is up
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--prices", type=int, default=48, help="distinct prices in the cold batch")
    add("--requests", type=int, default=4000, help="warm requests to each server")
    add("--concurrency", type=int, default=8, help="client threads")
    add("--workers", type=int, default=2, help="gunicorn workers per server (part 2)")
    add("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    add("--threads", type=int, default=1, help="threads per gthread worker")
    add("--max-seconds", type=float, default=120.0, help="stop sending after this long")
    add("--parts", default="1,2,3,4", help="which parts to run, comma-separated")
    args = parser.parse_args()

    from flexiti_checkout.sandbox import create_app as create_sandbox
    from flexiti_checkout.sandbox.server import serve

    sandbox_app = create_sandbox({"LATENCY": LATENCY})
    prices = [f"{150 + 37 * n}.{n % 100:02d}" for n in range(args.prices)]
    with (
        tempfile.TemporaryDirectory(prefix="bench-badges-") as tmp,
        serve(sandbox_app) as sandbox_server,
    ):
        sandbox = f"http://127.0.0.1:{sandbox_server.server_port}"
        env = service_env(sandbox, tmp, "badges")
        parts = set(args.parts.split(","))
        ok = True
        try:
            if "1" in parts:
                ok = cold_and_warm(env, sandbox, prices) and ok
            if "2" in parts:
                throughput(env, sandbox, args)
            if "3" in parts:
                ok = shared_cache(env, sandbox) and ok
            if "4" in parts:
                ok = slow_flexiti(env, sandbox, prices) and ok
        finally:
            sandbox_app.extensions["flexiti_sandbox"].callbacks.stop()
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
