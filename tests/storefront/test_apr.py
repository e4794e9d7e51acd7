"""The rate beside every payment: read from Flexiti's calculator answer, in English and French."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexiti_checkout.demo import catalogue
from flexiti_checkout.money import format_percent
from flexiti_checkout.sandbox.plans import DEFAULT_PLANS, longest, render_calculator
from flexiti_checkout.storefront.apr import implied_apr, stated_rates

DEMO_PRICES = sorted({v.price for p in catalogue.PRODUCTS for v in p.variants})
SPREAD = [Decimal(cents) / 100 for cents in range(5_000, 2_000_000, 4_999)]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_sandbox_answer_gives_its_plan_rate(lang):
    """For each price the sandbox finances, the rate read from its answer is the plan's APR."""
    checked = 0
    for price in [*DEMO_PRICES, *SPREAD]:
        plan = longest(DEFAULT_PLANS, price)
        if plan is None:
            continue
        html = render_calculator(plan, price, lang)
        assert implied_apr(price, plan.months, plan.monthly_payment(price), html) == plan.apr
        checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    ("price", "months", "payment", "expected"),
    [
        ("499.00", 12, "41.58", "0"),  # an interest-free split
        ("1299.99", 24, "59.98", "9.99"),  # amortised, no rendering to read: the implied rate
        ("3000.00", 36, "101.07", "12.99"),
        ("499.00", 12, "40.00", None),  # less than an interest-free split: no rate explains it
        ("499.00", 12, "0", None),
    ],
)
def test_rate_from_the_numbers_alone(price, months, payment, expected):
    """Without a stated rate, the APR follows from price, payment and months, or is None."""
    rate = implied_apr(Decimal(price), months, Decimal(payment))
    assert rate == (None if expected is None else Decimal(expected))


def test_a_stated_rate_is_used_only_when_the_payment_agrees():
    """A percentage in Flexiti's HTML wins only if it is consistent with the payment."""
    price, payment = Decimal("1863.35"), Decimal("85.98")
    assert implied_apr(price, 24, payment, "<p>9.99% APR</p>") == Decimal("9.99")
    assert implied_apr(price, 24, payment, "<p>Save 25% today</p>") == Decimal("10.00")
    assert stated_rates("TAP 9,99\u00a0% · 0 %") == [Decimal("9.99"), Decimal("0")]


def test_percent_is_written_the_canadian_way():
    """``9.99 %`` in English, ``9,99 %`` in French, with a no-break space before the sign."""
    assert format_percent(Decimal("9.99"), "en") == "9.99\u00a0%"
    assert format_percent(Decimal("12.990"), "fr-CA") == "12,99\u00a0%"
    assert format_percent(Decimal("0.00"), "en") == "0\u00a0%"


@pytest.mark.shop_config({"FLEXITI_BADGE_PLAN": "longest_term"})
def test_badge_shows_the_rate_of_an_interest_bearing_plan(shop):
    """Against the sandbox, a 24-month and a 36-month plan show 9.99 % and 12.99 % APR."""
    with shop.app.app_context():
        laptop = shop.flexiti.payment_plan("1299.99", "en")
        sauna = shop.flexiti.payment_plan("3000.00", "fr")
    assert laptop is not None and sauna is not None
    assert laptop.text == "or $59.98/mo for 24 months at 9.99\u00a0% APR"
    assert laptop.label.startswith(laptop.text + ". Learn more")
    assert sauna.text == "ou 101,07\u00a0$/mois pendant 36 mois, TAP de 12,99\u00a0%"
    assert sauna.as_json()["apr"] == "12.99"
