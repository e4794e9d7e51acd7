"""Do racing refunds stay within the order's amount, and does one key refund only once?

Two races on one approved order, each through ``RefundService`` on a real store (a SQLite file
by default, or ``--store-url postgresql://…``), every thread starting at the same instant:

1. 20 threads, 20 different idempotency keys, each asking for a tenth of the amount: exactly 10
   should succeed and 10 be refused (``RefundTooLargeError``), the refunds adding up to the amount.
2. 20 threads with one key: one refund row and one return call to Flexiti.

Flexiti's back office is a small in-process stand-in that counts return calls and refuses a
return past the purchase's balance, as Flexiti does ("Refund - Exceeds Amount").

    .venv/bin/python bench/refund_race.py [--threads 20] [--store-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from flexiti_checkout.errors import ConflictError, RefundTooLargeError
from flexiti_checkout.lifecycle.refunds.service import RefundService
from flexiti_checkout.models import OrderStatus, RefundStatus
from flexiti_checkout.store.repository import Store

AMOUNT = Decimal("1234.50")


class CountingBackOffice:
    """Returns against one purchase's balance, counting calls (a stand-in for Flexiti)."""

    def __init__(self, balance: Decimal) -> None:
        self.balance = balance
        self.returns = 0
        self._lock = threading.Lock()

    def return_transaction(
        self, transaction_id: str, amount: Decimal | None = None, *, reference_id: str | None = None
    ) -> Any:
        time.sleep(0.005)  # a little network time, so the racers overlap at Flexiti too
        with self._lock:
            self.returns += 1
            taken = self.balance if amount is None else amount
            if taken > self.balance:
                raise ConflictError("Refund - Exceeds Amount", status=409)
            self.balance -= taken

    def cancel_transaction(self, transaction_id: str, *, reference_id: str | None = None) -> Any:
        raise NotImplementedError

    def customer_transactions(self, customer_id: str, *, reference_id: str | None = None) -> Any:
        raise NotImplementedError


def approved_order(store: Store, merchant_order_id: str) -> None:
    order = store.insert_order(
        merchant_order_id=merchant_order_id, amount=AMOUNT, flow="apply/buy", lang="en",
        reference_id=str(uuid.uuid4()), source="bench",
    )  # fmt: skip
    assert order is not None
    order = store.transition(order, OrderStatus.PENDING, source="bench", online_order_id="1")
    assert order is not None
    store.transition(order, OrderStatus.APPROVED, source="bench", details={"transaction_id": "1"})


def race(threads: int, work: Any) -> list[Any]:
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # counted by kind below
            results[i] = exc

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--store-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.store_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        store = Store(url)
        run = uuid.uuid4().hex[:8]
        share = (AMOUNT / 10).quantize(Decimal("0.01"))

        flexiti = CountingBackOffice(AMOUNT)
        service = RefundService(store, flexiti, notify_refund=lambda order, refund: None)
        many = f"race-keys-{run}"
        approved_order(store, many)
        started = time.perf_counter()
        results = race(args.threads, lambda i: service.refund(many, share, idempotency_key=f"k{i}"))
        took = time.perf_counter() - started
        done = [r for r in service.refunds.for_order(many) if r.status is RefundStatus.SUCCEEDED]
        refused = sum(isinstance(r, RefundTooLargeError) for r in results)
        errors = sum(isinstance(r, Exception) for r in results)
        order = store.get_order(many)
        print(f"store: {store.engine.dialect.name}; {args.threads} threads, {args.threads} keys, "
              f"{share} each on an order of {AMOUNT} ({took:.2f} s)")  # fmt: skip
        print(f"  succeeded: {args.threads - errors}")
        print(f"  refused (RefundTooLargeError): {refused}")
        print(f"  other errors: {errors - refused}")
        print(f"  total refunded: {sum((r.amount for r in done), Decimal(0))} of {AMOUNT}")
        print(f"  return calls to Flexiti: {flexiti.returns}")
        print(f"  order status: {order.status if order else None}")

        flexiti = CountingBackOffice(AMOUNT)
        service = RefundService(store, flexiti, notify_refund=lambda order, refund: None)
        once = f"race-one-key-{run}"
        approved_order(store, once)
        results = race(args.threads, lambda i: service.refund(once, share, idempotency_key="same"))
        created = sum(getattr(r, "created", False) for r in results)
        errors = sum(isinstance(r, Exception) for r in results)
        print(f"{args.threads} threads, one key, {share}")
        print(f"  refunds stored: {len(service.refunds.for_order(once))}")
        same = args.threads - created - errors
        print(f"  created by a call: {created}; same refund returned: {same}")
        print(f"  errors: {errors}")
        print(f"  return calls to Flexiti: {flexiti.returns}")
        store.engine.dispose()


if __name__ == "__main__":
    main()
