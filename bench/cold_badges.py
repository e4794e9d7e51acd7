"""Cold badges with a slow Flexiti: how soon a page of 48 is shown, and what Flexiti hears.

Starts a sandbox in this process (its API calls counted as they run, to find the most at once)
and the checkout service (``wsgi:app``) under gunicorn, then:

1. A cold category page: 48 prices nobody asked about yet, asked for as ``flexiti.js`` asks (one
   batch, then the prices still ``pending`` again after the script's own delays, read from
   ``flexiti.js``), with Flexiti answering every API call 1 s late (goal: all 48 shown within
   2.5 s), then 100 ms late (goal: within 0.5 s). Three pages each, every one cold; the service's
   token is fetched once beforehand (a shop holds one; the page is what is cold). Also printed:
   the longest a calculator answer took while Flexiti was slow (goal: at most 0.5 s, far below
   the 1.5-s budget: no request worker waits out a slow Flexiti), and the most calls Flexiti had
   at once (goal: at most ``FLEXITI_STOREFRONT_WORKERS``, per worker process).
2. The cache shared by every worker: 4 sync workers, ``FLEXITI_CACHE_TTL`` of 4 s; 16 client
   threads ask for the same 24 prices for 2.5 s (cold), and again once the TTL has passed.
   Calculator calls per distinct price in each TTL (goal: 1; a cache per worker: up to 4).

    .venv/bin/python bench/cold_badges.py [--workers 2]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from harness import ROOT, Figures, Workers, gunicorn, wait_up
from sandbox_service import service_env

CALCULATOR = "/flexiti/calculator"
PAGES = 3
#: ``flexiti.js``'s delays (seconds) before it asks again for a price still "pending".
PENDING_DELAYS = tuple(
    int(ms) / 1000
    for ms in re.search(
        r"PENDING_DELAYS = \[([\d, ]+)\]",
        (ROOT / "static/flexiti_checkout/flexiti.js").read_text(),
    )
    .group(1)  # type: ignore[union-attr]
    .split(",")
)


class Concurrency:
    """WSGI middleware around the sandbox: the most API calls it was answering at once."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.peak = self.now = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not environ.get("PATH_INFO", "").startswith("/flexiti/online-api"):
            return self.app(environ, start_response)
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            return list(self.app(environ, start_response))  # the whole answer, latency included
        finally:
            with self._lock:
                self.now -= 1

    def reset(self) -> None:
        with self._lock:
            self.peak = self.now


def ask(url: str, prices: list[str]) -> tuple[list[dict[str, Any]], float]:
    """One batch as ``flexiti.js`` sends it; the plans and how long the answer took."""
    began = time.perf_counter()
    answer = requests.post(url + CALCULATOR, json={"prices": prices, "lang": "en"}, timeout=30)
    answer.raise_for_status()
    return answer.json()["plans"], time.perf_counter() - began


def cold_page(url: str, prices: list[str]) -> tuple[float | None, float]:
    """Seconds until every badge of a cold page is shown (``None``: not all were), and the
    longest one answer took."""
    began = time.perf_counter()
    plans, longest = ask(url, prices)
    known = dict(zip(prices, plans, strict=True))
    for delay in PENDING_DELAYS:
        waiting = [p for p, plan in known.items() if plan.get("reason") == "pending"]
        if not waiting:
            break
        time.sleep(delay)
        again, took = ask(url, waiting)
        longest = max(longest, took)
        known.update(zip(waiting, again, strict=True))
    shown = all(plan["eligible"] for plan in known.values())
    return (time.perf_counter() - began if shown else None), longest


def set_latency(sandbox: str, seconds: float) -> None:
    answer = requests.patch(f"{sandbox}/_sandbox/faults", json={"latency": seconds}, timeout=10)
    answer.raise_for_status()


def cold_pages(
    env: dict[str, str], sandbox: str, counter: Concurrency, workers: Workers, out: Figures
) -> None:
    """Part 1: three cold pages at each latency."""
    limit = int(env.get("FLEXITI_STOREFRONT_WORKERS", "0")) or _default_workers()
    with gunicorn("wsgi:app", ROOT, env, workers) as url:
        wait_up(url)
        set_latency(sandbox, 0)
        requests.get(url + "/flexiti/availability?amount=7.00", timeout=30)  # the token, once
        page = 0
        for latency, goal in ((1.0, 2.5), (0.1, 0.5)):
            set_latency(sandbox, latency)
            counter.reset()
            shown, longest = [], []
            for _ in range(PAGES):
                page += 1
                prices = [f"{100 + 1000 * page + 37 * n}.{n:02d}" for n in range(48)]
                seconds, slowest = cold_page(url, prices)
                shown.append(seconds if seconds is not None else float("inf"))
                longest.append(slowest)
            print(f"  Flexiti {latency:g} s late, 48 cold prices a page, {workers}:")
            out.figure(f"48 cold badges at {latency:g} s: all shown after", shown, at_most=goal,
                       unit=" s")  # fmt: skip
            if latency >= 1:
                out.figure("longest calculator answer while Flexiti is slow", longest,
                           at_most=0.5, unit=" s")  # fmt: skip
                out.figure("most calls to Flexiti at once (per worker process)", [counter.peak],
                           at_most=limit * workers.workers, digits=0)  # fmt: skip
                print(f"    (FLEXITI_STOREFRONT_WORKERS: {limit} a process, {workers.workers} "
                      "processes)")  # fmt: skip
        set_latency(sandbox, 0)


def _default_workers() -> int:
    from flexiti_checkout.storefront.plans import StorefrontSettings

    return StorefrontSettings.workers


def upstream_calls(sandbox: str) -> dict[str, int]:
    """API calls the sandbox received since its log was last cleared, by kind."""
    entries = requests.get(f"{sandbox}/_sandbox/requests", timeout=10).json()["requests"]
    kinds = {"payment-availability": 0, "payment-calculator": 0}
    for entry in entries:
        for kind in kinds:
            if kind in entry["path"]:
                kinds[kind] += 1
    return kinds


def hammer(url: str, prices: list[str], seconds: float, threads: int = 16) -> int:
    """Batches of ``prices`` from ``threads`` clients for ``seconds``; the requests sent."""
    deadline = time.monotonic() + seconds

    def client(_: object) -> int:
        sent = 0
        with requests.Session() as session:
            while time.monotonic() < deadline:
                session.post(url + CALCULATOR, json={"prices": prices, "lang": "en"}, timeout=30)
                sent += 1
        return sent

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(client, range(threads)))


def shared_cache(env: dict[str, str], sandbox: str, out: Figures) -> None:
    """Part 2: calculator calls per distinct price per TTL across 4 workers."""
    prices = [f"{160 + 41 * n}.00" for n in range(24)]
    ttl = 4.0
    store = env["FLEXITI_STORE_URL"].replace(".sqlite3", "-shared.sqlite3")  # a cold one
    env = {**env, "FLEXITI_STORE_URL": store, "FLEXITI_CACHE_TTL": f"{ttl:g}s"}
    per_price = []
    with gunicorn("wsgi:app", ROOT, env, Workers(workers=4)) as url:
        wait_up(url)
        for period in ("cold", "past the TTL"):
            requests.delete(f"{sandbox}/_sandbox/requests", timeout=10)
            sent = hammer(url, prices, 2.5)
            time.sleep(1.0)  # the refreshes still out land
            calls = upstream_calls(sandbox)
            per_price.append(calls["payment-calculator"] / len(prices))
            print(f"  {period}: {sent} batches of {len(prices)} prices to 4 workers; upstream "
                  f"calls {calls}")  # fmt: skip
            time.sleep(ttl)  # every answer is now past its TTL
    out.figure("calculator calls per price per TTL, 4 workers", per_price, at_most=1.0)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (part 1)")
    parser.add_argument("--parts", default="1,2")
    parser.add_argument("--env", action="append", default=[], help="NAME=value for the service")
    args = parser.parse_args(argv)

    from flexiti_checkout.sandbox import create_app as create_sandbox
    from flexiti_checkout.sandbox.server import serve

    sandbox_app = create_sandbox({"LATENCY": 0})
    counter = Concurrency(sandbox_app)
    out = Figures()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp, serve(counter) as server:
        sandbox = f"http://127.0.0.1:{server.server_port}"
        env = service_env(sandbox, tmp, "cold", **dict(a.split("=", 1) for a in args.env))
        try:
            if "1" in args.parts:
                cold_pages(env, sandbox, counter, Workers(workers=args.workers), out)
            if "2" in args.parts:
                shared_cache(env, sandbox, out)
        finally:
            sandbox_app.extensions["flexiti_sandbox"].callbacks.stop()
            print(f"  (temporary files in {Path(tmp).name}, removed)")
    sys.exit(out.exit_code())


if __name__ == "__main__":
    main()
