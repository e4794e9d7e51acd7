"""axe-core finds no serious or critical accessibility problem on the shop, modal, sandbox and
admin console pages.

axe-core comes from npm (``make test`` installs it into ``.axe/``) and is injected into each page
through Playwright, in English and in French, at desktop width.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from flexiti_checkout._sandbox_keys import SANDBOX_ADMIN_KEY
from support.demo_server import API_KEY, Demo
from support.shop_server import checkout_request

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).resolve().parents[2] / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def _problems(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in SERIOUS
    ]


def _pages(page: Any, demo: Demo) -> Iterator[str]:
    """Every page a customer meets from the catalogue to the outcome, and the sandbox's."""
    for path in ("/", "/products/laptop", "/no-such-page", "/cart"):
        page.goto(demo.url + path)
        yield f"demo {path}"
    page.goto(demo.url + "/products/sofa")
    page.click("#demo-add")
    page.wait_for_url(f"{demo.url}/cart")
    yield "demo /cart (1 item)"
    page.goto(demo.url + "/checkout")
    yield "demo /checkout"
    page.click("#demo-place-order")
    page.frame_locator("#flexiti-overlay-frame").locator("#flexiti-frame").wait_for()
    yield "demo /checkout with the Flexiti dialog open"
    modal_url = page.locator("#flexiti-overlay-frame").get_attribute("src").split("?")[0]
    page.keyboard.press("Escape")
    yield "demo /checkout after leaving Flexiti"
    page.goto(modal_url)
    yield "modal page (no JavaScript path)"
    page.goto(modal_url + "?embed=1&origin=" + demo.url)
    yield "modal page as the dialog's frame"
    page.goto(demo.url + "/flexiti/return/error")
    yield "demo /failure (left Flexiti)"
    page.goto(demo.url + "/flexiti/outcome")
    yield "extension /flexiti/outcome"
    page.goto(demo.url + "/flexiti/modal/expired-token")
    yield "extension 404"
    page.goto(modal_url + "?mode=redirect")
    page.wait_for_url(f"{demo.sandbox_url}/sandbox/flow/**")
    yield "sandbox hosted flow"
    page.goto(demo.url + "/orders")
    yield "demo /orders"
    page.goto(demo.url + "/flexiti/learn-more?amount=1299.99")
    yield "learn-more modal"
    for path in ("/", "/sandbox/learn-more?amount=1299.99"):
        page.goto(demo.sandbox_url + path)
        yield f"sandbox {path}"


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing: `make test` installs it")
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_serious_accessibility_violations(chromium, demo, shots, lang):
    """On every shop, modal and sandbox page axe-core reports 0 serious or critical problems."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale=f"{lang}-CA")
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        page.goto(f"{demo.url}/lang/{lang}", referer=f"{demo.url}/cart")
        names = []
        for name in _pages(page, demo):
            page.wait_for_load_state()
            names.append(name)
            problems = _problems(page)
            if problems:
                found[name] = problems
                shots.take(page, "axe-" + name.replace("/", "-").replace(" ", "-"))
    finally:
        context.close()
    assert len(names) >= 17
    assert found == {}


def _api_order(demo: Demo, merchant_order_id: str, outcome: str | None = None) -> None:
    """An order started through the API; ``outcome`` decides it at the sandbox."""
    started = requests.post(
        f"{demo.url}/flexiti/api/checkouts",
        json=checkout_request(merchant_order_id),
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=15,
    )
    assert started.status_code == 201, started.text
    if outcome is not None:
        online_order_id = started.json()["online_order_id"]
        demo.sandbox("POST", f"orders/{online_order_id}/settle", {"outcome": outcome})


def _wait_for_status(demo: Demo, merchant_order_id: str, expected: str) -> None:
    """Until Flexiti's callback has settled the order (the reconciler's job if it never came)."""
    deadline = time.monotonic() + 30
    while (status := demo.api_order(merchant_order_id).json()["status"]) != expected:
        assert time.monotonic() < deadline, f"{merchant_order_id} is {status}, not {expected}"
        time.sleep(0.2)


def _order_needing_review(demo: Demo, merchant_order_id: str) -> None:
    """Flexiti approves another amount than the order's: a person must decide."""
    demo.sandbox("PATCH", "faults", {"approved_amount_delta": "1.00"})
    try:
        _api_order(demo, merchant_order_id, "approve")
    finally:
        demo.sandbox("PATCH", "faults", {"approved_amount_delta": "0"})


def _admin_pages(page: Any, demo: Demo, lang: str) -> Iterator[str]:
    """Every page of the admin console: sign-in (and its error), lists, orders, confirmations."""
    suffix = lang.upper()
    demo.sandbox("PATCH", "faults", {"callback_mode": "normal"})  # the demo is the session's
    _api_order(demo, f"AXE-PENDING-{suffix}")
    _api_order(demo, f"AXE-APPROVED-{suffix}", "approve")
    admin = f"{demo.url}/flexiti/admin"
    page.goto(f"{admin}/?lang={lang}")
    yield "admin sign-in"
    page.fill("#flx-key", "not-the-key")
    page.click("button[type=submit]")
    yield "admin sign-in with an error"
    page.fill("#flx-key", SANDBOX_ADMIN_KEY)
    page.fill("#flx-name", "Robin")
    page.click("button[type=submit]")
    yield "admin home"
    page.goto(f"{admin}/orders")
    yield "admin orders"
    page.goto(f"{admin}/orders?status=pending&q=no-such-order")
    yield "admin orders, none found"
    page.goto(f"{admin}/orders/AXE-PENDING-{suffix}")
    yield "admin pending order"
    page.click("form[action$='/actions/recheck'] button")
    yield "admin confirm: ask Flexiti now"
    _wait_for_status(demo, f"AXE-APPROVED-{suffix}", "approved")
    page.goto(f"{admin}/orders/AXE-APPROVED-{suffix}")
    yield "admin approved order"
    page.click("form[action$='/actions/refund'] button")
    yield "admin confirm: refund"
    page.fill("#flx-amount", "99999.00")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[role=alert]")
    yield "admin refused action"
    page.click("form[action$='/actions/refund'] button")
    page.fill("#flx-amount", "10.00")
    page.fill("#flx-reason", "one item back")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[role=status]")
    yield "admin order after a refund"
    _order_needing_review(demo, f"AXE-REVIEW-{suffix}")
    _wait_for_status(demo, f"AXE-REVIEW-{suffix}", "needs_review")
    page.goto(f"{admin}/orders/AXE-REVIEW-{suffix}")
    yield "admin order in review"
    page.click("form[action$='/actions/review'] button")
    yield "admin confirm: decide a review"
    page.goto(f"{admin}/")
    yield "admin home with work"
    page.goto(f"{admin}/orders/NO-SUCH-ORDER")
    yield "admin missing order"


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing: `make test` installs it")
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_serious_accessibility_violations_in_the_admin_console(chromium, demo, shots, lang):
    """On every admin console page axe-core reports 0 serious or critical problems. The console's
    Content-Security-Policy forbids inline scripts, axe's too: the test's context bypasses it."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale=f"{lang}-CA", bypass_csp=True
    )
    page = context.new_page()
    found: dict[str, list[str]] = {}
    names = []
    try:
        for name in _admin_pages(page, demo, lang):
            page.wait_for_load_state()
            names.append(name)
            assert page.locator("html").get_attribute("lang", timeout=5000).startswith(lang)
            problems = _problems(page)
            if problems:
                found[name] = problems
                shots.take(page, "axe-" + name.replace(" ", "-").replace(":", ""))
            elif name in ("admin home with work", "admin order in review", "admin refused action"):
                shots.take(page, f"{lang}-" + name.replace(" ", "-"))  # what staff see
    finally:
        context.close()
    assert len(names) == 15
    assert found == {}
