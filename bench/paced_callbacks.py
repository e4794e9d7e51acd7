"""Callback-to-settled at a customer's pace: Flexiti's documented callbacks, Flexiti slow.

Starts a sandbox in this process (every API call ``--latency``, 100 ms, late) and the checkout
service under gunicorn (``wsgi:app``, a SQLite store), then three runs of ``--paced`` customers
arriving at ``--rate`` per second: each starts a checkout, decides at Flexiti a second later, and
Flexiti posts the documented notification (no order id: its promo id and customer id). A
callback's time to settle runs from its posting to the order's settlement in the store (its
``status_at``). Figure: the p95 of a run (goal: under 1 s). The burst that
``bench/callbacks.py --realistic`` also sends is left out: this is the shop's steady state.

    .venv/bin/python bench/paced_callbacks.py [--paced 100] [--rate 10] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile

import requests
from callbacks import CALLBACK_PATH, ROOT
from harness import RUNS, Figures, Workers, gunicorn, wait_up
from realistic_callbacks import paced_customers, percentile, wait_settled
from sandbox_service import service_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paced", type=int, default=100, help="customers a run")
    parser.add_argument("--rate", type=float, default=10.0, help="customers per second")
    parser.add_argument("--latency", type=float, default=0.1, help="Flexiti's latency, seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    from flexiti_checkout.sandbox import create_app as create_sandbox
    from flexiti_checkout.sandbox.server import serve

    out = Figures()
    sandbox_app = create_sandbox({"LATENCY": 0})
    with tempfile.TemporaryDirectory(prefix="bench-paced-") as tmp, serve(sandbox_app) as server:
        sandbox = f"http://127.0.0.1:{server.server_port}"
        env = service_env(sandbox, tmp, "paced")
        requests.patch(f"{sandbox}/_sandbox/faults", json={"latency": args.latency},
                       timeout=10).raise_for_status()  # fmt: skip
        p95s, medians = [], []
        try:
            with gunicorn("wsgi:app", ROOT, env, Workers(workers=args.workers)) as url:
                wait_up(url)
                for run in range(RUNS):
                    acks, posted = paced_customers(
                        env, url, CALLBACK_PATH, sandbox, args, prefix=f"R{run}"
                    )
                    done = wait_settled(env["FLEXITI_STORE_URL"], list(posted), 60)
                    delays = [done[m] - at for m, at in posted.items() if m in done]
                    if len(done) < len(posted):
                        print(f"    run {run + 1}: {len(posted) - len(done)} never settled")
                        delays += [60.0] * (len(posted) - len(done))
                    p95s.append(percentile(delays, 95))
                    medians.append(percentile(delays, 50))
                    print(f"    run {run + 1}: {len(done)}/{len(posted)} settled, median "
                          f"{medians[-1] * 1000:.0f} ms, p95 {p95s[-1] * 1000:.0f} ms; "
                          f"acknowledgement p99 {percentile(acks, 99) * 1000:.1f} ms")  # fmt: skip
        finally:
            sandbox_app.extensions["flexiti_sandbox"].callbacks.stop()
    print(f"  {args.paced} customers a run at {args.rate:g}/s, Flexiti {args.latency * 1000:.0f} "
          f"ms slow, gunicorn {args.workers} x sync")  # fmt: skip
    out.figure("paced callback-to-settled p95", p95s, at_most=1.0, unit=" s")
    sys.exit(out.exit_code())


if __name__ == "__main__":
    main()
