"""What a plan costs, computed with Decimal: the payment and the total cost of borrowing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexiti_checkout.borrowing import Terms


@pytest.mark.parametrize(
    ("amount", "months", "apr", "payment", "cost"),
    [
        ("1299.00", 12, "0", "108.25", "0.00"),
        ("1299.00", 24, "9.99", "59.94", "139.56"),
        ("2899.00", 36, "12.99", "97.66", "616.76"),
        ("100.00", 3, "0", "33.33", "0.00"),
    ],
)
def test_payment_and_cost_of_borrowing(amount, months, apr, payment, cost):
    """Equal payments, interest monthly, rounded once to the cent; no cost at 0 %."""
    terms = Terms.of(Decimal(amount), months, Decimal(apr))
    assert terms.monthly_payment == Decimal(payment)
    assert terms.cost_of_borrowing == Decimal(cost)
    assert isinstance(terms.cost_of_borrowing, Decimal)


@pytest.mark.parametrize(
    ("apr", "lang", "text"),
    [
        ("9.99", "en", "total cost of borrowing $139.56"),
        ("9.99", "fr", "coût total d'emprunt 139,56\u00a0$"),
        ("0", "en", None),
        ("0", "fr", None),
    ],
)
def test_only_an_interest_bearing_plan_states_a_cost(apr, lang, text):
    """$1,299 over 24 months: $139.56 at 9.99 %; at 0 % no cost is stated, not even $0.00."""
    assert Terms.of(Decimal("1299.00"), 24, Decimal(apr)).cost_text(lang) == text
