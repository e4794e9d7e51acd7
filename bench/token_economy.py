"""How many token requests does the client make per token lifetime?

Runs the sandbox on a local port with a simulated clock, and several threads making customer-scope
calls (payment availability) and merchant-scope calls (order lookups) through one FlexitiClient
while the clock runs through a simulated hour of short-lived tokens. Prints, per scope, the token
requests the sandbox received, divided by the token lifetimes that elapsed.

One per lifetime is the goal. The client renews a token a little before it expires (60 s, or a
tenth of a short lifetime), as Flexiti advises, so each token serves 90 % of its life and the
figure is 1/0.9 = 1.11 at best; "per renewal window" divides by that shorter window instead and
should be 1.00. Flexiti's 2017 Magento proof of concept asked for a token on every page view: its
figure is the number of calls per lifetime, printed for comparison.

    .venv/bin/python bench/token_economy.py [--threads 8] [--token-lifetime 300] [--hours 1]
"""

from __future__ import annotations

import argparse
import math
import threading
from decimal import Decimal

from flexiti_checkout import FlexitiClient
from flexiti_checkout.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, create_app
from flexiti_checkout.sandbox.server import serve


class SimulatedClock:
    """Seconds since the epoch, moved forward by the benchmark, shared by client and sandbox."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.start = start
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self.now += seconds
            return self.now - self.start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--token-lifetime", type=float, default=300.0, help="seconds")
    parser.add_argument("--hours", type=float, default=1.0, help="simulated hours")
    parser.add_argument("--step", type=float, default=1.0, help="simulated seconds per call")
    args = parser.parse_args()

    clock = SimulatedClock()
    duration = args.hours * 3600
    app = create_app({"CLOCK": clock, "TOKEN_LIFETIME": args.token_lifetime})
    state = app.extensions["flexiti_sandbox"]
    with serve(app) as server:
        base = f"http://127.0.0.1:{server.server_port}"
        client = FlexitiClient(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            online_api_url=base + "/flexiti/online-api",
            pos_api_url=base + "/flexiti/pos-api/v2.5",
            clock=clock,
        )
        session = client.widget_init("apply", Decimal("500.00"), "en-CA", merchant_order_id="B-1")
        calls = [0, 0]  # customer, merchant
        errors: list[BaseException] = []

        def work(index: int) -> None:
            merchant = index % 2 == 1
            try:
                while clock.advance(args.step) < duration:
                    if merchant:
                        client.order_by_online_order_id(session.online_order_id)
                    else:
                        client.payment_availability(Decimal("250.00"))
                    calls[merchant] += 1
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        state.callbacks.stop()
    if errors:
        raise SystemExit(f"calls failed: {errors[0]!r}")

    log = state.requests.entries()
    lifetime = args.token_lifetime
    window = lifetime - min(60.0, lifetime / 10)
    print(
        f"simulated {duration:.0f} s with {args.threads} threads, token lifetime {lifetime:.0f} s"
    )
    print(
        f"{'scope':<9} {'calls':>6} {'token requests':>15} {'per lifetime':>13} "
        f"{'per renewal window':>19} {'one per call':>13}"
    )
    for scope, count in (("customer", calls[0]), ("merchant", calls[1])):
        tokens = sum(1 for e in log if e["path"].endswith("/oauth/token") and e["scope"] == scope)
        refused = sum(1 for e in log if e.get("scope") == scope and e["status"] == 401)
        lifetimes = duration / lifetime
        print(
            f"{scope:<9} {count:>6} {tokens:>15} {tokens / lifetimes:>13.2f} "
            f"{tokens / math.ceil(duration / window):>19.2f} {count / lifetimes:>13.1f}"
        )
        print(f"  {scope} calls refused for an expired or unknown token: {refused}")


if __name__ == "__main__":
    main()
