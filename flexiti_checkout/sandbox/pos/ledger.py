"""The POS side of the sandbox: customers, accounts, credit and transactions, in memory.

A transaction is ``pending`` (created without the customer's confirmation, waiting for
``PUT``), ``held`` (``hold_authorization``: the credit is held until it is posted or
cancelled), ``posted`` (a purchase; returns reduce its balance) or ``cancelled``. A pending
transaction the customer confirmed through ``PUT`` stays pending until ``post``; POS API v2's
``PUT`` answer shows exactly that (``customer_confirmed: true``, ``status: pending``).

Purchases approved through the Online API's hosted flow join the ledger under their
``transaction_id`` (the lookup's, not widget init's ``online_order_id``), posted, or held
when the sandbox is started with ``ONLINE_PURCHASES="held"``, so the POS API can post, cancel
and return them like any other.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from flexiti_checkout.sandbox.orders import SUCCESS, Order

PENDING = "pending"
HELD = "held"
POSTED = "posted"
CANCELLED = "cancelled"
#: Transaction types that spend the customer's credit (payments and trade-ins do not).
CREDIT_TYPES = ("promotional_purchase", "regular_purchase", "deposit")
ONLINE_STATUSES = (POSTED, HELD)
FIRST_TRANSACTION_ID = 167635
FIRST_ACCOUNT_NUMBER = 20035162
FIRST_CUSTOMER_ID = 43360
ONLINE_CREDIT_LIMIT = Decimal("10000.00")
ZERO = Decimal("0.00")


@dataclass
class Account:
    """A Flexiti customer and their account: who they are, their card, their credit."""

    customer_id: str
    account_number: str
    vcc_number: str
    first_name: str
    last_name: str
    dob: str
    credit_limit: Decimal
    province: str = "ON"
    postal_code: str = ""
    address_1: str = ""
    address_2: str = ""
    city: str = ""
    email: str = ""
    phone_number: str = ""
    status: str = "N"
    reason_code: str = "NNOR"
    active: bool = True
    risk_rating: str = "L"
    language: str = "en-CA"
    security_qid: str = "4"
    security_answer: str = "Rex"
    piw: str = "Cloud"
    creation_date: str = "2019-05-15"
    account_type: str = "consumer"
    verification_code: str | None = None
    #: The code came from ``regular_purchase_bypass``: good for small regular purchases only.
    bypass_code: bool = False
    closed: bool = False


@dataclass
class Purchase:
    """One transaction on an account; ``returned`` is what returns took back."""

    transaction_id: int
    customer_id: str
    account_number: str
    transaction_type: str
    amount: Decimal
    status: str
    created_at: float
    plan_id: str | None = None
    term: int | None = None
    confirmed: bool = False
    returned: Decimal = ZERO
    reference: str | None = None
    online: bool = False
    returns: list[tuple[Decimal, float]] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        """What can still be returned (posted purchases) or what is held (held ones)."""
        return self.amount - self.returned

    @property
    def date(self) -> str:
        return datetime.fromtimestamp(self.created_at, tz=timezone.utc).strftime("%Y/%m/%d")


def seed_accounts() -> list[Account]:
    """The customers every sandbox starts with (the README lists them)."""
    return [
        Account(
            "43353", "20035156", "6374980100408234", "Tommy", "Samson", "1990-01-01",
            Decimal("5000.00"), province="ON", postal_code="M5V2T6", address_1="123 Any Street",
            city="Toronto", email="tommy@example.com", phone_number="5551231231",
        ),
        Account(
            "43354", "20035157", "6374980100408242", "Jacques", "Tremblay", "1985-06-15",
            Decimal("3000.00"), province="QC", postal_code="H2X1Y4", address_1="45 Rue Sainte",
            city="Montréal", email="jacques@example.com", phone_number="5551231232",
            language="fr-CA", security_qid="7", security_answer="Sainte",
        ),
        Account(
            "43355", "20035158", "6374980100408259", "Nora", "Newcard", "1992-03-03",
            Decimal("2000.00"), postal_code="K1A0B1", city="Ottawa", active=False,
        ),
        Account(
            "43356", "20035159", "6374980100408267", "Frank", "Frozen", "1970-12-31",
            Decimal("1000.00"), postal_code="T2P1J9", province="AB", city="Calgary",
            status="F", reason_code="FLCK", risk_rating="Y",
        ),
        # Auth Prohibited and Charged Off (POS API v2, customer search); no reason code of
        # theirs is documented.
        Account(
            "43357", "20035160", "6374980100408275", "Amy", "Arrears", "1988-08-08",
            Decimal("1500.00"), postal_code="V6B1A1", province="BC", city="Vancouver",
            status="A", reason_code="",
        ),
        Account(
            "43358", "20035161", "6374980100408283", "Zack", "Writtenoff", "1975-05-05",
            Decimal("800.00"), postal_code="R3C0A1", province="MB", city="Winnipeg",
            status="Z", reason_code="",
        ),
    ]  # fmt: skip


class Ledger:
    """Every account and transaction of one sandbox, behind one lock."""

    def __init__(
        self, seed: Any = None, *, online_status: str = POSTED, id_offset: int = 0
    ) -> None:
        if online_status not in ONLINE_STATUSES:
            raise ValueError(f"ONLINE_PURCHASES must be one of {', '.join(ONLINE_STATUSES)}")
        self.lock = threading.RLock()
        self._seed = seed
        #: Added to the ids this ledger hands out (not to the seeded accounts'), as ``OrderBook``.
        self._id_offset = id_offset
        self._initial_online_status = online_status
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.online_status = self._initial_online_status
            self.rng = random.Random(self._seed)  # noqa: S311 - test data, not security
            self.accounts: dict[str, Account] = {a.account_number: a for a in seed_accounts()}
            self.purchases: dict[int, Purchase] = {}
            self._imported: set[int] = set()
            self._next_transaction = FIRST_TRANSACTION_ID + self._id_offset
            self._next_account = FIRST_ACCOUNT_NUMBER + self._id_offset
            self._next_customer = FIRST_CUSTOMER_ID + self._id_offset

    # -- accounts ----------------------------------------------------------------------------

    def find(
        self,
        *,
        account_number: str | None = None,
        customer_id: str | None = None,
        vcc_number: str | None = None,
    ) -> Account | None:
        """The open account matching every identifier given, or None."""
        with self.lock:
            for account in self.accounts.values():
                if account.closed:
                    continue
                if account_number is not None and account.account_number != account_number:
                    continue
                if customer_id is not None and account.customer_id != customer_id:
                    continue
                if vcc_number is not None and account.vcc_number != vcc_number:
                    continue
                return account
            return None

    def search(
        self, first_name: str, last_name: str, dob: str, postal_code: str | None = None
    ) -> list[Account]:
        """Open accounts of the customer with this name and date of birth, best credit first."""
        with self.lock:
            found = [
                a
                for a in self.accounts.values()
                if not a.closed
                and a.first_name.lower() == first_name.strip().lower()
                and a.last_name.lower() == last_name.strip().lower()
                and a.dob == dob
                and (not postal_code or _postal(a.postal_code) == _postal(postal_code))
            ]
            return sorted(found, key=self.available_credit, reverse=True)

    def open_account(self, **details: Any) -> Account:
        """A new account for an approved application, with the next ids and a new card."""
        with self.lock:
            account = Account(
                customer_id=str(self._next_customer),
                account_number=str(self._next_account),
                vcc_number=self._new_vcc(),
                **details,
            )
            self._next_customer += 1
            self._next_account += 1
            self.accounts[account.account_number] = account
            return account

    def close(self, account: Account) -> None:
        with self.lock:
            account.closed = True
            account.status = "C"

    def available_credit(self, account: Account) -> Decimal:
        """The credit limit less what posted purchases owe and held ones hold."""
        with self.lock:
            used = sum(
                (
                    p.balance
                    for p in self.purchases.values()
                    if p.account_number == account.account_number
                    and p.transaction_type in CREDIT_TYPES
                    and p.status in (HELD, POSTED)
                ),
                ZERO,
            )
            return account.credit_limit - used

    def issue_code(self, account: Account, *, bypass: bool = False) -> str:
        """A new four-digit verification code for the account's next transaction; a
        ``bypass`` code is one the regular-purchase bypass issued."""
        with self.lock:
            account.verification_code = str(self.rng.randint(1000, 9999))
            account.bypass_code = bypass
            return account.verification_code

    def regular_purchases_since(self, account: Account, since: float) -> int:
        """The account's regular purchases made since ``since`` (cancelled ones not counted)."""
        with self.lock:
            return sum(
                p.transaction_type == "regular_purchase"
                and p.status != CANCELLED
                and p.created_at >= since
                for p in self.of_account(account)
            )

    # -- transactions ------------------------------------------------------------------------

    def add(self, account: Account, **details: Any) -> Purchase:
        """Record a transaction on ``account`` under the next free transaction id."""
        with self.lock:
            purchase = Purchase(
                transaction_id=self._take_id(),
                customer_id=account.customer_id,
                account_number=account.account_number,
                **details,
            )
            self.purchases[purchase.transaction_id] = purchase
            return purchase

    def get(self, transaction_id: str) -> Purchase | None:
        with self.lock:
            if not transaction_id.isdigit():
                return None
            return self.purchases.get(int(transaction_id))

    def of_account(self, account: Account) -> list[Purchase]:
        with self.lock:
            return [
                p for p in self.purchases.values() if p.account_number == account.account_number
            ]

    def held(self) -> list[Purchase]:
        with self.lock:
            return [p for p in self.purchases.values() if p.status == HELD]

    def snapshot(self, purchase: Purchase) -> Purchase:
        with self.lock:
            return replace(purchase, returns=list(purchase.returns))

    # -- online purchases --------------------------------------------------------------------

    def import_online(self, orders: Iterable[Order]) -> None:
        """Bring purchases approved in the hosted flow into the ledger, once each."""
        with self.lock:
            for order in orders:
                oid = order.transaction_id
                if order.status != SUCCESS or not order.is_purchase or oid in self._imported:
                    continue
                self._imported.add(oid)
                if oid in self.purchases:  # pragma: no cover - ids 36k apart
                    continue
                amount = order.approved_amount or order.amount
                account = self._online_account(order, amount)
                self.purchases[oid] = Purchase(
                    transaction_id=oid,
                    customer_id=account.customer_id,
                    account_number=account.account_number,
                    transaction_type="promotional_purchase",
                    amount=amount,
                    status=self.online_status,
                    created_at=order.settled_at or order.created_at,
                    plan_id=order.plan.plan_id if order.plan else None,
                    term=order.plan.months if order.plan else None,
                    confirmed=True,
                    reference=order.merchant_orderid,
                    online=True,
                )

    def _online_account(self, order: Order, amount: Decimal) -> Account:
        customer_id = str(order.customer_id or "")
        account = self.find(customer_id=customer_id) if customer_id else None
        if account is not None:
            return account
        billing = order.details.get("billing_information") or {}
        account = Account(
            customer_id=customer_id or str(self._next_customer),
            account_number=str(self._next_account),
            vcc_number=self._new_vcc(),
            first_name=str(order.details.get("fname") or billing.get("first_name") or ""),
            last_name=str(order.details.get("lname") or billing.get("last_name") or ""),
            dob=str(order.details.get("dob") or ""),
            credit_limit=max(ONLINE_CREDIT_LIMIT, amount),
            province=str(billing.get("province") or "ON"),
            postal_code=str(billing.get("postal_code") or ""),
        )
        self._next_account += 1
        if not customer_id:
            self._next_customer += 1
        self.accounts[account.account_number] = account
        return account

    def _take_id(self) -> int:
        while self._next_transaction in self.purchases:
            self._next_transaction += 1
        self._next_transaction += 1
        return self._next_transaction - 1

    def _new_vcc(self) -> str:
        return "637498" + "".join(str(self.rng.randint(0, 9)) for _ in range(10))


def _postal(value: str) -> str:
    return "".join(value.split()).upper()
