"""How long reconcile takes for many pending orders when each of Flexiti's lookups is slow.

This starts a sandbox on a loopback port and a shop app with a SQLite store in a temporary
directory, opens ``--orders`` checkouts (which stay pending: nobody decides them), then sets the
sandbox's latency to ``--latency`` seconds per call and reconciles them all, three times, with
``FLEXITI_RECONCILE_CONCURRENCY`` lookups at once. It prints the seconds each sweep took (goal:
1,000 orders at 100 ms within 20 s), the same for a quarter of the orders (the time should grow
linearly with the orders), and the lookups Flexiti answered per order (one each).

    .venv/bin/python bench/reconcile.py [--orders 1000] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

from callback_search import checkout, shop_app
from harness import Figures

from flexiti_checkout.lifecycle.reconcile import reconcile, unsettled_orders
from flexiti_checkout.sandbox import create_app as create_sandbox
from flexiti_checkout.sandbox.server import serve
from flexiti_checkout.web.state import flexiti_state

RUNS = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="pending orders to reconcile")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Flexiti call")
    args = parser.parse_args()
    figures = Figures()
    sandbox = create_sandbox({"CALLBACK_MODE": "drop"})
    state = sandbox.extensions["flexiti_sandbox"]
    with serve(sandbox) as server, tempfile.TemporaryDirectory() as tmp:
        shop, flexiti = shop_app(sandbox, server.server_port, tmp)
        with shop.app_context():
            for number in range(args.orders):
                flexiti.start_checkout(checkout(f"R-{number}"))
        service = flexiti_state(shop).orders
        concurrency = flexiti_state(shop).settings.reconcile_concurrency
        state.knobs = state.knobs.updated({"latency": args.latency})

        def sweep(limit: int | None = None) -> tuple[float, int]:
            state.requests.clear()
            began = time.perf_counter()
            summary = reconcile(
                service, unsettled_orders(service), limit=limit, concurrency=concurrency
            )
            took = time.perf_counter() - began
            lookups = sum("/notifications/" in e["path"] for e in state.requests.entries())
            assert summary.checked == (limit or args.orders), summary
            return took, lookups

        quarter = max(1, args.orders // 4)
        full = [sweep() for _ in range(RUNS)]
        part = [sweep(quarter) for _ in range(RUNS)]
        flexiti.close(shop)
        state.callbacks.stop()
    print(f"{args.orders} pending orders, {args.latency * 1000:.0f} ms per Flexiti call, "
          f"{concurrency} lookups at once (FLEXITI_RECONCILE_CONCURRENCY)")  # fmt: skip
    figures.figure(
        f"reconcile {args.orders} orders",
        [took for took, _ in full],
        at_most=20.0 * args.orders / 1000 * args.latency / 0.1,
        unit=" s",
    )
    figures.figure(
        f"reconcile {quarter} orders",
        [took for took, _ in part],
        at_most=20.0 * quarter / 1000 * args.latency / 0.1,
        unit=" s",
    )
    per_order = [took / args.orders * 1000 for took, _ in full]
    per_quarter_order = [took / quarter * 1000 for took, _ in part]
    figures.figure(
        "time per order, all / a quarter (linear: about 1)",
        [a / b for a, b in zip(per_order, per_quarter_order, strict=True)],
        at_most=1.25,
    )
    figures.figure("lookups per order", [n / args.orders for _, n in full], at_most=1.0, digits=2)
    return figures.exit_code()


if __name__ == "__main__":
    sys.exit(main())
