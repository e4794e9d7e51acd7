"""A fake of ``FlexitiClient``'s POS back-office calls (return, cancel, customer transactions, the
held purchases).

It keeps what Flexiti would: each purchase's returnable balance, refusing a return past it with
Flexiti's "Refund - Exceeds Amount" 409. Every call is recorded. ``fail_next`` makes the next call
of a kind raise instead, optionally after doing the work (a timeout after sending). It is a fake
of the client only: the store under test is always a real database.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flexiti_checkout.errors import ConflictError, FlexitiError, NotFoundError
from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.store.repository import Store


@dataclass(frozen=True)
class FakeTransaction:
    """A purchase of ``customer_transactions``: its id and what can still be returned."""

    transaction_id: str
    status: str
    balance: Decimal


@dataclass(frozen=True)
class FakeHeld:
    """A purchase of ``authorized_transactions`` (``HeldAuthorization``'s shape)."""

    transaction_id: str
    amount: Decimal


@dataclass(frozen=True)
class FakeResult:
    """What a back-office call answers (``BackOfficeResult``'s shape)."""

    transaction_id: str
    action: str
    reference_id: str | None
    amount: Decimal | None = None
    answer: dict[str, Any] = field(default_factory=dict)


class FakeBackOffice:
    """Records every call; purchases by transaction id with their customer and balance."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls: list[tuple[str, str, Decimal | None]] = []
        self.purchases: dict[str, dict[str, Any]] = {}
        self.delay = delay
        self._failures: dict[str, tuple[FlexitiError, bool]] = {}
        self._lock = threading.Lock()

    def add_purchase(
        self, transaction_id: str, amount: Decimal, *, customer_id: str = "828930", posted=True
    ) -> None:
        self.purchases[transaction_id] = {
            "customer_id": customer_id, "balance": amount, "posted": posted, "cancelled": False,
        }  # fmt: skip

    def fail_next(self, action: str, error: FlexitiError, *, after_doing_it: bool = False) -> None:
        """The next ``action`` call raises ``error``; after the work when ``after_doing_it``."""
        self._failures[action] = (error, after_doing_it)

    def count(self, action: str) -> int:
        return sum(1 for call in self.calls if call[0] == action)

    def return_transaction(
        self, transaction_id: str, amount: Decimal | None = None, *, reference_id: str | None = None
    ) -> FakeResult:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.calls.append(("return", transaction_id, amount))
            failure = self._failures.pop("return", None)
            if failure is not None and not failure[1]:
                raise failure[0]
            purchase = self.purchases.get(transaction_id)
            if purchase is None or purchase["cancelled"]:
                raise NotFoundError("not_found", status=409, code="not_found")
            returned = purchase["balance"] if amount is None else amount
            if returned > purchase["balance"]:
                raise ConflictError(
                    "Refund - Exceeds Amount", status=409, code="refund_exceeds_amount",
                    description="Refund - Exceeds Amount", reference_id=reference_id,
                )  # fmt: skip
            purchase["balance"] -= returned
            if failure is not None:
                raise failure[0]
        return FakeResult(transaction_id, "return", reference_id, amount)

    def cancel_transaction(
        self, transaction_id: str, *, reference_id: str | None = None
    ) -> FakeResult:
        with self._lock:
            self.calls.append(("cancel", transaction_id, None))
            failure = self._failures.pop("cancel", None)
            if failure is not None:
                raise failure[0]
            purchase = self.purchases.get(transaction_id)
            if purchase is None:
                raise NotFoundError("not_found", status=409, code="not_found")
            if purchase["posted"]:
                raise ConflictError("posted", status=409, code="wrong_inputs")
            purchase["cancelled"] = True
        return FakeResult(transaction_id, "cancel", reference_id)

    def authorized_transactions(self, *, reference_id: str | None = None) -> list[FakeHeld]:
        """The purchases Flexiti holds (not posted, not cancelled): those it would cancel."""
        with self._lock:
            self.calls.append(("authorized", "", None))
            failure = self._failures.pop("authorized", None)
            if failure is not None:
                raise failure[0]
            return [
                FakeHeld(tid, p["balance"])
                for tid, p in self.purchases.items()
                if not p["posted"] and not p["cancelled"]
            ]

    def customer_transactions(
        self, customer_id: str, *, reference_id: str | None = None
    ) -> list[FakeTransaction]:
        with self._lock:
            self.calls.append(("transactions", customer_id, None))
            found = [
                FakeTransaction(tid, "Posted", p["balance"])
                for tid, p in self.purchases.items()
                if p["customer_id"] == customer_id and p["balance"] > 0 and not p["cancelled"]
            ]
        if not found:
            raise NotFoundError("no_returns_found", status=409, code="no_returns_found")
        return found


def settled(
    store: Store,
    flexiti: FakeBackOffice,
    merchant_order_id: str = "A-1",
    amount: str = "100.00",
    status: OrderStatus = OrderStatus.APPROVED,
    *,
    posted: bool = True,
) -> Order:
    """An order that Flexiti settled as ``status``, with its purchase at the fake Flexiti."""
    order = store.insert_order(
        merchant_order_id=merchant_order_id, amount=Decimal(amount), flow="apply/buy", lang="en",
        reference_id="ref", source="checkout",
    )  # fmt: skip
    assert order is not None
    tid = f"T-{merchant_order_id}"
    pending = store.transition(order, OrderStatus.PENDING, source="checkout", online_order_id=tid)
    assert pending is not None
    details = {"transaction_id": tid, "customer_id": "828930", "purchase_amount": amount}
    done = store.transition(pending, status, source="callback", details=details)
    assert done is not None
    flexiti.add_purchase(tid, Decimal(amount), posted=posted)
    return done
