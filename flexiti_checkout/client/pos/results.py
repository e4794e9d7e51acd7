"""Typed results of the POS API calls (v2 and v2.5).

Money is ``Decimal``; ids are strings whether Flexiti sent numbers or strings. As in
``results``, personal data that Flexiti echoes (names, addresses, dates of birth, e-mail, phone)
is left out, except where reading it is the very purpose of the call (a scanned driver's licence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class OfferType:
    """One financing plan the merchant offers, with the terms (months) it can run for."""

    plan_id: str | None
    plan_name: str | None = None
    offer_category: str | None = None
    term_options: tuple[int, ...] = ()


@dataclass(frozen=True)
class SecurityQuestion:
    """A security question on the customer's file (the answer stays with Flexiti)."""

    id: str
    text: str | None = None


@dataclass(frozen=True)
class CustomerAccount:
    """``customers/lookup``: the account a card or the customer's details point to."""

    customer_id: str | None
    account_number: str | None
    available_credit: Decimal | None
    risk_rating: str | None = None
    payment_protection: bool | None = None
    preferred_language: str | None = None
    card_ending_in: str | None = None
    account_type: str | None = None
    province: str | None = None
    security_questions: tuple[SecurityQuestion, ...] = ()
    offer_types: tuple[OfferType, ...] = ()


@dataclass(frozen=True)
class AccountSummary:
    """One account of ``customers/search``; ``account_status`` ``N`` is the only one that buys."""

    customer_id: str | None
    account_number: str | None
    account_status: str | None
    account_status_reason_code: str | None = None
    tos: bool | None = None
    risk_rating: str | None = None
    account_type: str | None = None
    credit_limit: Decimal | None = None
    available_credit: Decimal | None = None
    originating_merchant_id: str | None = None
    originating_merchant_name: str | None = None
    creation_date: str | None = None
    card_ending_in: str | None = None
    preferred_language: str | None = None

    @property
    def can_purchase(self) -> bool:
        """Only accounts in status Normal (``N``) may make purchases or authorizations."""
        return (self.account_status or "").upper() == "N"


@dataclass(frozen=True)
class Verification:
    """A customer verification: the code to send with the transaction, or where it was sent."""

    code: str | None
    #: ``"sms"`` or ``"email"`` when Flexiti sent the code to the customer instead of us.
    sent_to: str | None = None


@dataclass(frozen=True)
class CustomerTransaction:
    """A purchase of ``customers/{id}/transactions``; ``balance`` is what can still be returned."""

    transaction_id: str
    status: str | None
    balance: Decimal | None
    term: int | None = None
    date: str | None = None
    plan_name: str | None = None


@dataclass(frozen=True)
class DriversLicence:
    """What a scanned PDF417 driver's licence says, to pre-fill an application."""

    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    dob: str | None = None
    address_1: str | None = None
    city: str | None = None
    province: str | None = None
    postal_code: str | None = None
    govid_type: str | None = None
    govid_issuedby: str | None = None
    govid_number: str | None = None
    govid_expiry: str | None = None

    def __repr__(self) -> str:
        return f"DriversLicence(govid_type={self.govid_type!r}, province={self.province!r})"


@dataclass(frozen=True)
class Application:
    """An adjudicated credit application (``apply``): the new account and its credit."""

    customer_id: str | None
    account_number: str | None
    credit_limit: Decimal | None
    available_credit: Decimal | None
    risk_rating: str | None = None
    #: Quebec applicants only: must be shown with the available credit.
    debt_ratio: Decimal | None = None
    offer_types: tuple[OfferType, ...] = ()
    #: The card number; a secret like any card number, never logged.
    vcc_number: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Transaction:
    """A transaction that ``transactions`` created or ``PUT transactions/{id}`` changed."""

    transaction_id: str
    status: str | None = None
    customer_confirmed: bool | None = None
    verified: bool | None = None
    plan_id: str | None = None
    plan_name: str | None = None
    term: int | None = None
    total_amount: Decimal | None = None
    promotional_amount: Decimal | None = None
    payment_value: Decimal | None = None
    admin_fee: Decimal | None = None
    annual_fee: Decimal | None = None
    available_credit: Decimal | None = None
    balance_after_purchase: Decimal | None = None
    apr: Decimal | None = None
    air: Decimal | None = None
    #: 0..1 match scores of the given billing/shipping data against Flexiti's file.
    account_avs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HeldAuthorization:
    """A transaction holding the customer's credit, waiting to be posted or cancelled."""

    transaction_id: str
    amount: Decimal | None
    customer_id: str | None = None
    account_number: str | None = None
    plan_id: str | None = None
    term: int | None = None
    date: str | None = None


@dataclass(frozen=True)
class BackOfficeResult:
    """What a post, cancel or return did: Flexiti answers ``{}``, so this says what was asked."""

    transaction_id: str
    action: str
    reference_id: str
    #: The amount returned (``None`` for a full return, a post or a cancel).
    amount: Decimal | None = None
    #: Flexiti's answer as it came (``{}`` as documented), for the record.
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fee:
    """A fee the merchant must show the customer."""

    type: str | None
    amount: Decimal | None
    description: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class TermQuote:
    """One plan and term of ``calculate-interest``: the monthly amount and the APR."""

    plan_id: str | None
    term: int | None
    term_amount: Decimal | None
    apr: Decimal | None
    fees: tuple[Fee, ...] = ()


@dataclass(frozen=True)
class InterestQuote:
    """``calculate-interest`` (deprecated): what an amount costs the customer, plan by plan."""

    account_number: str | None
    amount: Decimal | None
    available_credit: Decimal | None
    regular_term_amount: Decimal | None
    promotional: tuple[TermQuote, ...] = ()


@dataclass(frozen=True)
class Authorization:
    """A credit authorization (deprecated ``authorization``), captured at once with auto_capture."""

    authorization_id: str
    status: str | None
    amount: Decimal | None
    auto_capture: bool | None = None
    reference: str | None = None
    date: str | None = None
    expiration_date: str | None = None
    apr: Decimal | None = None
    transaction_type: str | None = None
    plan_id: str | None = None
    term: int | None = None
    available_credit: Decimal | None = None
    capture_id: str | None = None
    capture_status: str | None = None
    fees: tuple[Fee, ...] = ()


@dataclass(frozen=True)
class PosWidgetSession:
    """The POS widget that ``widget/init`` opened: where to send the customer."""

    redirect_url: str
    widget_session_id: str | None = None
