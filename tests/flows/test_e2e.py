"""End to end in a real browser, against the service started the way the README starts it.

The ``demo`` fixture (tests/flows/conftest.py) is ``make demo`` on free ports with a webhook
receiver that verifies every signature. Each step's screenshot is saved under
test-artifacts/screenshots/.
"""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from support.demo_server import Demo, buy, decide, flexiti_frame

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(autouse=True)
def fresh_knobs(demo: Demo) -> None:
    """Each test starts with the sandbox's callbacks delivered normally."""
    demo.sandbox("PATCH", "faults", {"callback_mode": "normal"})


def test_purchase_approved_in_the_modal(page, demo, shots):
    """Approved in the modal: success page, approved on the orders page and the API, one webhook."""
    order_id = buy(page, demo, shots)
    decide(page, "approve")
    page.wait_for_url(f"{demo.url}/success**", timeout=20000)
    shots.take(page, "success")
    assert page.locator("#demo-result").get_attribute("data-status") == "approved"
    page.goto(f"{demo.url}/orders")
    row = page.locator(f'tr[data-order="{order_id}"]')
    assert row.get_attribute("data-status") == "approved"
    shots.take(page, "orders")
    answer = demo.api_order(order_id)
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    events = demo.wait_for_webhooks(order_id)
    assert len(events) == 1 and demo.webhooks.bad_signatures == 0
    assert events[0]["type"] == "order.approved"


@pytest.mark.parametrize("decision", ["decline", "cancel"])
def test_declined_and_cancelled(page, demo, shots, decision):
    """Declined or cancelled in the modal: the failure page says so and the order agrees."""
    order_id = buy(page, demo, shots)
    decide(page, decision)
    page.wait_for_url(f"{demo.url}/failure**", timeout=20000)
    shots.take(page, "failure")
    expected = {"decline": "declined", "cancel": "cancelled"}[decision]
    deadline = time.monotonic() + 10
    while demo.api_order(order_id).json()["status"] != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert demo.api_order(order_id).json()["status"] == expected
    assert len(demo.wait_for_webhooks(order_id)) == 1


def test_redirect_mode(page, demo, shots):
    """The full-page redirect instead of the modal ends on the success page too."""
    order_id = buy(page, demo, shots, product="road-bike", mode="redirect")
    decide(page, "approve", mode="redirect")
    page.wait_for_url(f"{demo.url}/success**", timeout=20000)
    shots.take(page, "success")
    assert page.locator("#demo-result").get_attribute("data-status") == "approved"
    assert demo.api_order(order_id).json()["status"] == "approved"


def test_dropped_callback_is_settled_by_the_return(page, demo, shots):
    """With Flexiti's callback dropped, the customer's return alone settles the order."""
    demo.sandbox("PATCH", "faults", {"callback_mode": "drop"})
    order_id = buy(page, demo, shots, product="desk-lamp")
    decide(page, "approve")
    page.wait_for_url(f"{demo.url}/success**", timeout=20000)
    shots.take(page, "success")
    assert demo.api_order(order_id).json()["status"] == "approved"


def test_closed_tab_is_settled_by_the_reconciler(page, demo, shots):
    """The customer approves, then closes the tab, callback dropped: reconcile settles it."""
    demo.sandbox("PATCH", "faults", {"callback_mode": "drop"})
    order_id = buy(page, demo, shots, product="standing-desk")
    page.close()
    flexiti_order = next(o for o in demo.sandbox("GET", "orders")["orders"]
                         if o["merchant_orderid"] == order_id)  # fmt: skip
    demo.sandbox(
        "POST", f"orders/{flexiti_order['online_order_id']}/settle", {"outcome": "approve"}
    )
    assert demo.api_order(order_id).json()["status"] == "pending"
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run(
        [str(flask), "--app", "flexiti_checkout.service.app:create_app()", "flexiti", "reconcile"],
        env=demo.env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 settled" in result.stdout
    assert demo.api_order(order_id).json()["status"] == "approved"
    assert len(demo.wait_for_webhooks(order_id)) == 1


def test_french_storefront_end_to_end(page, demo, shots):
    """In French: the badge, the hosted flow and the success page all read in French."""
    page.goto(f"{demo.url}/")
    page.click("#demo-lang")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    order_id = buy(page, demo, shots, product="sofa")
    assert "Financez votre achat" in flexiti_frame(page).locator("h1").inner_text()
    decide(page, "approve")
    page.wait_for_url(f"{demo.url}/success**", timeout=20000)
    shots.take(page, "success")
    assert "Merci pour votre commande" in page.locator("#demo-result").inner_text()
    assert demo.api_order(order_id).json()["status"] == "approved"


def test_partial_refund_from_the_cli_shows_on_the_orders_page_and_as_a_webhook(page, demo, shots):
    """Bought in the demo, part refunded from the CLI: shown on the Orders page and in a webhook."""
    order_id = buy(page, demo, shots, product="road-bike")
    decide(page, "approve")
    page.wait_for_url(f"{demo.url}/success**", timeout=20000)
    amount = Decimal(demo.api_order(order_id).json()["amount"])
    assert len(demo.wait_for_webhooks(order_id)) == 1  # order.approved
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run(
        [str(flask), "--app", "flexiti_checkout.service.app:create_app()", "flexiti", "refund",
         order_id, "--amount", "25.00", "--reason", "scratched frame", "--yes"],
        env=demo.env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "succeeded" in result.stdout and f"{amount - 25} left to refund" in result.stdout
    page.goto(f"{demo.url}/orders")
    row = page.locator(f'tr[data-order="{order_id}"]')
    row.locator('[data-refund-status="succeeded"]').wait_for()
    assert row.get_attribute("data-status") == "partially_refunded"
    assert "scratched frame" in row.inner_text()
    shots.take(page, "orders-refunded")
    events = demo.wait_for_webhooks(order_id, count=2)
    assert [e["type"] for e in events] == ["order.approved", "order.partially_refunded"]
    assert demo.webhooks.bad_signatures == 0
    refund = events[1]["data"]["refund"]
    assert refund["amount"] == "25.00" and refund["status"] == "succeeded"
    assert events[1]["data"]["refundable"] == f"{amount - 25}"


def test_the_thank_you_page_states_an_interest_bearing_plan(page, demo, shots):
    """The bike on 24 months at 9.99 %: the thank-you page states the monthly payment, the
    months, the APR and the total cost of borrowing, and no id of Flexiti's."""
    order_id = buy(page, demo, shots, product="road-bike")
    frame = flexiti_frame(page)
    frame.locator('input[name="plan_id"][value="4:24"]').check()
    decide(page, "approve")
    page.wait_for_url(f"{demo.url}/success**", timeout=20000)
    terms = page.locator("#demo-terms").inner_text()
    shots.take(page, "thank-you-interest-bearing")
    assert terms == (
        "$59.94 a month for 24 months at 9.99\u00a0% APR; total cost of borrowing $139.56."
    )
    promo = demo.api_order(order_id).json()["details"]["promo_id"]
    assert promo not in page.content() and "promo" not in page.content().lower()
