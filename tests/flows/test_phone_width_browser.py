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


#: Scroll the hosted page, and only it, as a shopper's swipe inside the frame does, until the
#: control is as near the middle of the frame as the page allows; then where its centre is, in
#: the frame, and what the frame's hit test finds there. Nothing outside the frame is scrolled:
#: a shopper cannot scroll the modal page's dialog (overflow: hidden), so a control is usable
#: only if it can be brought into view by scrolling the frame itself.
SCROLL_FRAME_TO = """(el) => {
  const box = el.getBoundingClientRect();
  window.scrollBy(0, box.top + box.height / 2 - window.innerHeight / 2);
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  return {x, y, width: window.innerWidth, height: window.innerHeight,
          hit: !!hit && (hit === el || el.contains(hit) || hit.control === el)};
}"""
#: How far the modal page itself was scrolled: a shopper's modal page never is.
PAGE_SCROLL = """() => [window.scrollY, ...[...document.querySelectorAll("*")]
  .map(el => el.scrollTop)].reduce((a, b) => a + b, 0)"""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_modal_page_keeps_every_hosted_control_in_view_at_375_px(chromium, demo, shots, lang):
    """The service's modal page at 375 px: a shopper who scrolls the hosted page inside the
    frame brings each of its controls (the Cancel button too) into view, uncovered and
    clickable: at the control's centre, inside the phone's screen, the modal page's hit test
    finds the frame and the frame's finds the control."""
    started = _checkout(demo, f"MODAL-PHONE-{lang.upper()}", lang)
    context = chromium.new_context(viewport=PHONE, locale=f"{lang}-CA")
    page = context.new_page()
    try:
        page.goto(started["modal_url"])
        page.frame_locator("#flexiti-frame").locator("button").first.wait_for()
        frame = page.locator("#flexiti-frame").element_handle().content_frame()
        assert frame is not None
        names = []
        for control in frame.query_selector_all("button, a[href], input, select"):
            names.append(control.inner_text() or control.get_attribute("name") or "")
            seen = control.evaluate(SCROLL_FRAME_TO)
            assert 0 <= seen["x"] <= seen["width"] and 0 <= seen["y"] <= seen["height"], (
                f"{names[-1]!r} cannot be scrolled into the frame: {seen}"
            )
            assert seen["hit"], f"{names[-1]!r} is covered inside the frame"
            box = page.locator("#flexiti-frame").bounding_box()
            assert box is not None
            centre = (box["x"] + seen["x"], box["y"] + seen["y"])
            assert 0 <= centre[0] <= PHONE["width"] and 0 <= centre[1] <= PHONE["height"], (
                f"{names[-1]!r} is off the screen at {centre}"
            )
            on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.id", list(centre))
            assert on_top == "flexiti-frame", f"{names[-1]!r} is covered by #{on_top}"
        assert page.evaluate(PAGE_SCROLL) == 0, "the modal page itself had to be scrolled"
        assert any(name in ("Cancel", "Annuler") for name in names), names
        shots.take(page, f"375px-{lang}-modal", full_page=False)
    finally:
        context.close()
