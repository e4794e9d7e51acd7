"""The service in sandbox mode with its embedded sandbox shared by every gunicorn worker.

Starts ``flexiti_checkout.service:create_app()`` under gunicorn (four sync workers by default)
with nothing but a store and an instance folder, as the README's sandbox mode does, then from a
pool of client threads runs whole checkouts: start through the API, open the hosted page,
approve, come back (waiting on the status poll when the callback's lookup is still running).
Every sandbox request runs under one lock across the workers (``sandbox/shared.py``), so this
prints what that costs: checkouts per second, the hosted page's latency, and the size of the
shared state file at the end.

    .venv/bin/python bench/sandbox_workers.py [--checkouts 200] [--concurrency 8] [--workers 4]
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin

import requests
from harness import gunicorn, sandbox_service_env

API = {"Authorization": "Bearer flexiti-sandbox-api-key"}
RETURN_LINK = re.compile(r'<a href="([^"]+)" id="sandbox-return"')
ADDRESS = {
    "first_name": "Tommy", "last_name": "Samson", "address_1": "123 Any Street",
    "city": "Toronto", "province": "ON", "postal_code": "M5V 2T6",
}  # fmt: skip


def checkout(url: str, merchant_order_id: str) -> tuple[float, str]:
    """One customer from start to outcome; the hosted page's latency and the final status."""
    body = {
        "merchant_order_id": merchant_order_id, "amount": "499.00", "flow": "apply/buy",
        "lang": "en", "first_name": "Tommy", "last_name": "Samson",
        "email": "tommy@example.com", "billing": ADDRESS, "shipping": ADDRESS,
    }  # fmt: skip
    started = requests.post(f"{url}/flexiti/api/checkouts", json=body, headers=API, timeout=60)
    started.raise_for_status()
    browser = requests.Session()
    before = time.perf_counter()
    hosted = browser.get(started.json()["redirect_url"], timeout=60)
    latency = time.perf_counter() - before
    if hosted.status_code != 200:
        return latency, f"hosted page {hosted.status_code}"
    result = browser.post(hosted.url, data={"outcome": "approve"}, timeout=60)
    link = RETURN_LINK.search(result.text)
    if link is None:
        return latency, f"result page {result.status_code}"
    browser.get(urljoin(result.url, html.unescape(link.group(1))), timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = browser.get(f"{url}/flexiti/status", timeout=60).json()["status"]
        if status != "pending":
            return latency, status
        time.sleep(0.1)
    return latency, "pending"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = sandbox_service_env(tmp)
        server = SimpleNamespace(workers=args.workers, worker_class="sync", threads=1)
        with gunicorn("flexiti_checkout.service:create_app()", Path(tmp), env, server) as url:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(f"{url}/flexiti/healthz", timeout=5).ok:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    sys.exit("the service did not start")
                time.sleep(0.2)
            ids = [f"BENCH-{n:05d}" for n in range(args.checkouts)]
            began = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                results = list(pool.map(lambda m: checkout(url, m), ids))
            elapsed = time.perf_counter() - began
        state_files = list((Path(tmp) / "instance").glob("flexiti-sandbox-*.state"))
        size = state_files[0].stat().st_size if state_files else 0
    latencies = sorted(latency * 1000 for latency, _ in results)
    outcomes: dict[str, int] = {}
    for _, status in results:
        outcomes[status] = outcomes.get(status, 0) + 1
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"gunicorn {args.workers} x sync, {args.concurrency} client threads, sandbox embedded")
    print(f"{args.checkouts} checkouts in {elapsed:.1f} s: {args.checkouts / elapsed:.1f}/s")
    print(f"hosted page: median {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms")
    print(f"outcomes: {outcomes}")
    print(f"shared state file at the end: {size / 1024:.0f} KiB")
    if outcomes != {"approved": args.checkouts}:
        sys.exit(1)


if __name__ == "__main__":
    main()
