"""Esc while the keyboard is inside Flexiti's page, in the dialog flexiti.js draws over a shop.

Keys pressed in a frame stay in that frame. Flexiti's page is framed by the service's modal
page: when it has the modal page's origin (the sandbox the service embeds), modal.js hears Esc
there and closes the dialog; when it is cross-origin (Flexiti's hosts, or a sandbox on its own
port as the demo runs it) the dialog's close button, reached with Shift+Tab, is the way out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY
from flexiti_checkout.sandbox.server import serve
from flexiti_checkout.service.app import create_app
from support.apps import close_app
from support.demo_server import API_KEY, Demo, flexiti_frame
from support.shop_server import checkout_request

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DIALOG = '[role="dialog"][aria-modal="true"]'
LEFT = "You left Flexiti before finishing; nothing was charged"
PLAIN_SHOP = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Other shop</title>
<script src="{service}/flexiti/static/flexiti_checkout/flexiti.js"></script></head>
<body><main><h1>A shop written in something else</h1>
<button id="pay" type="button">Pay with Flexiti</button></main>
<script>document.getElementById("pay").addEventListener("click", function () {{
  Flexiti.open({modal_url!r});
}});</script></body></html>"""


@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    """The service in sandbox mode on a real port, with its embedded sandbox (same origin)."""
    app = create_app(
        {
            "FLEXITI_ENVIRONMENT": "sandbox",
            "FLEXITI_STORE_URL": f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
            "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    with serve(app) as server:
        yield f"http://127.0.0.1:{server.server_port}"
    close_app(app)


def other_shop(service: str, key: str, merchant_order_id: str) -> Any:
    """A checkout started through the API, and a server for a shop page on another origin whose
    button opens its ``modal_url`` with ``Flexiti.open``."""
    started = requests.post(
        f"{service}/flexiti/api/checkouts",
        json=checkout_request(merchant_order_id),
        headers={"Authorization": f"Bearer {key}"},
        timeout=20,
    )
    assert started.status_code == 201, started.text
    html = PLAIN_SHOP.format(service=service, modal_url=started.json()["modal_url"])

    def shop_page(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return iter([html.encode()])

    return serve(shop_page, host="localhost")


def test_escape_inside_the_embedded_sandbox_closes_the_dialog(page, service, shots):
    """Focus on Flexiti's approve button, Esc: the dialog closes as from the shop's own page."""
    with other_shop(service, SANDBOX_API_KEY, "ESC-SAME-1") as shop:
        page.goto(f"http://localhost:{shop.server_port}/")
        page.click("#pay")
        approve = flexiti_frame(page).locator("#sandbox-approve")
        approve.wait_for()
        # modal.js starts listening to Flexiti's page once it has loaded, as a shopper sees it.
        modal = page.locator("#flexiti-overlay-frame").element_handle().content_frame()
        modal.wait_for_function(
            "() => document.getElementById('flexiti-frame').contentDocument.readyState"
            " === 'complete'"
        )
        approve.focus()  # the keyboard is inside Flexiti's page now
        assert flexiti_frame(page).locator("#sandbox-approve:focus").count() == 1
        shots.take(page, "focus-inside-flexiti", full_page=False)
        # The dialog closes on keydown; the key is let go once its frames are gone, so that the
        # browser never delivers the keyup to a frame it is tearing down (which can hang it).
        page.keyboard.down("Escape")
        page.locator(DIALOG).wait_for(state="detached", timeout=5000)
        page.keyboard.up("Escape")
        assert LEFT in page.locator("#flexiti-checkout-note").inner_text()
        assert page.evaluate("document.activeElement.id") == "pay"
    answer = requests.get(
        f"{service}/flexiti/api/orders/ESC-SAME-1",
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    )
    assert answer.json()["status"] == "pending"  # leaving cancels nothing


def test_from_a_cross_origin_flexiti_page_shift_tab_reaches_the_close_button(page, demo: Demo):
    """The demo's sandbox is on its own port: its keys are its own, the close button is not."""
    with other_shop(demo.url, API_KEY, "ESC-CROSS-1") as shop:
        page.goto(f"http://localhost:{shop.server_port}/")
        page.click("#pay")
        flexiti_frame(page).locator("#sandbox-approve").focus()
        for _ in range(20):
            page.keyboard.press("Shift+Tab")
            if page.evaluate("document.activeElement.classList.contains('flexiti-overlay-close')"):
                break
        else:
            pytest.fail("Shift+Tab never reached the dialog's close button")
        page.keyboard.press("Enter")
        page.locator(DIALOG).wait_for(state="detached", timeout=5000)
        assert LEFT in page.locator("#flexiti-checkout-note").inner_text()
        assert page.evaluate("document.activeElement.id") == "pay"
