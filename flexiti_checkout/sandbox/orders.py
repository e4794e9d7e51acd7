"""The in-memory order book: what ``systems/init`` opened and how the customer settled it.

Orders are immutable records replaced whole under the book's lock, so a reader always holds a
consistent snapshot and an order is settled exactly once.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, replace
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from flexiti_checkout.sandbox.plans import Plan

FIRST_ORDER_ID = 131209
#: The lookup's ``transaction_id`` is another number than widget init's ``online_order_id``
#: (Online API: the examples give 131209 and 131221, and nothing says they are equal).
FIRST_TRANSACTION_ID = 131221
FIRST_PROMO_ID = 382712
FIRST_CUSTOMER_ID = 1293835
#: How far apart two sandboxes' id ranges start: ``ID_OFFSET`` is a multiple of it, and no
#: sandbox hands out anywhere near a million ids, so ranges never meet.
ID_BLOCK = 1_000_000

PENDING = "PENDING"
SUCCESS = "SUCCESS"
DECLINED = "DECLINED"
CANCELLED = "CANCELLED"
OUTCOMES = {"approve": SUCCESS, "decline": DECLINED, "cancel": CANCELLED}
PURCHASE_FLOWS = ("buy", "apply/buy")
COMPARED_FIELDS = (
    "first_name",
    "last_name",
    "address_1",
    "address_2",
    "city",
    "province",
    "postal_code",
)


@dataclass(frozen=True)
class Order:
    """One hosted-flow order as Flexiti would keep it."""

    online_order_id: int
    #: What the lookups call ``transaction_id`` and the POS API's back-office calls take.
    transaction_id: int
    flow: str
    lang: str
    amount: Decimal
    merchant_orderid: str | None
    client_id: str
    flow_token: str
    details: dict[str, Any]
    created_at: float
    status: str = PENDING
    settled_at: float | None = None
    plan: Plan | None = None
    promo_id: str | None = None
    customer_id: str | None = None
    approved_amount: Decimal | None = None
    comparison: dict[str, Any] | None = None

    @property
    def is_purchase(self) -> bool:
        return self.flow in PURCHASE_FLOWS

    @property
    def is_settled(self) -> bool:
        return self.status != PENDING


class AlreadySettledError(Exception):
    """The order already has an outcome; a second settle changes nothing."""

    def __init__(self, order: Order) -> None:
        super().__init__(f"order {order.online_order_id} is already {order.status}")
        self.order = order


class OrderBook:
    """Every order of one sandbox, thread-safe.

    Its ids start at the Online API examples' numbers plus ``id_offset`` (``ID_OFFSET``), so two
    sandboxes given different offsets never hand out the same order, transaction, promo or
    customer id.
    """

    def __init__(self, id_offset: int = 0) -> None:
        self._lock = threading.Lock()
        self._id_offset = id_offset
        self.clear()

    def clear(self) -> None:
        offset = self._id_offset
        with self._lock:
            self._orders: dict[int, Order] = {}
            self._next_order_id = FIRST_ORDER_ID + offset
            self._next_transaction_id = FIRST_TRANSACTION_ID + offset
            self._next_promo_id = FIRST_PROMO_ID + offset
            self._next_customer_id = FIRST_CUSTOMER_ID + offset

    def create(
        self,
        *,
        flow: str,
        lang: str,
        amount: Decimal,
        merchant_orderid: str | None,
        client_id: str,
        details: dict[str, Any],
        now: float,
        same_transaction_id: bool = False,
    ) -> Order:
        """Open a pending order with the next ``online_order_id`` and an opaque flow token.

        Its ``transaction_id`` is drawn from another sequence, or is the same number with
        ``same_transaction_id``.
        """
        with self._lock:
            transaction_id = self._next_order_id
            if not same_transaction_id:
                transaction_id = self._next_transaction_id
                self._next_transaction_id += 1
            order = Order(
                online_order_id=self._next_order_id,
                transaction_id=transaction_id,
                flow=flow,
                lang=lang,
                amount=amount,
                merchant_orderid=merchant_orderid,
                client_id=client_id,
                flow_token=secrets.token_urlsafe(18),
                details=details,
                created_at=now,
            )
            self._next_order_id += 1
            self._orders[order.online_order_id] = order
            return order

    def get(self, online_order_id: int) -> Order | None:
        with self._lock:
            return self._orders.get(online_order_id)

    def by_flow_token(self, token: str) -> Order | None:
        with self._lock:
            return next((o for o in self._orders.values() if o.flow_token == token), None)

    def latest_for_merchant(self, merchant_orderid: str) -> Order | None:
        """The most recent order opened for ``merchant_orderid``."""
        with self._lock:
            matches = [o for o in self._orders.values() if o.merchant_orderid == merchant_orderid]
        return max(matches, key=lambda o: o.online_order_id, default=None)

    def by_promo(self, promo_id: str) -> Order | None:
        with self._lock:
            return next((o for o in self._orders.values() if o.promo_id == promo_id), None)

    def all(self) -> list[Order]:
        with self._lock:
            return sorted(self._orders.values(), key=lambda o: o.online_order_id)

    def settle(
        self,
        online_order_id: int,
        outcome: str,
        *,
        plan: Plan | None,
        amount_delta: Decimal,
        now: float,
    ) -> Order:
        """Give a pending order its outcome (``approve``/``decline``/``cancel``) exactly once.

        Raises KeyError for an unknown order and AlreadySettledError for a settled one.
        """
        status = OUTCOMES[outcome]
        with self._lock:
            order = self._orders[online_order_id]
            if order.is_settled:
                raise AlreadySettledError(order)
            changes: dict[str, Any] = {"status": status, "settled_at": now}
            if status == SUCCESS:
                changes["customer_id"] = self._customer_id(order)
                if order.is_purchase:
                    changes["plan"] = plan
                    changes["promo_id"] = str(self._next_promo_id)
                    changes["approved_amount"] = order.amount + amount_delta
                    changes["comparison"] = compare_addresses(order.details)
                    self._next_promo_id += 1
            settled = replace(order, **changes)
            self._orders[online_order_id] = settled
            return settled

    def _customer_id(self, order: Order) -> str:
        given = order.details.get("customer_id")
        if given not in (None, ""):
            return str(given)
        self._next_customer_id += 1
        return str(self._next_customer_id - 1)


def customer_record(details: dict[str, Any]) -> dict[str, Any]:
    """What "Flexiti's file" on the customer says: the pre-fill data, else the billing address."""
    billing = details.get("billing_information") or {}
    prefill = {
        "first_name": details.get("fname"),
        "last_name": details.get("lname"),
        "address_1": details.get("address_1"),
        "address_2": details.get("address_2"),
        "city": details.get("city"),
        "province": details.get("province"),
        "postal_code": details.get("postal_code"),
    }
    return {name: prefill[name] or billing.get(name) for name in COMPARED_FIELDS}


def compare_addresses(details: dict[str, Any]) -> dict[str, Any]:
    """0..1 match scores of the shop's billing and shipping data against the customer record.

    A shipping address unlike the customer's file scores low, as address verification would.
    """
    record = customer_record(details)
    result: dict[str, Any] = {}
    for section in ("billing_information", "shipping_information"):
        given = details.get(section) or {}
        scores: dict[str, Any] = {name: _score(record[name], given.get(name)) for name in record}
        scores["dob"] = None
        result[section] = scores
    return result


def _score(expected: Any, given: Any) -> float | None:
    left, right = _normal(expected), _normal(given)
    if not left and not right:
        return None
    if not left or not right:
        return 0
    if left == right:
        return 1
    return round(SequenceMatcher(None, left, right).ratio(), 2)


def _normal(value: Any) -> str:
    return "".join(str(value).split()).lower() if value is not None else ""
