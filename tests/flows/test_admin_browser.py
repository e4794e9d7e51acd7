"""The admin console in a real browser: staff sign in, find an order and ask Flexiti about it."""

from __future__ import annotations

import pytest

from flexiti_checkout import OrderStatus

pytestmark = pytest.mark.browser

ADMIN_KEY = "browser-admin-key-0123456789"


@pytest.mark.shop_config({"FLEXITI_ADMIN_KEYS": ADMIN_KEY})
@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_staff_sign_in_and_recheck_an_order(shop, page, shots):
    """Sign in, filter to pending, open the order, confirm "Ask Flexiti now": it is approved."""
    started = shop.start("ADMIN-WEB-1")
    shop.start("ADMIN-WEB-2")
    shop.sandbox.control("POST", f"orders/{started.online_order_id}/settle", {"outcome": "approve"})
    assert shop.order("ADMIN-WEB-1").status is OrderStatus.PENDING  # the callback was dropped
    refused: list[str] = []  # what the console's Content-Security-Policy blocked, if anything
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)  # fmt: skip

    page.goto(f"{shop.url}/flexiti/admin/")
    page.fill("#flx-key", ADMIN_KEY)
    page.fill("#flx-name", "Robin")
    shots.take(page, "sign-in")
    page.click("button[type=submit]")
    page.click("nav >> text=Orders")
    page.select_option("#flx-status", "pending")
    page.fill("#flx-q", "ADMIN-WEB-1")
    page.click("button:has-text('Filter')")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    shots.take(page, "orders")
    page.click("text=ADMIN-WEB-1")
    page.click("button:has-text('Ask Flexiti now')")
    assert page.locator("h1").inner_text() == "Please confirm"
    page.click("button:has-text('Confirm')")
    assert "Done: now approved" in page.locator("[role=status]").inner_text()
    assert "Robin (key #1)" in page.locator("table").last.inner_text()
    shots.take(page, "order-approved")
    assert shop.order("ADMIN-WEB-1").status is OrderStatus.APPROVED
    assert refused == []
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"


@pytest.mark.shop_config({"FLEXITI_ADMIN_KEYS": ADMIN_KEY})
def test_the_console_fits_a_phone_in_french(shop, chromium, shots):
    """At 375 px nothing overflows sideways, and the console reads in French."""
    shop.start("ADMIN-PHONE-1")
    context = chromium.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{shop.url}/flexiti/admin/?lang=fr")
        page.fill("#flx-key", ADMIN_KEY)
        page.click("button[type=submit]")
        for path in (
            "/flexiti/admin/",
            "/flexiti/admin/orders",
            "/flexiti/admin/orders/ADMIN-PHONE-1",
        ):
            page.goto(shop.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} is {width} px wide"
            shots.take(page, "phone-fr")
        assert "Interroger Flexiti maintenant" in page.content()
    finally:
        context.close()
