"""The badges in a real browser: one batch per view, lazy below the fold, re-pricing, French,
and a Flexiti outage that shows the shopper nothing at all.

The pages come from a small shop app (the extension wired to the live sandbox): a category page
rendered with ``flexiti_badge`` and ``flexiti_assets``, and plain HTML pages that only load
``flexiti.js`` the way a shop written in another language would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import render_template_string, request

from flexiti_checkout.sandbox.server import serve
from flexiti_checkout.web.state import flexiti_state
from support.apps import close_app
from support.shop_server import make_shop_app

pytestmark = pytest.mark.browser

CATEGORY = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>Category</title>
<link rel="icon" href="data:,">{{ flexiti_assets() }}
<style>body{font:14px/1.4 sans-serif;margin:8px} .grid{display:grid;gap:6px;
grid-template-columns:repeat(6,1fr)} .tile{border:1px solid #ccc;padding:4px}
h2{font-size:14px;margin:0}</style></head><body>
<div class="grid">{% for product in products %}<div class="tile" id="p{{ loop.index }}">
<h2>{{ product.name }}</h2><div>{{ product.price }}</div>{{ flexiti_badge(product.price) }}
<button>Add to cart</button></div>{% endfor %}</div></body></html>"""

PLAIN = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>Plain page</title>
<link rel="icon" href="data:,"><style>body{font:14px/1.4 sans-serif;margin:8px}
.spacer{height:3000px}</style></head><body>
<h1>{{ title }}</h1>
{% for price in top %}<p>Item {{ loop.index }}: {{ price }}</p>
<span class="top" data-flexiti-price="{{ price }}"></span>{% endfor %}
<label>Size <select id="variant"><option value="499.00">Small</option>
<option value="1299.99">Large</option><option value="20.00">Sample</option></select></label>
<span id="variant-badge" data-flexiti-price="499.00"></span><p id="after-variant">After</p>
<div class="spacer"></div>
{% for price in bottom %}<span class="bottom" data-flexiti-price="{{ price }}"></span>{% endfor %}
<script>document.getElementById("variant").addEventListener("change", function (event) {
  document.getElementById("variant-badge").setAttribute("data-flexiti-price", event.target.value);
});</script>
<script src="/flexiti/static/flexiti_checkout/flexiti.js"
        data-flexiti-endpoint="{{ endpoint }}"></script>
</body></html>"""


@dataclass
class Storefront:
    url: str
    app: Any
    sandbox: Any


@contextmanager
def storefront_shop(sandbox, tmp_path, **config: Any) -> Iterator[Storefront]:
    app, _ = make_shop_app(sandbox, tmp_path, **config)

    @app.get("/category")
    def category() -> str:
        products = [
            {"name": f"Product {n}", "price": Decimal(150 + 37 * n).quantize(Decimal("0.01"))}
            for n in range(int(request.args.get("n", 48)))
        ]
        return render_template_string(CATEGORY, products=products, lang="en")

    @app.get("/plain")
    def plain() -> str:
        lang = request.args.get("lang", "en")
        return render_template_string(
            PLAIN,
            lang=lang,
            title="Produits" if lang == "fr" else "Products",
            top=["499.00", "999.00", "20.00"],
            bottom=["2600.00", "3100.00"],
            endpoint=request.host_url + "flexiti",
        )

    with serve(app) as server:
        try:
            yield Storefront(f"http://127.0.0.1:{server.server_port}", app, sandbox)
        finally:
            flexiti_state(app).storefront.wait_idle()
            close_app(app)


@pytest.fixture
def pages(sandbox, tmp_path) -> Iterator[Storefront]:
    # The longest term, as Flexiti's calculator answers: these tests follow its answers.
    with storefront_shop(sandbox, tmp_path, FLEXITI_BADGE_PLAN="longest_term") as running:
        yield running


def asked(sent: list[Any]) -> set[str]:
    """Every price the page's batches asked for."""
    return {price for body in sent for price in body["prices"]}


def batches(page) -> list[Any]:
    """Collects every batch request the page makes (their JSON bodies)."""
    seen: list[Any] = []
    page.on(
        "request",
        lambda r: (
            seen.append(r.post_data_json)
            if r.method == "POST" and r.url.endswith("/flexiti/calculator")
            else None
        ),
    )
    return seen


def badge_states(page) -> list[str]:
    """Once no badge is pending any more, each badge's state, in page order."""
    page.wait_for_function(
        "() => !document.querySelector('[data-flexiti-state=pending]')", timeout=20000
    )
    return page.locator("[data-flexiti-price]").evaluate_all(
        "els => els.map(e => e.dataset.flexitiState)"
    )


def problems(page) -> list[str]:
    """Console errors and uncaught exceptions on the page."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    return seen


def test_a_category_of_48_products_fills_every_badge_with_one_request(pages, page, shots):
    """All 48 badges on screen come from one batch; nothing below them moves when they fill."""
    page.set_viewport_size({"width": 1600, "height": 1400})
    sent = batches(page)
    errors = problems(page)
    held: list[Any] = []
    page.route("**/flexiti/calculator", lambda route: held.append(route))
    page.goto(pages.url + "/category")
    page.wait_for_function("() => document.querySelectorAll('[data-flexiti-price]').length === 48")
    page.wait_for_timeout(200)
    before = [page.locator(f"#p{n} button").bounding_box() for n in (1, 24, 48)]
    shots.take(page, "placeholders")
    for route in held:
        route.continue_()
    page.wait_for_function(
        "() => !document.querySelector('[data-flexiti-state=pending]')", timeout=10000
    )
    shots.take(page, "badges")

    assert len(sent) == len(held) == 1
    assert len(sent[0]["prices"]) == 48
    badges = page.locator("[data-flexiti-price]")
    states = badges.evaluate_all("els => els.map(e => e.dataset.flexitiState)")
    assert states == ["ready"] * 48
    first = page.locator("#p1 .flexiti-badge-link")
    assert first.inner_text().startswith("or $")
    assert first.get_attribute("aria-label").endswith(
        "Learn more about Flexiti financing and its full terms"
    )
    assert [page.locator(f"#p{n} button").bounding_box() for n in (1, 24, 48)] == before
    assert errors == []


def test_badges_below_the_viewport_load_only_when_scrolled_to(pages, page, shots):
    """Badges far down the page are not asked for until the shopper scrolls to them."""
    sent = batches(page)
    page.goto(pages.url + "/plain")
    page.wait_for_function("() => !document.querySelector('.top[data-flexiti-state=pending]')")
    page.wait_for_timeout(300)
    shots.take(page, "top", full_page=False)

    # Each price once in the first batch; a price still "pending" may be asked again after it.
    assert sorted(sent[0]["prices"]) == ["20.00", "499.00", "999.00"]
    assert asked(sent) == {"20.00", "499.00", "999.00"}
    assert page.locator(".bottom").evaluate_all("els => els.map(e => e.dataset.flexitiState)") == [
        "pending",
        "pending",
    ]

    page.locator(".bottom").last.scroll_into_view_if_needed()
    page.wait_for_function("() => !document.querySelector('.bottom[data-flexiti-state=pending]')")
    shots.take(page, "scrolled", full_page=False)
    assert asked(sent) == {"20.00", "499.00", "999.00", "2600.00", "3100.00"}
    assert "36 months" in page.locator(".bottom").last.inner_text()


def test_choosing_a_variant_re_prices_its_badge(pages, page, shots):
    """A variant picker that changes data-flexiti-price gets the new plan, or a hidden badge."""
    page.goto(pages.url + "/plain")
    badge = page.locator("#variant-badge")
    page.wait_for_function("() => document.querySelector('#variant-badge').dataset.flexitiState "
                           "=== 'ready'")  # fmt: skip
    assert "$41.58/mo for 12 months at 0\u00a0% APR" in badge.inner_text()
    after = page.locator("#after-variant").bounding_box()

    page.select_option("#variant", "1299.99")
    page.wait_for_function("() => document.querySelector('#variant-badge').textContent"
                           ".includes('24 months')")  # fmt: skip
    shots.take(page, "large", full_page=False)
    assert "$59.98/mo for 24 months at 9.99\u00a0% APR" in badge.inner_text()

    page.select_option("#variant", "20.00")
    page.wait_for_function("() => document.querySelector('#variant-badge').dataset.flexitiState "
                           "=== 'ineligible'")  # fmt: skip
    shots.take(page, "sample", full_page=False)
    assert not badge.is_visible() or badge.evaluate("e => getComputedStyle(e).visibility") == (
        "hidden"
    )
    assert page.locator("#after-variant").bounding_box() == after  # its space is kept


def test_the_french_page_reads_in_french(pages, page, shots):
    """On <html lang="fr"> the badge, its label and its link are French, money as in Quebec."""
    page.goto(pages.url + "/plain?lang=fr")
    page.wait_for_function("() => !document.querySelector('.top[data-flexiti-state=pending]')")
    shots.take(page, "french", full_page=False)
    link = page.locator(".top .flexiti-badge-link").first
    assert link.inner_text().replace("\u00a0", " ") == (
        "ou 41,58 $/mois pendant 12 mois, TAP de 0 % En savoir plus"
    )
    assert link.get_attribute("aria-label").endswith(
        "En savoir plus sur le financement Flexiti et ses conditions complètes"
    )
    assert "lang=fr" in link.get_attribute("href")
    # 20.00 is below the merchant's minimum: its badge is hidden
    assert page.locator(".top").nth(2).evaluate("e => e.dataset.flexitiState") == "ineligible"


def test_badges_flexiti_answers_after_the_budget_fill_in_when_the_answer_lands(
    sandbox, tmp_path, page, shots
):
    """Flexiti slower than the budget: the first batch answers "pending", the script asks again
    and every badge fills in, in the space it had reserved (nothing below it moves)."""
    sandbox.control("PATCH", "faults", {"latency": 0.8})
    with storefront_shop(sandbox, tmp_path, FLEXITI_STOREFRONT_BUDGET="0.2s") as slow:
        page.set_viewport_size({"width": 1600, "height": 1400})
        sent = batches(page)
        errors = problems(page)
        answers: list[Any] = []
        page.on(
            "response",
            lambda r: answers.append(r.json()) if r.url.endswith("/flexiti/calculator") else None,
        )
        page.goto(slow.url + "/category?n=12")
        page.wait_for_function("() => document.querySelectorAll('[data-flexiti-price]').length")
        before = [page.locator(f"#p{n} button").bounding_box() for n in (1, 12)]
        states = badge_states(page)
        shots.take(page, "late")

        assert states == ["ready"] * 12
        assert len(sent) >= 2  # asked again after "pending"
        assert {plan["reason"] for plan in answers[0]["plans"]} == {"pending"}
        assert [page.locator(f"#p{n} button").bounding_box() for n in (1, 12)] == before
        assert errors == []


def test_a_page_with_flexiti_down_shows_no_badge_and_no_error(pages, page, shots):
    """Flexiti failing: every badge stays invisible, the page loads fast and logs no error."""
    pages.sandbox.control("PATCH", "faults", {"error_rate": 1.0})
    errors = problems(page)
    page.goto(pages.url + "/category?n=12")
    states = badge_states(page)
    shots.take(page, "down")

    assert states == ["ineligible"] * 12
    assert "Flexiti" not in page.locator("body").inner_text()
    assert errors == []


def test_learn_more_opens_flexiti_in_a_modal_and_returns_to_the_product(pages, page, shots):
    """The badge's link frames Flexiti's learn-more page; closing it returns to the product."""
    page.goto(pages.url + "/plain")
    link = page.locator(".top .flexiti-badge-link").first
    link.wait_for()
    link.click()
    page.wait_for_url("**/flexiti/learn-more?**")
    frame = page.frame_locator("#flexiti-frame")
    frame.locator("table").wait_for()
    shots.take(page, "learn-more")
    assert "$499.00" in frame.locator("body").inner_text()
    page.click("#flexiti-close")
    page.wait_for_url(pages.url + "/plain")
