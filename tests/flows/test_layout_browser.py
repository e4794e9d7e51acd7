"""Nothing moves and nothing overflows, at desktop and phone widths, in a real browser.

Demos of their own with a slow sandbox: a price new to the server renders a placeholder that
flexiti.js fills in late, which is when a page could move. Phone-width screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from support.demo_server import Demo, run_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# Sums every layout shift not caused by input, as Chrome's CLS does (one session is enough here).
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) {
    if (!entry.hadRecentInput) { window.__cls += entry.value; }
  });
}).observe({ type: "layout-shift", buffered: true });
document.addEventListener("DOMContentLoaded", function () {
  window.__pending = document.querySelectorAll("[data-flexiti-state=pending]").length;
});
"""


@pytest.fixture(scope="module")
def slow_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo with plans cached for one second and every sandbox answer 0.5 s late."""
    with run_demo(tmp_path_factory.mktemp("slow-demo"), FLEXITI_CACHE_TTL="1s") as running:
        running.sandbox("PATCH", "faults", {"latency": 0.5})
        yield running


def _browser_page(chromium: Any, viewport: dict[str, int]) -> Any:
    context = chromium.new_context(viewport=viewport)
    context.add_init_script(CLS_OBSERVER)
    return context.new_page()


def _cls_after_badges(page: Any, url: str) -> tuple[float, int]:
    page.goto(url)
    pending = int(page.evaluate("window.__pending"))
    # Badges below the fold wait for a scroll (flexiti.js loads them as they come into view).
    page.wait_for_function(
        "() => ![...document.querySelectorAll('[data-flexiti-state=pending]')]"
        ".some(e => e.getBoundingClientRect().top < window.innerHeight)",
        timeout=20000,
    )
    page.wait_for_timeout(500)
    return float(page.evaluate("window.__cls")), pending


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
def test_no_layout_shift_while_badges_fill_in(chromium, tmp_path, shots, viewport):
    """With the badges filled in late by flexiti.js, each page's CLS is 0.000.

    A fresh demo in French (the demo's start-up warms the English catalogue), so each plan is
    new to the server: the product pages first, then the catalogue with the prices not seen yet.
    French is also the longer text, the harder one to fit in the space reserved.
    """
    with run_demo(tmp_path) as demo:
        demo.sandbox("PATCH", "faults", {"latency": 0.5})
        page = _browser_page(chromium, viewport)
        try:
            page.goto(demo.url + "/lang/fr", referer=demo.url + "/cart")  # no badges there
            for path in ("/products/laptop", "/products/espresso-machine", "/"):
                cls, pending = _cls_after_badges(page, demo.url + path)
                shots.take(page, f"cls-{viewport['width']}")
                print(f"CLS {path} at {viewport['width']}px: {cls:.4f} ({pending} filled late)")
                assert pending > 0  # the badges really did arrive after the page
                assert page.locator("[data-flexiti-state=ready]").count() > 0
                assert round(cls, 3) == 0.0, f"CLS {cls:.4f} on {path} at {viewport['width']}px"
        finally:
            page.context.close()


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _pages_of_a_checkout(page: Any, demo: Demo) -> Iterator[tuple[str, str]]:
    """Every demo, modal, sandbox and outcome page a phone customer meets, in order."""
    for path in ("/", "/products/laptop", "/products/sofa", "/cart"):
        page.goto(demo.url + path)
        yield "demo", path
    page.goto(demo.url + "/products/laptop")
    page.click("#demo-add")
    page.wait_for_url(f"{demo.url}/cart")
    yield "demo", "/cart (1 item)"
    page.goto(demo.url + "/checkout")
    yield "demo", "/checkout"
    answer = page.request.post(
        demo.url + "/checkout",
        form={**_form_values(page), "mode": "modal"},
        headers={"Accept": "application/json"},
    )
    modal_url = answer.json()["modal_url"]
    page.goto(modal_url)
    yield "modal", "/flexiti/modal/<token>"
    page.goto(modal_url + "?mode=redirect")
    page.wait_for_url(f"{demo.sandbox_url}/sandbox/flow/**")
    yield "sandbox", "/sandbox/flow/<id>"
    page.goto(demo.url + "/flexiti/return/error")
    page.wait_for_url(f"{demo.url}/failure**")
    yield "demo", "/failure (left Flexiti)"
    page.goto(demo.url + "/orders")
    yield "demo", "/orders"
    page.goto(demo.url + "/flexiti/outcome")
    yield "extension", "/flexiti/outcome"
    page.goto(demo.url + "/flexiti/learn-more?amount=1299.99&lang=fr")
    yield "modal", "/flexiti/learn-more"
    for path in ("/", "/sandbox/learn-more?amount=1299.99&lang=en"):
        page.goto(demo.sandbox_url + path)
        yield "sandbox", path


def _form_values(page: Any) -> dict[str, str]:
    return dict(
        page.eval_on_selector_all(
            "#demo-checkout-form input[name]:not([type=radio]), #demo-checkout-form select",
            "els => els.map(e => [e.name, e.value])",
        )
    )


def test_no_page_overflows_a_phone_screen(chromium, slow_demo, shots):
    """At 375 px no demo, modal, sandbox or outcome page is wider than the screen."""
    page = chromium.new_context(viewport=PHONE).new_page()
    widths = {}
    try:
        for room, path in _pages_of_a_checkout(page, slow_demo):
            page.wait_for_load_state()
            widths[f"{room} {path}"] = _overflow(page)
            shots.take(page, "phone-" + re.sub(r"[^a-z0-9]+", "-", f"{room} {path}".lower()))
    finally:
        page.context.close()
    print("widths at 375px:", widths)
    assert len(widths) >= 14
    assert {name: w for name, w in widths.items() if w > PHONE["width"]} == {}


def test_hosted_page_radios_sit_beside_their_labels(chromium, slow_demo):
    """On a phone, each plan's radio button is on the same line as its label."""
    page = chromium.new_context(viewport=PHONE).new_page()
    try:
        page.goto(slow_demo.url + "/products/laptop")
        page.click("#demo-add")
        page.goto(slow_demo.url + "/checkout")
        page.click("#demo-place-order")
        page.wait_for_url(f"{slow_demo.sandbox_url}/sandbox/flow/**")
        for plan in page.locator(".sandbox-plan").all():
            radio = plan.locator("input").bounding_box()
            label = plan.locator("label").bounding_box()
            assert radio is not None and label is not None
            assert radio["x"] + radio["width"] <= label["x"]  # beside, not above
            assert radio["y"] < label["y"] + label["height"] and label["y"] < radio["y"] + 20
    finally:
        page.context.close()
