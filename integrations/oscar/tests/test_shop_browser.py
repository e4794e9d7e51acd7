"""A django-oscar shop takes Flexiti through the checkout service, in Chromium, end to end.

The shop (``oscar_shop``) and the service (sandbox mode) run under gunicorn; the service's store
is SQLite, then PostgreSQL. The shopper declines, cancels, then approves in Flexiti's dialog;
staff refund part from Oscar's dashboard and the rest from the service's console; a shopper
who closes the browser once Flexiti approved still gets their order, placed by the webhook.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from oscar_shop.stack import ADMIN_KEY, API_KEY, STAFF_EMAIL, STAFF_PASSWORD, Stack
from support.browser import Screenshots

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADDRESS = {"first_name": "Tommy", "last_name": "Samson", "line1": "123 Any Street",
           "line4": "Toronto", "state": "ON", "postcode": "M5V 2T6"}  # fmt: skip
#: What the shopper reads back at the checkout, per language.
TEXTS = {
    "en": {"declined": "Flexiti did not approve the financing.",
           "cancelled": "You left Flexiti before finishing.",
           "unavailable": "Flexiti financing is not available for this order total."},
    "fr": {"declined": "Flexiti n'a pas approuvé le financement.",
           "cancelled": "Vous avez quitté Flexiti avant de terminer.",
           "unavailable": "Le financement Flexiti n'est pas offert pour ce montant de commande."},
}  # fmt: skip


@pytest.fixture
def browser_page(chromium: Any, stack: Stack) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh browser contexts (``locale``: the shopper's language)."""
    contexts = []

    def open_page(locale: str = "en-CA") -> Any:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def product_url(upc: str) -> str:
    from oscar.core.loading import get_model

    return str(get_model("catalogue", "Product").objects.get(upc=upc).get_absolute_url())


def add_to_basket(page: Any, stack: Stack, upc: str, badge: str = "ready") -> None:
    """From the product page, where the service's badge shows (``ready``) or hides."""
    page.goto(stack.shop + product_url(upc))
    page.wait_for_selector(f"#content_inner [data-flexiti-price][data-flexiti-state={badge}]",
                           state="attached")  # fmt: skip
    page.click("#add_to_basket_form button[type=submit]")
    page.wait_for_load_state()


def to_payment_step(page: Any, stack: Stack, email: str) -> None:
    """A guest gives their email and a Canadian address; Oscar's checkout reaches payment."""
    page.goto(f"{stack.shop}/checkout/")
    page.fill("#id_username", email)
    page.check("#id_options_0")  # a guest
    page.click("form.card button[type=submit]")
    for name, value in ADDRESS.items():
        page.fill(f"#id_{name}", value)
    page.click("#new_shipping_address button[type=submit]")
    page.wait_for_url(f"{stack.shop}/checkout/payment-details/")


def place_order(page: Any, stack: Stack) -> Any:
    """ "Place order" on the preview page: Flexiti's page, inside the service's dialog."""
    page.click("#place-order")
    return page.frame_locator("#flexiti-overlay-frame").frame_locator("#flexiti-frame")


def orders_of(email: str) -> list[Any]:
    from oscar.core.loading import get_model

    return list(get_model("order", "Order").objects.filter(guest_email=email))


def wait_for(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """``check()`` once truthy (the webhook is on its way), or fail saying ``what``."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s"
        time.sleep(0.2)
    return found


def service_order(stack: Stack, number: str) -> dict[str, Any]:
    answer = requests.get(f"{stack.service}/flexiti/api/orders/{number}",
                          headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


def events(order: Any) -> list[tuple[str, Decimal]]:
    return [(e.event_type.name, e.amount) for e in order.payment_events.order_by("pk")]


def test_declined_cancelled_then_approved_and_refunded_from_both_back_offices(
    stack, browser_page, request
):
    """The whole path of one shopper and the staff after them (in French with PostgreSQL)."""
    lang = "fr" if "postgresql" in request.node.callspec.id else "en"
    shots = Screenshots(f"oscar-{request.node.name}")
    email = f"journey-{lang}@example.com"
    page = browser_page(f"{lang}-CA")
    add_to_basket(page, stack, "SHELF-1", "ineligible")  # $30: less than Flexiti finances
    to_payment_step(page, stack, email)
    assert page.inner_text("#flexiti-unavailable") == TEXTS[lang]["unavailable"]
    assert page.locator("#view_preview").count() == 0
    shots.take(page, "payment-step-unavailable")
    add_to_basket(page, stack, "CHAIR-1", "ready")  # $529 in all
    page.goto(f"{stack.shop}/basket/")  # the basket's badge, from the service's calculator
    page.wait_for_selector("[data-flexiti-price='529.00'][data-flexiti-state=ready]")
    page.goto(f"{stack.shop}/checkout/payment-details/")
    page.wait_for_selector("#flexiti-payment [data-flexiti-state=ready]")
    page.click("#view_preview")

    for outcome, text in (("decline", "declined"), ("cancel", "cancelled")):
        with page.expect_navigation(url=f"{stack.shop}/checkout/preview/"):
            flexiti = place_order(page, stack).locator(f"#sandbox-{outcome}")
            flexiti.wait_for()
            if outcome == "decline":
                shots.take(page, "flexiti-dialog")
            flexiti.click()
        assert TEXTS[lang][text] in page.inner_text(".alert")
        assert "Linen armchair" in page.inner_text("body")  # the basket is intact
        assert orders_of(email) == []
        shots.take(page, f"back-at-preview-{text}")

    place_order(page, stack).locator("#sandbox-approve").click()
    page.wait_for_url(f"{stack.shop}/checkout/thank-you/")
    [order] = orders_of(email)
    assert order.number in page.inner_text("h1")
    assert order.status == "Pending" and order.total_incl_tax == Decimal("529.00")
    assert events(order) == [("Settled", Decimal("529.00"))]
    [source] = order.sources.all()
    assert (source.source_type.name, source.amount_debited) == ("Flexiti", Decimal("529.00"))
    assert order.flexiti.number == order.number and order.flexiti.status == "approved"

    # Staff refund part from Oscar's dashboard; a double click and a retry make one refund.
    staff = browser_page()
    staff.goto(f"{stack.shop}/accounts/login/?next=/dashboard/orders/{order.number}/")
    staff.fill("#id_login-username", STAFF_EMAIL)
    staff.fill("#id_login-password", STAFF_PASSWORD)
    staff.click("button[name=login_submit]")
    staff.wait_for_selector("#flexiti-refund")
    posted = []
    staff.on("request", lambda r: posted.append(r.post_data) if r.method == "POST" else None)
    staff.fill("#flexiti-refund-amount", "129.00")
    staff.fill("#flexiti-refund-reason", "one chair returned")
    form = staff.locator("#flexiti-refund").evaluate("f => new URLSearchParams(new FormData(f))"
                                                     ".toString()")  # fmt: skip
    staff.dblclick("#flexiti-refund button[type=submit]")
    # The second post finds the first done (success) or still with Flexiti (info), never an error.
    staff.wait_for_selector(".alert-success, .alert-info")
    assert staff.locator(".alert-danger, .alert-error").count() == 0
    retried = staff.request.post(f"{stack.shop}/flexiti/refund/{order.number}/", data=form,
                                 headers={"Content-Type": "application/x-www-form-urlencoded",
                                          "Referer": stack.shop + "/"})  # fmt: skip
    assert retried.ok and posted

    def dashboard_shows_refund() -> bool:
        staff.goto(f"{stack.shop}/dashboard/orders/{order.number}/")
        return staff.get_attribute("#flexiti-status", "data-status") == "partially_refunded"

    wait_for(dashboard_shows_refund, "the refund on the dashboard")
    assert "400.00" in staff.inner_text("#flexiti-refundable")
    assert staff.get_attribute("#flexiti-status", "data-status") == "partially_refunded"
    assert staff.inner_text("#flexiti-status") == "Partially refunded"
    shots.take(staff, "dashboard-refunded")
    assert len(service_order(stack, order.number)["refunds"]) == 1
    order.refresh_from_db()
    assert events(order) == [("Settled", Decimal("529.00")), ("Refunded", Decimal("129.00"))]
    assert order.status == "Partially refunded"

    # The rest, refunded in the service's own console, reaches Oscar by webhook.
    console = browser_page()
    console.goto(f"{stack.service}/flexiti/admin/orders/{order.number}")
    console.fill("#flx-key", ADMIN_KEY)
    console.fill("#flx-name", "Robin")
    console.click("button[type=submit]")
    console.goto(f"{stack.service}/flexiti/admin/orders/{order.number}")
    console.click("form[action$='/actions/refund'] button")
    console.fill("#flx-reason", "the rest")
    console.click("form.flx-admin-actions button[type=submit]")
    refunded = wait_for(lambda: order.__class__.objects.get(pk=order.pk).status == "Refunded",
                        "the console's refund reached Oscar")  # fmt: skip
    assert refunded
    order.refresh_from_db()
    assert events(order)[-1] == ("Refunded", Decimal("400.00"))
    source = order.sources.get()
    assert source.amount_refunded == Decimal("529.00")


def test_an_approval_whose_shopper_never_returns_becomes_one_order(stack, browser_page):
    """The browser closes once Flexiti approved: the service's webhook places the order."""
    email = f"gone-{stack.service.rsplit(':', 1)[1]}@example.com"
    page = browser_page()
    add_to_basket(page, stack, "TABLE-1")
    to_payment_step(page, stack, email)
    page.click("#view_preview")
    frame = place_order(page, stack)
    # The shopper's way back to the shop never arrives: the tab is closed at once.
    page.context.route(f"{stack.shop}/flexiti/return/**", lambda route: route.abort())
    with page.expect_response(lambda r: r.request.method == "POST" and "/sandbox/flow/" in r.url):
        frame.locator("#sandbox-approve").click()
    page.context.close()
    [order] = wait_for(lambda: orders_of(email), "the webhook placed the order")
    assert order.total_incl_tax == Decimal("899.00")
    assert events(order) == [("Settled", Decimal("899.00"))]
    assert order.basket.status == "Submitted"
    assert service_order(stack, order.number)["status"] == "approved"
