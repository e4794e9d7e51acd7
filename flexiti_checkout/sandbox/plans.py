"""The financing plans the sandbox offers and the money math behind them.

Everything is ``Decimal``; payments and the cost of borrowing are the package's own arithmetic
(``flexiti_checkout.borrowing``) and money is formatted by ``flexiti_checkout.money``, so the
sandbox's pages state the same figures as the shop's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from flexiti_checkout.borrowing import Terms, monthly_payment
from flexiti_checkout.money import format_money

NBSP = "\u00a0"
#: POS API v2's ``offer_category`` values (merchants/login's example lists both).
EQUAL_BILLING = "equal_billing"
DEFERRED_PAYMENT = "deferred_payment"
CATEGORIES = (EQUAL_BILLING, DEFERRED_PAYMENT)


@dataclass(frozen=True)
class Plan:
    """One term of a plan: equal monthly payments over ``months`` at ``apr`` percent a year,
    or, for a deferred-payment plan, no payments for ``months``.

    A plan that runs for several terms is several ``Plan``s with one ``plan_id``, as Flexiti's
    ``offer_types`` list one plan with several ``term_options``.
    """

    plan_id: str
    months: int
    apr: Decimal
    min_amount: Decimal
    category: str = EQUAL_BILLING

    @property
    def key(self) -> str:
        """``plan_id:months``, what the hosted page's choice posts."""
        return f"{self.plan_id}:{self.months}"

    def monthly_payment(self, amount: Decimal) -> Decimal:
        """The payment for ``amount`` (``borrowing``'s arithmetic); nothing during a
        deferred-payment plan's term."""
        if self.category == DEFERRED_PAYMENT:
            return Decimal("0.00")
        return monthly_payment(amount, self.months, self.apr)

    def terms(self, amount: Decimal) -> Terms:
        """This equal-billing plan applied to ``amount``: its payment and cost of borrowing."""
        return Terms.of(amount, self.months, self.apr)

    def label(self, lang: str) -> str:
        """``12 months, 0% APR`` / ``12 mois, TAP 0 %``; ``12 months, no payments``."""
        if self.category == DEFERRED_PAYMENT:
            no_payments = "mois sans paiement" if lang == "fr" else "months, no payments"
            return f"{self.months} {no_payments}"
        if lang == "fr":
            return f"{self.months} mois, TAP {format_percent(self.apr, lang)}"
        return f"{self.months} months, {format_percent(self.apr, lang)} APR"


#: The merchant's plans: several with more than one term, and a deferred-payment plan, as
#: merchants/login's example shows (POS API v2). The hosted flow offers the equal-billing ones.
DEFAULT_PLANS: tuple[Plan, ...] = (
    Plan("1", 3, Decimal("0"), Decimal("50")),
    Plan("2", 6, Decimal("0"), Decimal("150")),
    Plan("3", 12, Decimal("0"), Decimal("300")),
    Plan("4", 18, Decimal("9.99"), Decimal("1000")),
    Plan("4", 24, Decimal("9.99"), Decimal("1000")),
    Plan("5", 30, Decimal("12.99"), Decimal("2500")),
    Plan("5", 36, Decimal("12.99"), Decimal("2500")),
    Plan("7", 6, Decimal("0"), Decimal("500"), DEFERRED_PAYMENT),
    Plan("7", 12, Decimal("0"), Decimal("500"), DEFERRED_PAYMENT),
)


def parse_plans(raw: Iterable[Plan | Mapping[str, Any]]) -> tuple[Plan, ...]:
    """Plans from config dicts (``plan_id``, ``months``, ``apr``, ``min_amount``,
    ``category``), by term."""
    plans = []
    for item in raw:
        if isinstance(item, Plan):
            plans.append(item)
            continue
        try:
            plan = Plan(
                plan_id=str(item["plan_id"]),
                months=int(item["months"]),
                apr=Decimal(str(item.get("apr", "0"))),
                min_amount=Decimal(str(item.get("min_amount", "0"))),
                category=str(item.get("category", EQUAL_BILLING)),
            )
        except (KeyError, ValueError, ArithmeticError) as exc:
            raise ValueError(f"invalid sandbox plan {item!r}: {exc}") from exc
        if plan.months < 1 or plan.apr < 0 or plan.min_amount < 0:
            raise ValueError(f"invalid sandbox plan {item!r}: months >= 1, apr and min >= 0")
        if plan.category not in CATEGORIES:
            raise ValueError(f"invalid sandbox plan {item!r}: category is one of {CATEGORIES}")
        plans.append(plan)
    keys = [plan.key for plan in plans]
    if len(set(keys)) != len(keys):
        raise ValueError("each sandbox plan id lists a term once")
    if not online(plans):
        raise ValueError("the sandbox needs at least one equal-billing plan")
    return tuple(sorted(plans, key=lambda plan: (plan.months, plan.plan_id)))


def online(plans: Iterable[Plan]) -> list[Plan]:
    """The plans the Online API's hosted flow and calculator offer: the equal-billing ones."""
    return [plan for plan in plans if plan.category == EQUAL_BILLING]


def minimum_amount(plans: Iterable[Plan]) -> Decimal:
    """The merchant's minimum online: the lowest equal-billing plan minimum."""
    return min(plan.min_amount for plan in online(plans))


def qualifying(plans: Iterable[Plan], amount: Decimal) -> list[Plan]:
    """The online plans ``amount`` reaches, shortest term first."""
    return [plan for plan in online(plans) if amount >= plan.min_amount]


def grouped(plans: Iterable[Plan]) -> dict[str, list[Plan]]:
    """Each plan id with its terms, shortest first: equal-billing plans, then deferred ones."""
    result: dict[str, list[Plan]] = {}
    for plan in sorted(plans, key=lambda plan: CATEGORIES.index(plan.category)):
        result.setdefault(plan.plan_id, []).append(plan)
    return result


def longest(plans: Iterable[Plan], amount: Decimal) -> Plan | None:
    """The longest-term plan ``amount`` qualifies for (what the calculator shows)."""
    candidates = qualifying(plans, amount)
    return candidates[-1] if candidates else None


def format_percent(rate: Decimal, lang: str) -> str:
    """``9.99%`` in English, ``9,99 %`` in French."""
    text = f"{rate.normalize():f}"
    if lang == "fr":
        return text.replace(".", ",") + NBSP + "%"
    return text + "%"


def render_calculator(plan: Plan, amount: Decimal, lang: str) -> str:
    """The calculator's ``htmlRender`` snippet, in the order's language."""
    payment = format_money(plan.monthly_payment(amount), lang)
    if lang == "fr":
        template = Markup(
            '<div class="flexiti-calculator" lang="fr-CA"><p>ou <strong>{payment}</strong>/mois'
            " pendant {months} mois avec Flexiti</p>"
            '<p class="flexiti-calculator-apr">TAP {apr}</p></div>'
        )
    else:
        template = Markup(
            '<div class="flexiti-calculator" lang="en-CA"><p>or <strong>{payment}</strong>/month'
            " for {months} months with Flexiti</p>"
            '<p class="flexiti-calculator-apr">{apr} APR</p></div>'
        )
    return str(
        template.format(payment=payment, months=plan.months, apr=format_percent(plan.apr, lang))
    )
