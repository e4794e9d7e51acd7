"""Lookups a documented-shape callback costs when it names no order: the newest of many pending.

Flexiti's documented notification carries no merchant or online order id, only the purchase's
promo id. The shop finds the order by looking up its pending orders newest first until one's
lookup carries that promo id. This starts a sandbox on a loopback port (callbacks dropped, so the
script posts the one it would have sent), a shop app with a SQLite store in a temporary
directory, opens ``--pending`` older pending orders and one newest order, approves the newest at
the sandbox, and posts its notification to the shop's callback URL (through Flask's test client).
The callback is answered once stored and processed by the shop's callback workers: this waits for
them, then prints the lookups that settled it and how long after the post, and what a repeat of
the same notification cost.

    .venv/bin/python bench/callback_search.py [--pending 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import Flask

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.sandbox import create_app as create_sandbox
from flexiti_checkout.sandbox.hosted import settle_order
from flexiti_checkout.sandbox.server import serve
from flexiti_checkout.web.state import flexiti_state

ADDRESS = {
    "first_name": "Tommy",
    "last_name": "Samson",
    "address_1": "123 Any Street",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M5V 2T6",
}


_FIRST = (
    "Tommy Ann Bo Cy Di Ed Flo Gus Hal Ida Jo Kim Lou Max Ned Oz Pat Quin Rae Sam Ted Uma Vic Wes"
    " Xi Yan Zoe Al Bea Cal"
)
_LAST = (
    "Samson Lee Chan Roy Moe Park Diaz Khan Ng Roth Wu Diallo Kaur Silva Tran Haas Ito Pike Lund"
    " Boyd Cruz Dunn Egan Ford Gray Hale Imai Jain Kerr Lowe Mays Nash Orr Pena Quon Reid Shaw"
    " Tate Vega Webb"
)
FIRST_NAMES = _FIRST.split()
LAST_NAMES = _LAST.split()


def checkout(merchant_order_id: str, number: int = 0) -> dict[str, Any]:
    """A checkout of $499.00 (every one the same amount: the names must tell them apart) by the
    ``number``-th of 1,200 customers with distinct names."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[number // len(FIRST_NAMES) % len(LAST_NAMES)]
    return {
        "merchant_order_id": merchant_order_id,
        "amount": "499.00",
        "flow": "apply/buy",
        "lang": "en",
        "first_name": first,
        "last_name": last,
        "email": "tommy@example.com",
        "billing": {**ADDRESS, "first_name": first, "last_name": last},
        "shipping": {**ADDRESS, "first_name": first, "last_name": last},
    }


def lookups(sandbox: Flask) -> int:
    state = sandbox.extensions["flexiti_sandbox"]
    return sum("/notifications/" in entry["path"] for entry in state.requests.entries())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=300, help="older pending orders")
    parser.add_argument(
        "--random",
        type=int,
        default=0,
        help="approve this many random orders among the pending ones instead of the newest, one "
        "at a time, and print the lookups per callback as a figure (goal: at most 2)",
    )
    args = parser.parse_args()
    if args.random:
        sys.exit(random_orders(args.pending, args.random))
    sandbox = create_sandbox({"CALLBACK_MODE": "drop"})
    state = sandbox.extensions["flexiti_sandbox"]
    with serve(sandbox) as server, tempfile.TemporaryDirectory() as tmp:
        shop, flexiti = shop_app(sandbox, server.server_port, tmp)
        with shop.app_context():
            for number in range(args.pending):
                flexiti.start_checkout(checkout(f"OLD-{number}"))
            newest = flexiti.start_checkout(checkout("NEWEST"))
        settle_order(state, int(newest.online_order_id), "approve")
        (entry,) = [e for e in state.callbacks.entries() if e["dropped"]]
        body = entry["body"]
        state.requests.clear()
        client = shop.test_client()
        workers = flexiti_state(shop).callback_workers
        inbox = flexiti_state(shop).callbacks.inbox
        started = time.perf_counter()
        first = client.post("/flexiti/callback", json=body).get_json()
        answered_ms = (time.perf_counter() - started) * 1000
        if not workers.wait_idle(60):
            raise SystemExit("the callback workers did not finish within 60 s")
        settled_ms = (time.perf_counter() - started) * 1000
        first_lookups = lookups(sandbox)
        outcome = inbox.get(first["delivery_id"]).outcome
        started = time.perf_counter()
        repeat = client.post("/flexiti/callback", json=body).get_json()
        repeat_ms = (time.perf_counter() - started) * 1000
        workers.wait_idle(60)
        repeat_lookups = lookups(sandbox) - first_lookups
        with shop.app_context():
            order = flexiti.get_order("NEWEST")
        flexiti.close(shop)
        state.callbacks.stop()
    assert order is not None
    print(f"pending orders older than the one approved: {args.pending}")
    print(f"notification carries an order id:            {'online_order_id' in body}")
    print(f"first callback:  answered in {answered_ms:.0f} ms ({first['outcome']}); "
          f"{first_lookups} lookups, settled {settled_ms:.0f} ms after it was posted "
          f"-> {outcome}")  # fmt: skip
    print(f"repeat callback: {repeat_lookups} lookups, answered in {repeat_ms:.0f} ms "
          f"-> {repeat['outcome']}")  # fmt: skip
    print(f"order NEWEST is {order.status}")


def shop_app(sandbox: Flask, port: int, tmp: str) -> tuple[Flask, FlexitiCheckout]:
    """A shop with the extension on a SQLite store in ``tmp``, reaching the sandbox on ``port``."""
    base = f"http://127.0.0.1:{port}"
    sandbox.extensions["flexiti_sandbox"].update_settings(
        {"callback_url": "http://127.0.0.1:9/flexiti/callback"}
    )
    shop = Flask("bench-shop", instance_path=str(Path(tmp) / "instance"))
    shop.config.update(
        SECRET_KEY="bench-secret-key-0123456789abcdef",
        FLEXITI_ONLINE_API_URL=f"{base}/flexiti/online-api",
        FLEXITI_STORE_URL=f"sqlite:///{Path(tmp) / 'flexiti.sqlite3'}",
        FLEXITI_MAX_RETRIES=0,
    )
    return shop, FlexitiCheckout(shop)


def random_orders(pending: int, count: int) -> int:
    """Lookups for the documented callbacks of ``count`` random orders among ``pending``
    (approved and posted one at a time), printed as a figure; the exit code."""
    from harness import Figures

    rng = random.Random(pending)
    sandbox = create_sandbox({"CALLBACK_MODE": "drop"})
    state = sandbox.extensions["flexiti_sandbox"]
    per_callback: list[float] = []
    with serve(sandbox) as server, tempfile.TemporaryDirectory() as tmp:
        shop, flexiti = shop_app(sandbox, server.server_port, tmp)
        with shop.app_context():
            started = [flexiti.start_checkout(checkout(f"P-{n}", n)) for n in range(pending)]
        client = shop.test_client()
        workers = flexiti_state(shop).callback_workers
        for order in rng.sample(started, count):
            settle_order(state, int(order.online_order_id), "approve")
            body = [e for e in state.callbacks.entries() if e["dropped"]][-1]["body"]
            state.requests.clear()
            client.post("/flexiti/callback", json=body)
            workers.wait_idle(120)
            per_callback.append(lookups(sandbox))
            with shop.app_context():
                found = flexiti.get_order(order.merchant_order_id)
            print(f"  {order.merchant_order_id}: {per_callback[-1]} lookups -> "
                  f"{found.status if found else 'missing'}")  # fmt: skip
        flexiti.close(shop)
        state.callbacks.stop()
    out = Figures()
    out.figure(f"lookups per documented callback, {pending:,} pending, a random one approved",
               per_callback, at_most=2, digits=0)  # fmt: skip
    return out.exit_code()


if __name__ == "__main__":
    main()
