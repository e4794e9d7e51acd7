"""axe-core finds no serious or critical accessibility problem on the shop, modal and sandbox pages.

axe-core comes from npm (``make test`` installs it into ``.axe/``) and is injected into each page
through Playwright, in English and in French, at desktop width.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.demo_server import Demo

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
