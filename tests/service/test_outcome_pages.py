"""Where the customer of an API-created order lands: the service's own outcome pages.

The service in sandbox mode, started with nothing configured, embeds the sandbox and mounts no
demo shop; the customer follows the API's ``redirect_url``, decides at the sandbox and comes
back through the return URL, as a browser would (Flask's test client keeps the cookies).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY
from flexiti_checkout.service.app import create_app, create_demo_app
from flexiti_checkout.web.state import flexiti_state
from support.apps import close_app
from support.shop_server import checkout_request

API = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
RETURN_LINK = re.compile(r'<a href="([^"]+)" id="sandbox-return"')


def service(tmp_path: Path, store_url: str, **extra: str) -> Flask:
    environ = {
        "FLEXITI_ENVIRONMENT": "sandbox",
        "FLEXITI_STORE_URL": store_url,
        "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLEXITI_LOOKUP_INTERVAL": "10ms",
    }
    environ.update(extra)
    return create_app(environ)


def close(app: Flask) -> None:
    """Let the embedded sandbox's callbacks arrive, then close the store they write to."""
    state = flexiti_state(app)
    assert state.sandbox_app is not None
    assert state.sandbox_app.extensions["flexiti_sandbox"].callbacks.wait(10)
    close_app(app)


@pytest.fixture
def app(tmp_path: Path, store_url: str) -> Iterator[Flask]:
    app = service(tmp_path, store_url)
    yield app
    close(app)


def customer_decides(
    client: FlaskClient, merchant_order_id: str, outcome: str, lang: str = "en", **chosen: str
):
    """Start a checkout through the API; its customer decides at the sandbox and comes back.

    ``chosen`` may name the ``amount`` and the ``plan_id`` the customer picks."""
    amount = chosen.pop("amount", "499.00")
    request = checkout_request(merchant_order_id, amount, lang=lang)
    started = client.post("/flexiti/api/checkouts", json=request, headers=API)
    assert started.status_code == 201, started.json
    hosted = client.get(started.json["redirect_url"], follow_redirects=True)
    assert hosted.status_code == 200
    assert 'name="outcome"' in hosted.text
    result = client.post(hosted.request.path, data={"outcome": outcome, **chosen})
    assert result.status_code == 200
    link = RETURN_LINK.search(result.text)
    assert link is not None, result.text
    return client.get(html.unescape(link.group(1)), follow_redirects=True)


@pytest.mark.parametrize(
    ("lang", "approved", "order"),
    [
        ("en", "Your Flexiti financing is approved.", "Order A-1"),
        ("fr", "Votre financement Flexiti est approuvé.", "Commande A-1"),
    ],
)
def test_an_approved_api_order_lands_on_a_page_naming_it_approved(app, lang, approved, order):
    client = app.test_client()
    page = customer_decides(client, "A-1", "approve", lang)
    assert page.status_code == 200
    assert page.request.path == "/flexiti/outcome"
    assert approved in page.text
    assert order in page.text
    assert 'data-status="approved"' in page.text
    assert "did not go through" not in page.text
    assert 'href="/"' not in page.text  # the service has no shop of its own to go back to
    assert client.get("/flexiti/api/orders/A-1", headers=API).json["status"] == "approved"


@pytest.mark.parametrize(
    ("outcome", "status", "words"),
    [
        ("decline", "declined", "Flexiti could not approve the financing."),
        ("cancel", "cancelled", "You cancelled the Flexiti financing."),
    ],
)
def test_a_declined_or_cancelled_api_order_lands_on_the_services_page(app, outcome, status, words):
    page = customer_decides(app.test_client(), "A-2", outcome)
    assert page.request.path == "/flexiti/outcome"
    assert f'data-status="{status}"' in page.text
    assert words in page.text
    assert "Order A-2" in page.text


def test_the_service_mounts_no_demo_shop(app):
    client = app.test_client()
    assert client.get("/").status_code == 404
    assert client.get("/cart").status_code == 404
    assert "demo" not in app.blueprints


def test_the_shops_own_pages_win_when_configured(tmp_path, store_url):
    app = service(
        tmp_path,
        store_url,
        FLEXITI_SUCCESS_ENDPOINT="https://shop.example/thanks",
        FLEXITI_FAILURE_ENDPOINT="https://shop.example/sorry",
    )
    try:
        client = app.test_client()
        approved = customer_decides_no_follow(client, "A-3", "approve")
        assert approved.headers["Location"] == "https://shop.example/thanks?merchant_order_id=A-3"
        declined = customer_decides_no_follow(client, "A-4", "decline")
        assert declined.headers["Location"] == "https://shop.example/sorry?merchant_order_id=A-4"
    finally:
        close(app)


def customer_decides_no_follow(client: FlaskClient, merchant_order_id: str, outcome: str):
    started = client.post(
        "/flexiti/api/checkouts", json=checkout_request(merchant_order_id), headers=API
    )
    hosted = client.get(started.json["redirect_url"], follow_redirects=True)
    result = client.post(hosted.request.path, data={"outcome": outcome})
    link = RETURN_LINK.search(result.text)
    assert link is not None, result.text
    return client.get(html.unescape(link.group(1)))


def test_the_demo_app_still_sends_its_customers_to_the_demo_pages(tmp_path):
    app = create_demo_app({"FLEXITI_INSTANCE_PATH": str(tmp_path)})
    try:
        assert "demo" in app.blueprints
        assert app.test_client().get("/").status_code == 200
    finally:
        close(app)


@pytest.mark.parametrize(
    ("lang", "words", "again"),
    [
        ("en", "You left Flexiti before finishing; nothing was charged.", "Try again"),
        ("fr", "Vous avez quitté Flexiti avant de terminer", "Réessayer"),
    ],
)
def test_a_customer_who_leaves_flexiti_can_try_again(app, lang, words, again):
    """The modal page's "Leave Flexiti" link: the order stays pending and can reopen."""
    client = app.test_client()
    started = client.post(
        "/flexiti/api/checkouts", json=checkout_request("A-5", lang=lang), headers=API
    )
    modal = client.get(started.json["modal_url"])
    leave = re.search(r'id="flexiti-close" href="([^"]+)"', modal.text)
    assert leave is not None, modal.text
    page = client.get(html.unescape(leave.group(1)), follow_redirects=True)
    assert page.request.path == "/flexiti/outcome"
    assert 'data-status="pending"' in page.text
    assert words in page.text
    retry = re.search(r'id="flexiti-try-again" href="([^"]+)">([^<]+)<', page.text)
    assert retry is not None and retry.group(2) == again
    assert client.get(html.unescape(retry.group(1))).status_code == 200  # the same order opens
    assert 'href="/"' not in page.text


@pytest.mark.parametrize(
    ("lang", "plan_id", "words"),
    [
        ("en", "4", "$59.94 a month for 24 months at 9.99\u00a0% APR; total cost of borrowing "
         "$139.56."),
        ("fr", "4", "59,94\u00a0$ par mois pendant 24 mois au TAP de 9,99\u00a0%; coût total "
         "d'emprunt 139,56\u00a0$."),
        ("en", "3", "$108.25 a month for 12 months at 0\u00a0% APR: no interest"),
    ],
)  # fmt: skip
def test_the_outcome_page_states_what_the_customer_agreed_to(app, lang, plan_id, words):
    """Monthly payment, months, APR and, with interest, the total cost of borrowing; no ids of
    Flexiti's (promo, plan)."""
    page = customer_decides(app.test_client(), f"T-{plan_id}-{lang}", "approve", lang,
                            amount="1299.00", plan_id=plan_id)  # fmt: skip
    assert 'data-status="approved"' in page.text
    assert words in html.unescape(page.text)
    order = flexiti_state(app).store.get_order(f"T-{plan_id}-{lang}")
    assert order.details["promo_id"] not in page.text and "promo" not in page.text.lower()


def test_an_order_in_review_lands_on_the_shops_success_page(tmp_path, store_url):
    """Flexiti approved another amount: the customer goes to the shop's page, not a bare one."""
    app = service(tmp_path, store_url, FLEXITI_SUCCESS_ENDPOINT="https://shop.example/thanks")
    try:
        client = app.test_client()
        client.patch("/flexiti-sandbox/_sandbox/faults", json={"approved_amount_delta": "1.00"})
        landed = customer_decides_no_follow(client, "R-1", "approve")
        assert flexiti_state(app).store.get_order("R-1").status.value == "needs_review"
        assert landed.headers["Location"] == "https://shop.example/thanks?merchant_order_id=R-1"
    finally:
        close(app)


def test_the_services_own_page_says_the_store_will_confirm_a_review(app):
    """With no page of the shop's, the outcome page says the store will confirm the order."""
    client = app.test_client()
    client.patch("/flexiti-sandbox/_sandbox/faults", json={"approved_amount_delta": "1.00"})
    page = customer_decides(client, "R-2", "approve")
    assert 'data-status="needs_review"' in page.text
    assert "the store will confirm your order" in page.text
