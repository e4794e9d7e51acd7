"""What a plan costs: the equal monthly payment and the total cost of borrowing.

Every page that states a plan (a badge or the checkout, the thank-you page, the sandbox's hosted
and learn-more pages) takes its figures from here, so the same plan never shows two costs.
Payments are equal and interest compounds monthly; every amount is a ``Decimal`` rounded half-up
to the cent once, at the end. An interest-free plan costs nothing to borrow, and pages state no
cost for it (a sentence says "no cost of borrowing", a table cell "none").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from flexiti_checkout.money import CENT, format_money, format_percent
from flexiti_checkout.texts import texts

NO_COST = Decimal("0.00")


def payment_at(price: Decimal, months: int, apr: Decimal) -> Decimal:
    """The exact (unrounded) monthly payment of ``price`` over ``months`` at ``apr`` percent."""
    with localcontext() as ctx:
        ctx.prec = 34
        if apr == 0:
            return price / months
        rate = apr / 1200
        return price * rate / (1 - (1 + rate) ** -months)


def monthly_payment(amount: Decimal, months: int, apr: Decimal) -> Decimal:
    """The equal monthly payment of ``amount`` over ``months`` at ``apr`` percent, to the cent."""
    return payment_at(amount, months, apr).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Terms:
    """A plan applied to an amount: what the customer pays a month, for how long, at what rate,
    and what borrowing costs in all (payments less the amount; 0 at 0 %)."""

    amount: Decimal
    months: int
    apr: Decimal
    monthly_payment: Decimal

    @classmethod
    def of(cls, amount: Decimal, months: int, apr: Decimal) -> Terms:
        return cls(amount, months, apr, monthly_payment(amount, months, apr))

    @property
    def interest_bearing(self) -> bool:
        return self.apr > 0

    @property
    def cost_of_borrowing(self) -> Decimal:
        if not self.interest_bearing:
            return NO_COST
        return max(self.monthly_payment * self.months - self.amount, NO_COST)

    def cost_text(self, lang: str) -> str | None:
        """``total cost of borrowing $139.56``; ``None`` for an interest-free plan."""
        if not self.interest_bearing:
            return None
        cost = format_money(self.cost_of_borrowing, lang)
        return texts(lang)["cost_of_borrowing"].format(cost=cost)

    def sentence(self, lang: str) -> str:
        """``$59.94 a month for 24 months at 9.99 % APR; total cost of borrowing $139.56.``"""
        t = texts(lang)
        words = {"payment": format_money(self.monthly_payment, lang), "months": self.months,
                 "apr": format_percent(self.apr, lang)}  # fmt: skip
        cost = self.cost_text(lang)
        if cost is None:
            return t["terms_zero"].format(**words)
        return t["terms_interest"].format(cost=cost, **words)

    def as_json(self) -> dict[str, Any]:
        return {
            "amount": str(self.amount),
            "monthly_payment": str(self.monthly_payment),
            "months": self.months,
            "apr": str(self.apr),
            "total_cost_of_borrowing": str(self.cost_of_borrowing),
        }
