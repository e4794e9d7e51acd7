"""A slow Flexiti under the documented production command: who waits how long, and what is left.

The service runs as the docs say (``gunicorn --workers 4 --worker-class gthread --threads 8``)
in sandbox mode, its embedded sandbox made ``--latency`` seconds slow (8 by default). Eight
callers start checkouts at once; while they wait, ``/flexiti/healthz`` is asked. Then the
sandbox is fast again and ``flask flexiti reconcile`` runs against the same store. Printed: each
caller's status and answer time, ``/healthz``'s status and time, and every order's state after
reconcile (and reconcile's exit code).

    python bench/slow_flexiti.py [--latency 8] [--callers 8] [--timeout 20]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, Workers, gunicorn, sandbox_service_env, wait_up

from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY

HEALTH_BUDGET = 3.0


def checkout(merchant_order_id: str) -> dict[str, object]:
    address = {"first_name": "Tommy", "last_name": "Samson", "address_1": "123 Any Street",
               "city": "Toronto", "province": "ON", "postal_code": "M5V 2T6"}  # fmt: skip
    return {"merchant_order_id": merchant_order_id, "amount": "499.00", "flow": "apply/buy",
            "lang": "en", "email": "tommy@example.com", "first_name": "Tommy",
            "last_name": "Samson", "billing": address, "shipping": address}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=8.0, help="seconds per sandbox call")
    parser.add_argument("--callers", type=int, default=8, help="checkouts started at once")
    parser.add_argument("--timeout", default="20", help="FLEXITI_TIMEOUT of the service")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flexiti-slow-") as tmp:
        env = sandbox_service_env(
            tmp,
            FLEXITI_SIGNING_KEY="bench-slow-signing-key-0123456789",
            FLEXITI_TIMEOUT=args.timeout,
            FLEXITI_MAX_RETRIES="0",
        )
        workers = Workers(workers=4, worker_class="gthread", threads=8)  # the docs' command
        target = "flexiti_checkout.service:create_app()"
        with gunicorn(target, ROOT, env, workers) as url:
            wait_up(url)
            requests.get(f"{url}/flexiti/healthz", timeout=30)  # workers up, probe cached
            faults = f"{url}/flexiti-sandbox/_sandbox/faults"
            requests.patch(faults, json={"latency": args.latency}, timeout=30).raise_for_status()
            bearer = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}

            def start(n: int) -> tuple[str, int, float]:
                began = time.monotonic()
                try:
                    code = requests.post(
                        f"{url}/flexiti/api/checkouts", json=checkout(f"SLOW-{n}"),
                        headers=bearer, timeout=120,
                    ).status_code  # fmt: skip
                except requests.RequestException:
                    code = 0
                return f"SLOW-{n}", code, time.monotonic() - began

            with ThreadPoolExecutor(args.callers) as pool:
                futures = [pool.submit(start, n) for n in range(args.callers)]
                time.sleep(1.0)
                began = time.monotonic()
                health = requests.get(f"{url}/flexiti/healthz", timeout=60)
                health_time = time.monotonic() - began
                answers = [future.result() for future in futures]
            requests.patch(faults, json={"latency": 0}, timeout=30).raise_for_status()
        print(f"{workers}, sandbox latency {args.latency:g} s, FLEXITI_TIMEOUT {args.timeout}")
        for merchant_order_id, code, took in answers:
            print(f"  caller {merchant_order_id}: HTTP {code} in {took:.1f} s")
        ok = "within" if health_time < HEALTH_BUDGET else "OVER"
        print(f"/flexiti/healthz: HTTP {health.status_code} in {health_time:.2f} s "
              f"({ok} its {HEALTH_BUDGET:g}-s budget)")  # fmt: skip
        reconcile = subprocess.run(
            [sys.executable, "-m", "flask", "--app", target, "flexiti", "reconcile"],
            env=env, cwd=tmp, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        print(f"reconcile: exit {reconcile.returncode}; {reconcile.stdout.strip()}")
        states = order_states(env, target)
        print("orders after reconcile: " + ", ".join(f"{n} {s}" for s, n in states.items()))
        return 0 if health_time < HEALTH_BUDGET else 1


def order_states(env: dict[str, str], target: str) -> Counter[str]:
    """How many orders are in each status, read from the store the service used."""
    code = (
        "import json; from flexiti_checkout.service import create_app; "
        "from flexiti_checkout.web.state import flexiti_state; app = create_app(); "
        "from flexiti_checkout.store.order_list import search_orders; "
        "print(json.dumps([o.status.value for o in "
        "search_orders(flexiti_state(app).store, limit=1000).orders]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    import json

    return Counter(json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    sys.exit(main())
