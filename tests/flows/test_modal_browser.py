"""The checkout dialog flexiti.js draws over the shop's own page, in a real browser.

The demo marks its checkout form ``data-flexiti-checkout``; a plain page on another origin opens
the service's ``modal_url`` with ``Flexiti.open``. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from flexiti_checkout.sandbox.server import serve
from support.demo_server import API_KEY, Demo, buy, decide, flexiti_frame

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DIALOG = '[role="dialog"][aria-modal="true"]'

PLAIN_SHOP = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Other shop</title>
<script src="{service}/flexiti/static/flexiti_checkout/flexiti.js"></script></head>
<body><main><h1>A shop written in something else</h1>
<button id="pay" type="button">Pay with Flexiti</button></main>
<script>document.getElementById("pay").addEventListener("click", function () {{
  Flexiti.open({modal_url!r});
}});</script></body></html>"""


@pytest.fixture(autouse=True)
def fresh_knobs(demo: Demo) -> None:
    """Each test starts with the sandbox's callbacks delivered normally."""
    demo.sandbox("PATCH", "faults", {"callback_mode": "normal"})


def _status(demo: Demo, merchant_order_id: str, expected: str) -> str:
    deadline = time.monotonic() + 10
    status = ""
    while time.monotonic() < deadline:
        status = demo.api_order(merchant_order_id).json()["status"]
        if status == expected:
            break
        time.sleep(0.2)
    return status


def test_dialog_opens_over_the_shop_page_and_traps_focus(page, demo, shots):
    """Flexiti opens in an aria-modal dialog above the checkout page, which stays as it was."""
    order_id = buy(page, demo, shots, product="desk-lamp")
    assert page.url == f"{demo.url}/checkout"  # the shop's page did not go anywhere
    dialog = page.locator(DIALOG)
    assert dialog.count() == 1
    title = page.locator(f"#{dialog.get_attribute('aria-labelledby')}").inner_text()
    assert title == "Pay over time with Flexiti"
    assert page.locator("#demo-checkout-form").is_visible()  # behind the overlay, untouched
    assert page.evaluate("document.querySelector('main').inert") is True
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Close Flexiti"
    shots.take(page, "modal-over-shop", full_page=False)
    for _ in range(6):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "document.activeElement.closest('[role=dialog]') !== null || "
            "document.activeElement === document.body"
        )
        assert inside, page.evaluate("document.activeElement.outerHTML")
    assert demo.api_order(order_id).json()["status"] == "pending"


def test_approve_in_the_dialog_lands_on_the_shop_success_page(page, demo, shots):
    """Approving inside the dialog takes the whole page to the shop's thank-you page."""
    order_id = buy(page, demo, shots, product="road-bike")
    decide(page, "approve")
    page.wait_for_url(f"{demo.url}/success**", timeout=20000)
    assert page.locator("#demo-result").get_attribute("data-status") == "approved"
    assert page.locator(DIALOG).count() == 0
    assert _status(demo, order_id, "approved") == "approved"


def test_escape_leaves_without_cancelling_and_a_late_approval_settles(page, demo, shots):
    """Esc closes the dialog, says nothing was charged, returns focus; Flexiti may approve later."""
    order_id = buy(page, demo, shots, product="espresso-machine")
    page.keyboard.press("Escape")
    assert page.locator(DIALOG).count() == 0
    note = page.locator("#flexiti-checkout-note")
    assert "You left Flexiti before finishing; nothing was charged" in note.inner_text()
    assert note.get_attribute("role") == "status"
    assert page.evaluate("document.activeElement.id") == "demo-place-order"
    assert page.evaluate("document.querySelector('main').inert") is False
    shots.take(page, "left-flexiti")
    assert demo.api_order(order_id).json()["status"] == "pending"
    flexiti_order = next(o for o in demo.sandbox("GET", "orders")["orders"]
                         if o["merchant_orderid"] == order_id)  # fmt: skip
    demo.sandbox(
        "POST", f"orders/{flexiti_order['online_order_id']}/settle", {"outcome": "approve"}
    )
    assert _status(demo, order_id, "approved") == "approved"
    assert len(demo.wait_for_webhooks(order_id)) == 1


def test_trying_again_reopens_the_same_flexiti_order(page, demo, shots):
    """After closing the dialog, Continue to Flexiti opens the same pending order again."""
    order_id = buy(page, demo, shots, product="sofa")
    page.locator(".flexiti-overlay-close").click()
    page.click("#demo-place-order")
    flexiti_frame(page).locator("#sandbox-approve").wait_for()
    shown = flexiti_frame(page).locator("#sandbox-merchant-orderid").inner_text()
    assert shown == order_id


def test_messages_from_another_window_are_ignored(page, demo, shots):
    """Only the dialog's own frame, from the service's origin, can move the shop's page."""
    buy(page, demo, shots, product="desk-lamp")
    page.evaluate("window.postMessage({flexiti: 'outcome', outcome: 'success'}, '*')")
    page.evaluate("window.postMessage({flexiti: 'close'}, '*')")
    page.wait_for_timeout(500)
    assert page.url == f"{demo.url}/checkout"
    assert page.locator(DIALOG).count() == 1


def test_narrow_screen_opens_flexiti_in_the_full_page(chromium, demo, shots):
    """On a phone-width screen the checkout goes to Flexiti's page instead of a dialog."""
    context = chromium.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        order_id = buy(page, demo, shots, product="standing-desk", mode="redirect-narrow")
        assert page.url.startswith(f"{demo.sandbox_url}/sandbox/flow/")
        page.locator("#sandbox-approve").click()
        page.wait_for_url(f"{demo.url}/success**", timeout=20000)
        assert _status(demo, order_id, "approved") == "approved"
    finally:
        context.close()


def test_flexiti_open_from_a_page_on_another_origin(page, demo, shots):
    """A shop not written in Flask opens the service's modal_url with Flexiti.open()."""
    order_id = f"OPEN-{time.time_ns()}"
    started = requests.post(
        f"{demo.url}/flexiti/api/checkouts",
        headers={"Authorization": f"Bearer {API_KEY}"},
        json={
            "merchant_order_id": order_id, "amount": "499.00", "flow": "apply/buy", "lang": "en",
            "email": "tommy@example.com", "first_name": "Tommy", "last_name": "Samson",
            "billing": {"first_name": "Tommy", "last_name": "Samson",
                        "address_1": "123 Any Street", "city": "Toronto", "province": "ON",
                        "postal_code": "M5V 2T6"},
            "shipping": {"first_name": "Tommy", "last_name": "Samson",
                         "address_1": "123 Any Street", "city": "Toronto", "province": "ON",
                         "postal_code": "M5V 2T6"},
        },
        timeout=20,
    )  # fmt: skip
    assert started.status_code == 201, started.text
    html = PLAIN_SHOP.format(service=demo.url, modal_url=started.json()["modal_url"])

    def other_shop(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return iter([html.encode()])

    with serve(other_shop, host="localhost") as server:
        page.goto(f"http://localhost:{server.server_port}/")
        page.click("#pay")
        flexiti_frame(page).locator("#sandbox-approve").wait_for()
        assert page.url.startswith(f"http://localhost:{server.server_port}/")
        shots.take(page, "flexiti-open-other-origin", full_page=False)
        decide(page, "approve")
        page.wait_for_url(f"{demo.url}/**", timeout=20000)
    assert _status(demo, order_id, "approved") == "approved"
