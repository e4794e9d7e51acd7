"""The shop's plans: what a customer agreed to, and which plan a badge advertises.

Flexiti's lookup names the plan (``plan_id``) and the term, not its rate; the shop's plans, as its
Flexiti agreement lists them (``FLEXITI_PLANS``: plan id, months, APR, minimum), give the rate.
What a plan costs is ``borrowing.Terms``, the arithmetic the calculator's rate is read with too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flexiti_checkout.borrowing import Terms
from flexiti_checkout.money import bounded_decimal

#: Which plan a badge advertises when a price qualifies for several (``FLEXITI_BADGE_PLAN``).
BADGE_CHOICES = ("prefer_zero", "lowest_monthly", "lowest_apr", "longest_term")


@dataclass(frozen=True)
class OfferedPlan:
    """One plan of the shop's agreement with Flexiti."""

    plan_id: str
    months: int
    apr: Decimal
    min_amount: Decimal = Decimal(0)


def parse_plans(text: str) -> tuple[OfferedPlan, ...]:
    """``"3:12:0:300,4:24:9.99:1000"`` (plan id, months, APR in percent, minimum) as plans.

    Raises ``ValueError`` saying which entry is wrong and how an entry is written.
    """
    plans = []
    for number, entry in enumerate(part.strip() for part in text.split(",") if part.strip()):
        fields = entry.split(":")
        try:
            if len(fields) not in (3, 4):
                raise ValueError
            minimum = bounded_decimal(fields[3]) if len(fields) == 4 else Decimal(0)
            plan = OfferedPlan(fields[0], int(fields[1]), bounded_decimal(fields[2]), minimum)
            if not plan.plan_id or plan.months < 1 or not 0 <= plan.apr < 100:
                raise ValueError
            if not plan.min_amount.is_finite() or plan.min_amount < 0:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"entry #{number + 1} {entry!r} must be plan id:months:APR[:minimum], "
                "such as 4:24:9.99:1000"
            ) from None
        plans.append(plan)
    return tuple(plans)


def agreed_terms(details: Mapping[str, Any], plans: Sequence[OfferedPlan]) -> Terms | None:
    """The terms of a settled order from what Flexiti granted (``details``: amount financed,
    plan id, term) and the shop's plans; ``None`` when either is missing."""
    plan = next((p for p in plans if p.plan_id == str(details.get("plan_id"))), None)
    try:
        amount = bounded_decimal(str(details.get("purchase_amount")))
        months = int(details.get("term") or (plan.months if plan else 0))
    except (ValueError, TypeError):
        return None
    if plan is None or months < 1 or not amount.is_finite() or amount <= 0:
        return None
    return Terms.of(amount, months, plan.apr)


def badge_terms(price: Decimal, plans: Sequence[OfferedPlan], choice: str) -> Terms | None:
    """The plan a badge for ``price`` advertises among the plans it qualifies for: the 0 % plan
    with the lowest payment when there is one (``prefer_zero``, then the lowest payment), or the
    lowest payment, the lowest APR or the longest term."""
    offered = [Terms.of(price, p.months, p.apr) for p in plans if price >= p.min_amount]
    if not offered:
        return None
    if choice == "longest_term":
        return max(offered, key=lambda t: (t.months, -t.apr))
    if choice == "lowest_apr":
        return min(offered, key=lambda t: (t.apr, t.monthly_payment))
    if choice == "prefer_zero" and any(t.apr == 0 for t in offered):
        offered = [t for t in offered if t.apr == 0]
    return min(offered, key=lambda t: (t.monthly_payment, t.apr))
