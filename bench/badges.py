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

    .venv/bin/python bench/badges.py [--requests 4000] [--concurrency 8] [--workers 2]
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

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CALCULATOR = "/flexiti/calculator"
WARM_QUERY = "?price=499.00&lang=en"
LATENCY = 0.1

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
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLEXITI_")}
        env.update(
            BENCH_TMP=tmp,
            FLEXITI_ENVIRONMENT="sandbox",
            FLEXITI_ONLINE_API_URL=sandbox + "/flexiti/online-api",
            FLEXITI_STORE_URL=f"sqlite:///{Path(tmp) / 'flexiti.sqlite3'}",
            FLEXITI_INSTANCE_PATH=str(Path(tmp) / "instance"),
            FLEXITI_SIGNING_KEY="bench-badges-signing-key-0123456789",
        )
        try:
            ok = cold_and_warm(env, sandbox, prices)
            throughput(env, sandbox, args)
        finally:
            sandbox_app.extensions["flexiti_sandbox"].callbacks.stop()
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
