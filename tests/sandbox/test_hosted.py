"""What the hosted pages state about each plan: the payment and, for an interest-bearing plan,
the total cost of borrowing, in English and French."""

from __future__ import annotations

import re
from html import unescape

import pytest

NBSP = "\u00a0"


def rows(html: str) -> dict[str, str]:
    """The learn-more table: each plan's label with the text of its row, tags stripped."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = [unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                 for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]  # fmt: skip
        found[cells[0]] = " | ".join(cells[1:])
    return found


@pytest.mark.parametrize(
    ("lang", "interest", "cost", "free", "none"),
    [
        ("en", "24 months, 9.99% APR", "$139.56", "12 months, 0% APR", "none (no interest)"),
        ("fr", f"24 mois, TAP 9,99{NBSP}%", f"139,56{NBSP}$", f"12 mois, TAP 0{NBSP}%",
         "aucun (sans intérêt)"),
    ],
)  # fmt: skip
def test_learn_more_states_the_cost_of_borrowing(sandbox_client, lang, interest, cost, free, none):
    """$1,299 over 24 months at 9.99 %: $59.94 a month, $139.56 in all; a 0 % plan costs none."""
    page = sandbox_client.get(f"/sandbox/learn-more?amount=1299.00&lang={lang}")
    assert page.status_code == 200
    table = rows(page.get_data(as_text=True))
    assert table[interest].endswith(f"| {cost}")
    assert "59,94" in table[interest] or "59.94" in table[interest]
    assert table[free].endswith(f"| {none}")
    assert "$" not in table[free].rpartition("|")[2]


def test_learn_more_without_an_amount_has_no_cost_column(sandbox_client):
    """With no amount there is no payment to cost: the table lists plans and minimums only."""
    html = sandbox_client.get("/sandbox/learn-more?lang=en").get_data(as_text=True)
    assert "Total cost of borrowing" not in html


@pytest.mark.parametrize(
    ("lang", "interest", "free"),
    [
        ("en-CA", "24 months, 9.99% APR · $59.94/month · total cost of borrowing $139.56",
         "12 months, 0% APR · $108.25/month"),
        ("fr-CA", f"24 mois, TAP 9,99{NBSP}% · 59,94{NBSP}$/mois · coût total d'emprunt "
         f"139,56{NBSP}$", f"12 mois, TAP 0{NBSP}% · 108,25{NBSP}$/mois"),
    ],
)  # fmt: skip
def test_the_plan_choice_states_the_cost_of_borrowing(sandbox_api, sandbox_client, lang,
                                                     interest, free):  # fmt: skip
    """Each interest-bearing choice on the hosted page says what it costs; a 0 % one says no
    cost at all."""
    started = sandbox_api.init(amount_requested=1299, lang=lang).json
    path = started["redirection_url"].removeprefix("http://localhost")
    html = sandbox_client.get(path).get_data(as_text=True)
    found = re.findall(r'<label for="sandbox-plan-\d+">(.*?)</label>', html)
    labels = [unescape(re.sub(r"<[^>]+>", "", label)).strip() for label in found]
    assert interest in labels
    assert free in labels  # exactly: nothing after the payment
