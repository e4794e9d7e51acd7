"""The modal checkout in a real browser: the shop frames the sandbox and settles the order."""

from __future__ import annotations

import pytest

from flexiti_checkout import OrderStatus

pytestmark = pytest.mark.browser


def test_modal_checkout_approved_in_a_real_browser(shop, page, shots):
    """A customer approves inside the modal and lands on the outcome page, order approved."""
    page.set_content(
        f'<form method="post" action="{shop.url}/pay/WEB-1"><button id="pay">Pay</button></form>'
    )
    page.click("#pay")
    frame = page.frame_locator("#flexiti-frame")
    frame.locator("#sandbox-approve").wait_for()
    shots.take(page, "modal")
    frame.locator("#sandbox-approve").click()
    page.wait_for_url(f"{shop.url}/flexiti/outcome", timeout=15000)
    shots.take(page, "outcome")
    assert page.locator("#flexiti-outcome").get_attribute("data-status") == "approved"
    assert shop.order("WEB-1").status is OrderStatus.APPROVED
    assert shop.signals.names("WEB-1") == ["order_approved"]
