"""The demo shop served by the service in sandbox mode, through Flask's test client."""

from __future__ import annotations

import html
import re
import sys
import time
from decimal import Decimal

import pytest

from flexiti_checkout.demo import catalogue
from flexiti_checkout.demo.__main__ import sandbox_command
from flexiti_checkout.demo.views import SAMPLE_CUSTOMER
from flexiti_checkout.sandbox import create_app as create_sandbox_app
from flexiti_checkout.sandbox.__main__ import build_parser, config_from_args
from flexiti_checkout.service.app import create_app, create_demo_app
from flexiti_checkout.web.state import flexiti_state
from support.sandbox_server import SandboxApi

ALL_PRICES = [str(v.price) for p in catalogue.PRODUCTS for v in p.variants]


def demo_app(tmp_path, **settings: str):
    """The service app in sandbox mode with its embedded sandbox.

    A shop page waits for Flexiti only its budget (1.5 s), then offers no Flexiti; the sandbox is
    in-process and always answers, so the budget here is the most there is, and a busy machine
    never turns "Flexiti is offered" into "Flexiti is slow" (tests/storefront covers the budget).
    """
    return create_demo_app(
        {
            "FLEXITI_INSTANCE_PATH": str(tmp_path),
            "FLEXITI_LOOKUP_INTERVAL": "0.1s",
            "FLEXITI_STOREFRONT_BUDGET": "30s",
            **settings,
        }
    )


@pytest.fixture
def demo(tmp_path):
    """The demo app as a test client."""
    return demo_app(tmp_path).test_client()


def add(client, sku: str) -> None:
    assert client.post("/cart", data={"sku": sku}).status_code == 303


def warm_badges(client, lang: str = "en") -> None:
    """What flexiti.js does on the first visit: a batch request that fills the cache, asked
    again while some prices are still "pending"."""
    deadline = time.monotonic() + 10
    while True:
        answer = client.post("/flexiti/calculator", json={"prices": ALL_PRICES, "lang": lang})
        assert answer.status_code == 200
        reasons = {plan.get("reason") for plan in answer.get_json()["plans"]}
        if "pending" not in reasons or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def place_order(client, mode: str = "modal"):
    """Submit the checkout form as the browser sends it (prefilled with the sample customer)."""
    return client.post("/checkout", data={**SAMPLE_CUSTOMER, "mode": mode})


def test_catalogue_lists_a_dozen_products_on_both_sides_of_the_limits(demo):
    """Twelve products; those under $50 or over $20,000 show no Flexiti badge."""
    warm_badges(demo)
    page = demo.get("/").get_data(as_text=True)
    cards = re.findall(r'<li class="demo-card">(.*?)</li>', page, re.S)
    assert len(cards) == len(catalogue.PRODUCTS) == 12
    by_name = {re.search(r">([^<]+)</a></h2>", card).group(1): card for card in cards}
    assert "APR" not in by_name["Merino wool socks"]
    assert "APR" not in by_name["Backyard sauna"]
    assert "or $41.58/mo for 12 months at 0\u00a0% APR" in by_name["Espresso machine"]


def test_laptop_variants_cross_plan_limits():
    """The laptop's variants sit in three different plan ranges."""
    prices = [variant.price for variant in catalogue.product("laptop").variants]
    assert prices[0] < 1000 < prices[1] < 2500 < prices[2]


def test_flexiti_is_offered_only_when_the_total_qualifies(demo):
    """At $29 the checkout explains Flexiti is not available; at $499 it offers it."""
    add(demo, "phone-case")
    page = demo.get("/checkout").get_data(as_text=True)
    assert 'id="demo-flexiti-unavailable"' in page and "demo-place-order" not in page
    add(demo, "espresso-machine")
    page = demo.get("/checkout").get_data(as_text=True)
    assert 'id="demo-pay-flexiti"' in page and "demo-place-order" in page


def test_checkout_errors_are_shown_on_the_form(demo):
    """A bad postal code re-renders the form with the field named, and opens nothing."""
    add(demo, "espresso-machine")
    answer = demo.post("/checkout", data={**SAMPLE_CUSTOMER, "postal_code": "12345"})
    assert answer.status_code == 400
    assert "billing.postal_code" in answer.get_data(as_text=True)


def test_checkout_opens_the_modal_and_reuses_the_pending_order(demo):
    """Placing the order opens the modal; doing it twice reuses the same Flexiti order."""
    add(demo, "espresso-machine")
    first = place_order(demo).get_data(as_text=True)
    second = place_order(demo).get_data(as_text=True)
    frame = re.search(r'id="flexiti-frame"[^>]*src="([^"]+)"', first.replace("\n", " "))
    assert frame and "/flexiti-sandbox/sandbox/flow/" in frame.group(1)
    assert frame.group(1) in second


def test_language_switch_and_orders_views(demo):
    """The switch turns the shop French; the orders page and its JSON list orders with history."""
    assert demo.get("/lang/fr").status_code == 303
    warm_badges(demo, "fr")
    page = demo.get("/").get_data(as_text=True)
    assert '<html lang="fr-CA">' in page and "Tous les produits" in page
    assert "41,58" in page
    add(demo, "espresso-machine")
    assert place_order(demo, "redirect").status_code == 303
    orders = demo.get("/orders.json").get_json()["orders"]
    assert [event["status"] for event in orders[0]["history"]] == ["created", "pending"]
    assert "en attente" in demo.get("/orders/table").get_data(as_text=True)


def test_unknown_product_and_sku(demo):
    """Unknown products are 404 and unknown SKUs 400, not errors."""
    assert demo.get("/products/nope").status_code == 404
    assert demo.post("/cart", data={"sku": "nope"}).status_code == 400


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_leaving_flexiti_says_nothing_was_charged(demo, lang):
    """Leaving the modal page for a pending order says so, offers to try again, cancels nothing."""
    demo.get(f"/lang/{lang}")
    add(demo, "espresso-machine")
    modal = place_order(demo).get_data(as_text=True)
    leave = re.search(r'id="flexiti-close" href="([^"]+)"', modal)
    assert leave is not None
    answer = demo.get(leave.group(1), follow_redirects=True)
    page = answer.get_data(as_text=True)
    title = {"en": "You left Flexiti before finishing", "fr": "Vous avez quitté Flexiti"}[lang]
    assert title in page and 'data-status="pending"' in page
    assert "did not go through" not in page and "n'a pas abouti" not in page
    assert 'id="demo-try-again" href="/checkout"' in page
    orders = demo.get("/orders.json").get_json()["orders"]
    assert orders[0]["status"] == "pending"


def test_checkout_posted_by_the_script_gets_the_modal_url(demo):
    """The demo's form, posted by flexiti.js asking for JSON, answers the signed modal_url."""
    add(demo, "espresso-machine")
    answer = demo.post("/checkout", data={**SAMPLE_CUSTOMER, "mode": "modal"},
                       headers={"Accept": "application/json"})  # fmt: skip
    assert answer.status_code == 200
    assert "/flexiti/modal/" in answer.get_json()["modal_url"]
    page = demo.get("/checkout").get_data(as_text=True)
    assert "data-flexiti-checkout" in page


def test_french_history_names_who_moved_each_order(demo):
    """In French the order history says who moved it in French, not "(checkout)"."""
    demo.get("/lang/fr")
    add(demo, "espresso-machine")
    place_order(demo)
    table = demo.get("/orders/table").get_data(as_text=True)
    assert "(paiement)" in table and "(checkout)" not in table
    history = demo.get("/orders.json").get_json()["orders"][0]["history"]
    assert {event["source"] for event in history} == {"paiement"}


@pytest.mark.parametrize(("lang", "title"), [("en", "Page not found"), ("fr", "Page introuvable")])
def test_unknown_pages_are_the_shop_styled_404(demo, lang, title):
    """A missing page is the shop's own 404 page in the shop's language, with a way back."""
    demo.get(f"/lang/{lang}")
    for path in ("/no-such-page", "/products/nope", "/flexiti/no-such-page"):
        answer = demo.get(path)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 404
        assert title in page and 'class="demo-header"' in page, path
        assert "Werkzeug" not in page and "The requested URL was not found" not in page


def test_a_server_error_is_a_styled_page(tmp_path):
    """An unexpected failure in a shop route is a styled 500 page, never a stack trace."""
    app = create_demo_app({"FLEXITI_INSTANCE_PATH": str(tmp_path)})

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    answer = app.test_client().get("/boom", headers={"Accept-Language": "fr-CA"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 500
    assert "Un problème est survenu" in page and "secret detail" not in page


def test_favicon_is_served(demo):
    """/favicon.ico leads to the shipped icon, and every page links it."""
    moved = demo.get("/favicon.ico")
    assert moved.status_code == 301
    with demo.get(moved.headers["Location"]) as icon:
        assert icon.status_code == 200 and b"<svg" in icon.get_data()
    assert 'rel="icon"' in demo.get("/").get_data(as_text=True)


def test_french_text_uses_a_no_break_space_before_colons(demo):
    """French typography: a no-break space before ":" so it never starts a line."""
    demo.get("/lang/fr")
    page = demo.get("/").get_data(as_text=True)
    assert "démonstration\u00a0: Flexiti" in page and "démonstration : " not in page


def test_orders_page_shows_refunds(tmp_path):
    """A refunded part appears on the Orders page with its status and what is left to refund."""
    app = demo_app(tmp_path)
    client = app.test_client()
    add(client, "espresso-machine")
    assert place_order(client, "redirect").status_code == 303
    state = flexiti_state(app)
    [order] = state.store.orders_in()
    client.post(f"/flexiti-sandbox/_sandbox/orders/{order.online_order_id}/settle",
                json={"outcome": "approve"})  # fmt: skip
    order = state.orders.refresh(order.merchant_order_id, source="return", force=True).order
    with app.app_context():  # the embedded sandbox returns it, as Flexiti would
        refund = (
            app.extensions["flexiti_checkout"]
            .refunds.refund(order.merchant_order_id, "10.00", reason="dented")
            .refund
        )
    assert refund.status.value == "succeeded", refund.error
    table = client.get("/orders/table").get_data(as_text=True)
    assert (
        'data-refund-status="succeeded"' in table
        and '<span class="flx-money">$10.00</span> — refunded' in table
    )
    assert "dented" in table and f"${order.amount - Decimal(10):,} left to refund" in table
    assert client.get("/orders.json").get_json()["orders"][0]["refunds"][0]["amount"] == "$10.00"
    state.store.engine.dispose()


@pytest.mark.parametrize(
    ("lang", "badge_plan", "cost"),
    [
        ("en", "longest_term", "total cost of borrowing $139.56"),
        ("fr", "longest_term", "coût total d'emprunt 139,56\u00a0$"),
        ("en", "prefer_zero", None),  # 12 months at 0 %: nothing to state
    ],
)
def test_the_checkout_states_the_cost_of_borrowing(tmp_path, lang, badge_plan, cost):
    """The road bike at checkout: an interest-bearing plan (24 months at 9.99 %) says what
    borrowing costs beside its payment; the default 0 % plan states no cost."""
    app = demo_app(tmp_path, FLEXITI_BADGE_PLAN=badge_plan)
    demo = app.test_client()
    demo.get(f"/lang/{lang}")
    add(demo, "road-bike")
    demo.post("/flexiti/calculator", json={"prices": ["1299.00"], "lang": lang})
    flexiti_state(app).storefront.wait_idle()
    page = demo.get("/checkout").get_data(as_text=True)
    badge = re.search(r'<span class="flexiti-badge"[^>]*data-flexiti-cost.*?</span>\s*</a>', page,
                      re.S)  # fmt: skip
    assert badge is not None, page
    stated = re.search(r'<span class="flexiti-badge-cost">([^<]*)</span>', badge[0])
    assert (html.unescape(stated[1]) if stated else None) == cost


def test_the_demo_and_the_service_hand_out_different_flexiti_ids(tmp_path):
    """``make demo``'s sandbox and the service's own start their ids in ranges of their own, so
    the two run from one clone never show the same Flexiti order, promo or customer id."""
    argv = sandbox_command(sys.executable, "127.0.0.1", 8001, "http://s/flexiti", "http://s/cb")
    assert argv[1:3] == ["-m", "flexiti_checkout.sandbox"]
    demo_sandbox = create_sandbox_app(config_from_args(build_parser().parse_args(argv[3:])))
    service_sandbox = flexiti_state(
        create_app({"FLEXITI_INSTANCE_PATH": str(tmp_path)})
    ).sandbox_app
    assert service_sandbox is not None
    handed_out = []
    for sandbox in (demo_sandbox, service_sandbox):
        api = SandboxApi(sandbox.test_client())
        ids = set()
        for _ in range(3):
            order_id = api.init(amount_requested=1299).json["online_order_id"]
            settled = (
                sandbox.test_client()
                .post(f"/_sandbox/orders/{order_id}/settle", json={"outcome": "approve"})
                .json
            )
            ids |= {settled["online_order_id"], settled["transaction_id"],
                    int(settled["promo_id"]), int(settled["customer_id"])}  # fmt: skip
        handed_out.append(ids)
        sandbox.extensions["flexiti_sandbox"].callbacks.stop()
    assert handed_out[0].isdisjoint(handed_out[1])
