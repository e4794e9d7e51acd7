"""Small typed results of Flexiti API calls.

Only what the integration uses is kept. Personal data that Flexiti echoes back (names, date of
birth, postal code, card numbers) is deliberately left out, so it cannot leak into stores or logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flexiti_checkout.client.pos.results import OfferType


@dataclass(frozen=True)
class WidgetSession:
    """The hosted Flexiti flow that widget init opened."""

    online_order_id: str
    redirection_url: str


@dataclass(frozen=True)
class PaymentPlan:
    """What the payment calculator says a price costs per month."""

    monthly_payment: Decimal
    months: int
    html: str


@dataclass(frozen=True)
class PurchaseDetails:
    """The purchase half of a lookup: status and the financing that was granted."""

    status: str
    purchase_amount: Decimal | None = None
    transaction_total_amount: Decimal | None = None
    administrative_fee: Decimal | None = None
    promo_id: str | None = None
    plan_id: str | None = None
    term: int | None = None
    customer_id: str | None = None
    #: Flexiti's 0..1 match scores of the shop's billing/shipping data against its records.
    customer_comparison_result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApplyDetails:
    """The application half of a lookup: status and the Flexiti customer it created."""

    status: str
    customer_id: str | None = None


@dataclass(frozen=True)
class Lookup:
    """Flexiti's authoritative answer about one order (by order id or merchant order id)."""

    transaction_id: str | None
    flow: str | None
    purchase: PurchaseDetails | None
    apply: ApplyDetails | None
    date: str | None = None

    @property
    def status(self) -> str | None:
        """Flexiti's purchase status (or apply status for an apply flow), upper-cased."""
        if self.purchase is not None and (self.flow != "apply" or self.apply is None):
            return self.purchase.status
        if self.apply is not None:
            return self.apply.status
        return None


@dataclass(frozen=True)
class PromoDetails:
    """A lookup by promo id: the financing terms of one purchase, and the customer's names
    (personal data: kept out of ``repr`` and so of logs)."""

    promo_id: str | None
    plan_id: str | None
    term: int | None
    purchase_amount: Decimal | None
    transaction_total_amount: Decimal | None
    administrative_fee: Decimal | None
    customer_comparison_result: dict[str, Any] = field(default_factory=dict)
    fname: str | None = field(default=None, repr=False)
    lname: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class MerchantInfo:
    """Who Flexiti says the credentials belong to, and what it offers (POS merchants/login)."""

    merchant_name: str | None
    merchant_id: str | None
    #: The plans and terms the merchant offers (POS API v2 nests them inside ``form_values``).
    offer_types: tuple[OfferType, ...] = ()
    #: The application form's option lists (salutations, provinces, security questions, ids).
    form_values: dict[str, Any] = field(default_factory=dict)
