"""What a customer agreed to, and which plan a badge advertises, computed with Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexiti_checkout.storefront.terms import OfferedPlan, agreed_terms, badge_terms, parse_plans

#: The sandbox's plans: 0 % up to 12 months, 9.99 % over 24 and 12.99 % over 36.
PLANS = parse_plans("1:3:0:50,2:6:0:150,3:12:0:300,4:24:9.99:1000,5:36:12.99:2500")


@pytest.mark.parametrize(
    ("choice", "price", "months", "apr"),
    [
        ("prefer_zero", "1299.00", 12, "0"),
        ("lowest_monthly", "1299.00", 24, "9.99"),
        ("lowest_apr", "1299.00", 12, "0"),
        ("longest_term", "1299.00", 24, "9.99"),
        ("prefer_zero", "3000.00", 12, "0"),
        ("longest_term", "3000.00", 36, "12.99"),
        ("prefer_zero", "100.00", 3, "0"),
    ],
)
def test_the_badge_advertises_the_plan_the_setting_chooses(choice, price, months, apr):
    """The $1,299 bike: 12 months at 0 % by default, not 24 months at 9.99 %."""
    chosen = badge_terms(Decimal(price), PLANS, choice)
    assert chosen is not None and (chosen.months, chosen.apr) == (months, Decimal(apr))


def test_a_price_below_every_plan_has_no_badge_plan():
    assert badge_terms(Decimal("10.00"), PLANS, "prefer_zero") is None


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "$59.94 a month for 24 months at 9.99\u00a0% APR; total cost of borrowing $139.56."),
        ("fr", "59,94\u00a0$ par mois pendant 24 mois au TAP de 9,99\u00a0%; coût total "
         "d'emprunt 139,56\u00a0$."),
    ],
)  # fmt: skip
def test_the_agreed_terms_of_a_settled_order(lang, sentence):
    """From the lookup's amount, plan and term and the shop's plans; no internal id."""
    details = {"purchase_amount": "1299.00", "plan_id": "4", "term": 24, "promo_id": "382712"}
    terms = agreed_terms(details, PLANS)
    assert terms is not None and terms.sentence(lang) == sentence
    assert "382712" not in terms.sentence(lang)
    assert terms.as_json() == {"amount": "1299.00", "monthly_payment": "59.94", "months": 24,
                               "apr": "9.99", "total_cost_of_borrowing": "139.56"}  # fmt: skip


def test_a_zero_rate_plan_says_so():
    terms = agreed_terms({"purchase_amount": "1299.00", "plan_id": "3", "term": 12}, PLANS)
    assert terms is not None
    assert terms.sentence("en") == (
        "$108.25 a month for 12 months at 0\u00a0% APR: no interest, no cost of borrowing."
    )


@pytest.mark.parametrize(
    "details",
    [{}, {"purchase_amount": "1299.00", "plan_id": "99", "term": 12},
     {"purchase_amount": "nope", "plan_id": "3", "term": 12}],
)  # fmt: skip
def test_unknown_plans_or_amounts_give_no_terms(details):
    assert agreed_terms(details, PLANS) is None


@pytest.mark.parametrize("text", ["4:24", "4:0:9.99", "4:24:abc", "4:24:100", ":24:0", "4:24:0:-1"])
def test_a_malformed_plan_is_refused_saying_how_to_write_one(text):
    with pytest.raises(ValueError, match="must be plan id:months:APR"):
        parse_plans(text)


def test_plans_parse():
    assert parse_plans(" 3:12:0:300 , 4:24:9.99 ") == (
        OfferedPlan("3", 12, Decimal("0"), Decimal("300")),
        OfferedPlan("4", 24, Decimal("9.99"), Decimal("0")),
    )
