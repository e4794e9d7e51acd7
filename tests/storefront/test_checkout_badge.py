"""At checkout the badge of an interest-bearing plan states its total cost of borrowing, and the
calculator gives that cost to any page (``flexiti.js``, a shop in another language)."""

from __future__ import annotations

import re
from html import unescape

import pytest
import requests
from flask import render_template_string

from flexiti_checkout.web.state import flexiti_state

NBSP = "\u00a0"


def render(shop, source: str, **context) -> str:
    with shop.app.test_request_context():
        return render_template_string(source, **context)


def warm(shop, price: str, lang: str) -> None:
    with shop.app.app_context():
        shop.flexiti.payment_plan(price, lang)
    flexiti_state(shop.app).storefront.wait_idle()


def visible_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


@pytest.mark.shop_config({"FLEXITI_BADGE_PLAN": "longest_term"})
@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "or $59.94/mo for 24 months at 9.99 % APR; total cost of borrowing $139.56 "
               "Learn more"),
        ("fr", "ou 59,94 $/mois pendant 24 mois, TAP de 9,99 %; coût total d'emprunt 139,56 $ "
               "En savoir plus"),
    ],
)  # fmt: skip
def test_the_checkout_badge_states_the_cost_of_an_interest_bearing_plan(shop, lang, text):
    """$1,299 over 24 months at 9.99 %: the checkout's badge says it costs $139.56 to borrow,
    to the eye and to a screen reader; a product page's badge stays short."""
    warm(shop, "1299.00", lang)
    checkout = render(shop, "{{ flexiti_badge(total, lang, cost=True) }}", total="1299.00",
                      lang=lang)  # fmt: skip
    assert "data-flexiti-cost" in checkout and 'data-flexiti-state="ready"' in checkout
    assert visible_text(checkout).replace(NBSP, " ") == text
    label = unescape(re.search(r'aria-label="([^"]*)"', checkout)[1]).replace(NBSP, " ")
    words = text.removesuffix(" Learn more").removesuffix(" En savoir plus")
    assert label.startswith(words + ". ")
    product = render(shop, "{{ flexiti_badge(total, lang) }}", total="1299.00", lang=lang)
    assert "139" not in product and "data-flexiti-cost" not in product


def test_a_zero_rate_plan_states_no_cost_at_checkout(shop):
    """The default badge plan for $1,299 is 12 months at 0 %: no cost is stated, not $0.00."""
    warm(shop, "1299.00", "en")
    checkout = render(shop, "{{ flexiti_badge('1299.00', 'en', cost=True) }}")
    assert visible_text(checkout).replace(NBSP, " ") == (
        "or $108.25/mo for 12 months at 0 % APR Learn more"
    )
    assert "borrowing" not in checkout


@pytest.mark.shop_config({"FLEXITI_BADGE_PLAN": "longest_term"})
@pytest.mark.parametrize(
    ("price", "lang", "cost", "text"),
    [
        ("1299.00", "en", "139.56", "total cost of borrowing $139.56"),
        ("1299.00", "fr", "139.56", f"coût total d'emprunt 139,56{NBSP}$"),
        ("499.00", "en", "0.00", None),  # 12 months at 0 % is the longest term $499 reaches
    ],
)
def test_the_calculator_answers_the_cost_of_borrowing(shop, price, lang, cost, text):
    """The calculator's JSON carries the cost as a number and, when there is one, the words."""
    warm(shop, price, lang)
    answer = requests.get(f"{shop.url}/flexiti/calculator?price={price}&lang={lang}", timeout=10)
    plan = answer.json()
    assert (plan["total_cost_of_borrowing"], plan["cost_text"]) == (cost, text)
    if text is None:
        assert plan["cost_label"] is None
    else:
        assert plan["cost_label"].startswith(f"{plan['text']}; {text}")
