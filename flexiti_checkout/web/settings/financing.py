"""The catalogue's financing settings: the shop's plans and which one a badge advertises.

They are fields of ``Settings`` like every other (``Settings`` extends ``FinancingSettings``).
Flexiti's lookup names a purchase's plan, not its rate, and its calculator answers one plan per
price: the shop's plans, as its agreement with Flexiti lists them, fill in the rest. In sandbox
mode with none set, the sandbox's own plans are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.storefront.terms import BADGE_CHOICES, OfferedPlan, parse_plans
from flexiti_checkout.web.settings import values as value
from flexiti_checkout.web.settings.values import STOREFRONT, setting


def plans(key: str, raw: Any) -> tuple[OfferedPlan, ...]:
    if raw is None or raw == "" or raw == ():
        return ()
    if isinstance(raw, (tuple, list)) and all(isinstance(p, OfferedPlan) for p in raw):
        return tuple(raw)
    try:
        return parse_plans(raw if isinstance(raw, str) else ",".join(map(str, raw)))
    except ValueError as exc:
        raise ConfigurationError(f"{key}: {exc}") from None


@dataclass(frozen=True)
class FinancingSettings:
    """The shop's Flexiti plans, and the plan a badge shows when a price reaches several."""

    plans: tuple[OfferedPlan, ...] = setting(
        "FLEXITI_PLANS", (), plans, STOREFRONT, "3:12:0:300,4:24:9.99:1000",
        """The plans of your agreement with Flexiti, comma-separated, each ``plan id:months:APR
        in percent:minimum purchase``. The thank-you page and the order's JSON state the
        monthly payment, APR and total cost of borrowing of the plan the customer chose, and
        badges choose among them (``FLEXITI_BADGE_PLAN``). Unset, badges show Flexiti's
        calculator and the thank-you page the term alone (sandbox mode: the sandbox's plans).""",
        shown="none",
    )  # fmt: skip
    badge_plan: str = setting(
        "FLEXITI_BADGE_PLAN", "prefer_zero", value.one_of(*BADGE_CHOICES), STOREFRONT,
        "lowest_monthly",
        """Which of ``FLEXITI_PLANS`` a badge advertises when a price reaches several:
        ``prefer_zero`` (a 0 % plan when one is offered, the lowest payment among them),
        ``lowest_monthly``, ``lowest_apr`` or ``longest_term``.""",
    )  # fmt: skip


def sandbox_plans() -> tuple[OfferedPlan, ...]:
    """The sandbox's plans, as a shop's ``FLEXITI_PLANS`` lists them (sandbox mode's default)."""
    from flexiti_checkout.sandbox.plans import DEFAULT_PLANS  # sandbox mode only

    return tuple(OfferedPlan(p.plan_id, p.months, p.apr, p.min_amount) for p in DEFAULT_PLANS)
