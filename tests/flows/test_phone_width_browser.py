"""Phone width (375 px) in Chromium: no amount, id or table header breaks inside a word on any page
of the demo, the service, the console or the sandbox, in English and French; the service's modal
page keeps every control of Flexiti's hosted page in view.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from flexiti_checkout._sandbox_keys import SANDBOX_ADMIN_KEY
from support.demo_server import API_KEY, Demo
from support.shop_server import checkout_request

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}

#: The texts that span more than one line: amounts and ids (``.flx-money``, ``.flx-id``) whole,
#: table headers word by word. A line is a distinct top of the text's client rectangles.
BROKEN = """() => {
  const lines = (range) => new Set([...range.getClientRects()].filter(r => r.width > 0)
    .map(r => Math.round(r.top))).size;
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 2 && r.height > 2;
  };
  const broken = [];
  for (const el of document.querySelectorAll(".flx-money, .flx-id")) {
    if (!shown(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    if (lines(range) > 1) broken.push(el.textContent.trim());
  }
  for (const th of document.querySelectorAll("th")) {
    if (!shown(th)) continue;
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (const word of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        if (lines(range) > 1) broken.push("header word " + word[0]);
      }
    }
  }
  return broken;
}"""


def _checkout(demo: Demo, merchant_order_id: str, lang: str) -> dict[str, Any]:
    started = requests.post(
        f"{demo.url}/flexiti/api/checkouts",
        json=checkout_request(merchant_order_id, "1299.00", lang=lang),
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=15,
    )
    assert started.status_code == 201, started.text
    return dict(started.json())


def _pages(page: Any, demo: Demo, lang: str) -> list[tuple[str, str]]:
    """(name, URL) of every kind of page, with data in them: a cart, orders, a refund."""
    suffix = lang.upper()
    page.goto(f"{demo.url}/lang/{lang}")
    page.goto(f"{demo.url}/products/laptop")
    page.click("form[action$='/cart'] button[type=submit]")
    started = _checkout(demo, f"PHONE-{suffix}", lang)
    demo.sandbox("POST", f"orders/{started['online_order_id']}/settle", {"outcome": "approve"})
    admin = f"{demo.url}/flexiti/admin"
    page.goto(f"{admin}/?lang={lang}")
    if page.locator("#flx-key").count():
        page.fill("#flx-key", SANDBOX_ADMIN_KEY)
        page.click("button[type=submit]")
    return [
        ("catalogue", f"{demo.url}/"),
        ("product", f"{demo.url}/products/laptop"),
        ("cart", f"{demo.url}/cart"),
        ("checkout", f"{demo.url}/checkout"),
        ("orders", f"{demo.url}/orders"),
        ("console home", f"{admin}/"),
        ("console orders", f"{admin}/orders"),
        ("console order", f"{admin}/orders/PHONE-{suffix}"),
        ("sandbox home", f"{demo.sandbox_url}/"),
        ("sandbox learn-more", f"{demo.sandbox_url}/sandbox/learn-more?amount=1299.00&lang={lang}"),
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_amount_id_or_header_breaks_at_375_px(chromium, demo, shots, lang):
    """Every page at 375 px: amounts, ids and header words each on one line, nothing wider."""
    context = chromium.new_context(viewport=PHONE, locale=f"{lang}-CA")
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        for name, url in _pages(page, demo, lang):
            answer = page.goto(url)
            assert answer is not None and answer.status < 400, (name, url)
            page.wait_for_load_state("networkidle")
            broken = page.evaluate(BROKEN)
            width = page.evaluate("document.documentElement.scrollWidth")
            if broken or width > PHONE["width"]:
                found[name] = [*broken, f"{width} px wide"]
            if name in ("cart", "orders"):
                shots.take(page, f"375px-{lang}-{name}")
            counted = page.evaluate("document.querySelectorAll('.flx-money').length")
            if name in ("cart", "orders", "console order"):
                assert counted > 0, f"{name} marks no amount"
    finally:
        context.close()
    assert found == {}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_modal_page_keeps_every_hosted_control_in_view_at_375_px(chromium, demo, shots, lang):
    """The service's modal page at 375 px: each control of the hosted page (its Cancel button
    too) can be scrolled to within the frame, and nothing of the page's own covers it."""
    started = _checkout(demo, f"MODAL-PHONE-{lang.upper()}", lang)
    context = chromium.new_context(viewport=PHONE, locale=f"{lang}-CA")
    page = context.new_page()
    try:
        page.goto(started["modal_url"])
        frame = page.frame_locator("#flexiti-frame")
        controls = frame.locator("button, a[href], input, select")
        frame.locator("button").first.wait_for()
        names = []
        for index in range(controls.count()):
            control = controls.nth(index)
            control.scroll_into_view_if_needed()
            box = control.bounding_box()
            assert box is not None
            centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            assert 0 <= centre[0] <= PHONE["width"] and 0 <= centre[1] <= PHONE["height"]
            on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).id", list(centre))
            names.append(control.inner_text() or control.get_attribute("name") or "")
            assert on_top == "flexiti-frame", f"{names[-1]!r} is covered by #{on_top}"
        assert any("Cancel" in name or "Annuler" in name for name in names), names
        shots.take(page, f"375px-{lang}-modal", full_page=False)
    finally:
        context.close()
