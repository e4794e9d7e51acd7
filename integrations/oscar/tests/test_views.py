"""The integration's views against a fake service: place order, the return, the webhook, refunds."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

import pytest
import responses
from support_oscar import (
    SERVICE,
    events,
    fake_service,
    place_order,
    refund,
    service_order,
    shopper_at_preview,
    shopper_places_order,
    signed,
)


@pytest.fixture
def service(shop_db) -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake_service(mock)
        yield mock


@pytest.fixture
def client(shop_db) -> Any:
    from django.test import Client

    return Client()


def order_of(number: str) -> Any:
    from oscar.core.loading import get_model

    return get_model("order", "Order").objects.filter(number=number).first()


def checkout_of(number: str) -> Any:
    from flexiti_oscar.models import FlexitiCheckout

    return FlexitiCheckout.objects.get(number=number)


def test_place_order_starts_a_checkout_with_the_order_and_freezes_the_basket(service, client):
    """The service is sent the order number, the exact total and the address as it takes them."""
    number = shopper_places_order(client)
    [call] = [c for c in service.calls if c.request.method == "POST"]
    assert call.request.headers["Authorization"] == "Bearer flexiti-sandbox-api-key"
    sent = json.loads(call.request.body)
    assert sent["merchant_order_id"] == number and sent["amount"] == "499.00"
    assert sent["flow"] == "apply/buy" and sent["lang"] == "en"  # no Flexiti customer known
    assert sent["email"].endswith("@example.com")
    assert sent["billing"] == sent["shipping"] == {
        "first_name": "Tommy", "last_name": "Samson", "address_1": "123 Any Street",
        "address_2": "Unit 4", "city": "Toronto", "province": "ON", "postal_code": "M5V 2T6",
    }  # fmt: skip
    checkout = checkout_of(number)
    assert checkout.basket.status == "Frozen" and checkout.amount == Decimal("499.00")
    assert order_of(number) is None  # nothing is an order until Flexiti approves


def test_an_order_below_what_flexiti_finances_is_not_offered(client, shop_db):
    """The payment step offers Flexiti only when the service says it finances the total."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake_service(mock, available=False)
        shopper_at_preview(client, "SHELF-1")
        page = client.get("/checkout/payment-details/")
        placed = place_order(client)  # the preview page, posted anyway
    assert b"flexiti-unavailable" in page.content and b"view_preview" not in page.content
    assert "Flexiti does not finance this order." in placed.content.decode()
    assert not [c for c in mock.calls if c.request.method == "POST"]


def test_the_same_basket_placed_again_resumes_its_pending_checkout(service, client):
    """Closing Flexiti's dialog and clicking "Place order" again reuses the order number (the
    service answers with the same Flexiti order), with the basket given back meanwhile."""
    first = shopper_places_order(client)
    answer = place_order(client)
    assert answer.status_code == 200, answer.get("Location")
    sent = [json.loads(c.request.body) for c in service.calls if c.request.method == "POST"]
    assert [s["merchant_order_id"] for s in sent] == [first, first]


@pytest.mark.parametrize("deliveries", [1, 3])
def test_an_approval_webhook_places_the_order_once(service, client, deliveries):
    """The customer never came back: the signed webhook places the order, however often it
    is delivered, with a payment source and a Settled event for the amount."""
    from django.test import Client

    number = shopper_places_order(client)
    for _ in range(deliveries):
        answer = Client().post(
            "/flexiti/webhook/", **signed("order.approved", service_order(number, "approved"))
        )
        assert answer.status_code == 204
    order = order_of(number)
    assert events(order) == [("Settled", Decimal("499.00"))]
    assert order.status == "Pending" and order.guest_email.endswith("@example.com")
    assert order.sources.get().amount_debited == Decimal("499.00")
    assert order.basket.status == "Submitted"


def test_the_return_and_webhooks_arriving_together_make_one_order(service, client):
    """Eight deliveries at once (the return's lookup and webhook retries): one order."""
    from django.db import connections

    from flexiti_oscar.orders import settle

    number = shopper_places_order(client)
    placed, errors = [], []
    start = threading.Barrier(8)

    def deliver() -> None:
        try:
            start.wait()
            placed.append(settle(checkout_of(number), service_order(number, "approved")).pk)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(placed)) == 1 and len(placed) == 8
    assert events(order_of(number)) == [("Settled", Decimal("499.00"))]


@pytest.mark.parametrize(
    ("secret", "age"),
    [("whsec_" + "d3Jvbmcgc2VjcmV0IG9mIHRoaXJ0eS10d28gYnl0ZXMh", 0), (None, 600)],
)
def test_a_webhook_not_signed_by_the_service_changes_nothing(service, client, secret, age):
    """A forged or replayed (more than five minutes old) webhook is refused with 400."""
    from django.test import Client

    number = shopper_places_order(client)
    kwargs = {"secret": secret} if secret else {}
    request = signed("order.approved", service_order(number, "approved"), age=age, **kwargs)
    assert Client().post("/flexiti/webhook/", **request).status_code == 400
    assert order_of(number) is None


def test_a_webhook_about_an_order_the_shop_does_not_know_is_answered_and_logged(shop_db, caplog):
    """Answered 2xx (so the service stops retrying) and named in the log."""
    from django.test import Client

    request = signed("order.approved", service_order("NOT-OURS-7", "approved"))
    with caplog.at_level("WARNING", logger="flexiti_oscar"):
        assert Client().post("/flexiti/webhook/", **request).status_code == 204
    assert "'NOT-OURS-7', which this shop does not know" in caplog.text


@pytest.mark.parametrize(
    ("decision", "status", "expected"),
    [
        ("order.approved", "approved", ("Pending", [("Settled", Decimal("499.00"))])),
        ("order.cancelled", "cancelled", ("Cancelled", [])),
    ],
)
def test_needs_review_holds_the_order_until_a_person_decides(
    service, client, decision, status, expected
):
    """Flexiti approved another amount: the order waits in a status staff see, with nothing
    settled; the decision made at the service releases it or cancels it."""
    from django.test import Client

    number = shopper_places_order(client)
    held = signed("order.needs_review", service_order(number, "needs_review"))
    assert Client().post("/flexiti/webhook/", **held).status_code == 204
    order = order_of(number)
    assert (order.status, events(order)) == ("Awaiting Flexiti review", [])
    assert "decide it in the Flexiti console" in order.notes.get().message
    decided = signed(decision, service_order(number, status))
    for _ in range(2):  # a repeated delivery changes nothing more
        assert Client().post("/flexiti/webhook/", **decided).status_code == 204
    order.refresh_from_db()
    assert (order.status, events(order)) == expected
    debited = expected[1][0][1] if expected[1] else Decimal("0.00")
    assert order.sources.get().amount_debited == debited


def test_a_basket_that_changed_price_since_place_order_is_held(service, client):
    """Flexiti financed the total at "place order"; if the frozen basket now costs another
    amount, the order is placed (the customer is financed) but held, with a note saying why."""
    from django.test import Client
    from oscar.core.loading import get_model

    number = shopper_places_order(client)
    approved = service_order(number, "approved", amount="450.00")
    for _ in range(2):  # a repeated approval does not release it
        assert (
            Client().post("/flexiti/webhook/", **signed("order.approved", approved)).status_code
            == 204
        )
    order = order_of(number)
    assert order.status == "Awaiting Flexiti review"
    assert events(order) == [("Settled", Decimal("450.00"))]
    assert order.notes.get().message == (
        "Flexiti financed 450.00, but the basket now costs 499.00."
    )
    assert get_model("order", "Order").objects.filter(number=number).count() == 1


def test_refunds_from_the_service_reach_the_order_once_each(service, client):
    """Each refund is one Refunded event and moves the status (repeats are ignored); a refusal
    is a note on the order."""
    from django.test import Client

    number = shopper_places_order(client)
    webhook = Client()
    webhook.post("/flexiti/webhook/", **signed("order.approved", service_order(number, "approved")))
    part = service_order(number, "partially_refunded", refund=refund(1, "100.00"))
    for _ in range(2):
        webhook.post("/flexiti/webhook/", **signed("order.partially_refunded", part))
    failed = service_order(
        number,
        "partially_refunded",
        refund=refund(2, "50.00", "failed", error="not_enough_balance"),
    )
    webhook.post("/flexiti/webhook/", **signed("refund.failed", failed))  # fmt: skip
    order = order_of(number)
    assert order.status == "Partially refunded"
    assert "not_enough_balance" in order.notes.get().message
    rest = service_order(number, "refunded", refund=refund(3, "399.00"))
    webhook.post("/flexiti/webhook/", **signed("order.refunded", rest))
    order.refresh_from_db()
    assert events(order) == [("Settled", Decimal("499.00")), ("Refunded", Decimal("100.00")),
                             ("Refunded", Decimal("399.00"))]  # fmt: skip
    assert order.status == "Refunded"
    assert order.sources.get().amount_refunded == Decimal("499.00")


def test_a_cancellation_at_the_service_cancels_the_order(service, client):
    from django.test import Client

    number = shopper_places_order(client)
    webhook = Client()
    webhook.post("/flexiti/webhook/", **signed("order.approved", service_order(number, "approved")))
    webhook.post(
        "/flexiti/webhook/", **signed("order.cancelled", service_order(number, "cancelled"))
    )
    order = order_of(number)
    assert events(order) == [("Settled", Decimal("499.00")), ("Cancelled", Decimal("499.00"))]
    assert order.status == "Cancelled"


@pytest.mark.parametrize(
    ("accept_language", "outcome", "message"),
    [
        ("en", "declined", "Flexiti did not approve the financing."),
        ("fr-CA,fr", "declined", "Flexiti n&#x27;a pas approuvé le financement."),
        ("fr-CA,fr", "cancelled", "Vous avez quitté Flexiti avant de terminer."),
    ],
)
def test_a_declined_or_cancelled_return_gives_the_basket_back(
    service, client, accept_language, outcome, message
):
    """Back at the order preview with the basket as it was and the shopper's language."""
    number = shopper_places_order(client)
    service.get(f"{SERVICE}/api/orders/{number}", json=service_order(number, outcome))
    back = client.get("/flexiti/return/", {"merchant_order_id": number},
                      headers={"Accept-Language": accept_language}, follow=True)  # fmt: skip
    assert back.redirect_chain[-1][0] == "/checkout/preview/"
    assert message in back.content.decode()
    assert checkout_of(number).basket.status == "Open" and order_of(number) is None
    assert "Linen armchair" in back.content.decode()


@pytest.mark.parametrize(("query", "lands_on"), [({}, None), ({"left": 1}, "/checkout/preview/")])
def test_a_return_before_flexiti_decided(service, client, query, lands_on):
    """Through the success URL: a page that looks again shortly. Through the failure URL
    (``left``): the customer left Flexiti, so the basket is theirs again."""
    number = shopper_places_order(client)
    service.get(f"{SERVICE}/api/orders/{number}", json=service_order(number, "pending"))
    back = client.get("/flexiti/return/", {"merchant_order_id": number, **query}, follow=True)
    if lands_on is None:
        assert back.status_code == 200 and 'http-equiv="refresh"' in back.content.decode()
        assert checkout_of(number).basket.status == "Frozen"
    else:
        assert back.redirect_chain[-1][0] == lands_on
        assert "You left Flexiti before finishing." in back.content.decode()
        assert checkout_of(number).basket.status == "Open"
    assert order_of(number) is None


def test_an_approved_return_shows_the_thank_you_page(service, client):
    number = shopper_places_order(client)
    service.get(f"{SERVICE}/api/orders/{number}", json=service_order(number, "approved"))
    back = client.get("/flexiti/return/", {"merchant_order_id": number}, follow=True)
    assert back.redirect_chain[-1][0] == "/checkout/thank-you/"
    assert number in back.content.decode() and order_of(number) is not None


def test_a_return_naming_another_sessions_order_does_not_place_it(service, client):
    """The query string only names an order: a stranger's link places nothing for them."""
    from django.test import Client

    number = shopper_places_order(client)
    service.get(f"{SERVICE}/api/orders/{number}", json=service_order(number, "approved"))
    back = Client().get("/flexiti/return/", {"merchant_order_id": number})
    assert back.status_code == 302 and back["Location"] == "/basket/"
    assert order_of(number) is None


def test_a_dashboard_refund_clicked_twice_is_one_refund(service, client):
    """The form's idempotency key goes with each post: the service answers the same refund,
    and Oscar records it once."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    number = shopper_places_order(client)
    Client().post(
        "/flexiti/webhook/", **signed("order.approved", service_order(number, "approved"))
    )
    answer = {**refund(7, "120.50"), "order_status": "partially_refunded", "refundable": "378.50"}
    service.post(f"{SERVICE}/api/orders/{number}/refunds", json=answer, status=201)
    staff = Client()
    staff.force_login(get_user_model().objects.get(email="staff@example.com"))
    form = {
        "amount": "120.50",
        "reason": "scratched",
        "key": "5b0f6a59-7a1e-4a58-9d3e-1f0c2d7a9b10",
    }
    for _ in range(2):
        assert staff.post(f"/flexiti/refund/{number}/", form).status_code == 302
    sent = [c.request for c in service.calls if c.request.url.endswith("/refunds")]
    assert [r.headers["Idempotency-Key"] for r in sent] == [form["key"]] * 2
    assert json.loads(sent[0].body) == {"amount": "120.50", "reason": "scratched",
                                        "actor": "staff"}  # fmt: skip
    order = order_of(number)
    assert events(order) == [("Settled", Decimal("499.00")), ("Refunded", Decimal("120.50"))]
    assert order.status == "Partially refunded"


def test_a_full_refund_sends_no_amount_and_one_still_with_flexiti_is_no_error(service, client):
    """An empty amount refunds what remains (the service refuses ``"amount": null``); the
    second post of a double click, answered while the first is still with Flexiti, says so
    instead of calling it a refusal."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    number = shopper_places_order(client)
    Client().post(
        "/flexiti/webhook/", **signed("order.approved", service_order(number, "approved"))
    )
    answer = {**refund(8, "499.00", status="requested"), "order_status": "approved"}
    service.post(f"{SERVICE}/api/orders/{number}/refunds", json=answer, status=200)
    staff = Client()
    staff.force_login(get_user_model().objects.get(email="staff@example.com"))
    form = {"amount": "", "reason": "", "key": "5b0f6a59-7a1e-4a58-9d3e-1f0c2d7a9b12"}
    page = staff.post(f"/flexiti/refund/{number}/", form, follow=True).content.decode()
    [sent] = [c.request for c in service.calls if c.request.url.endswith("/refunds")]
    assert "amount" not in json.loads(sent.body)
    assert "Flexiti is refunding CA$499.00" in page and "did not refund" not in page
    assert events(order_of(number)) == [("Settled", Decimal("499.00"))]


def test_a_refund_of_a_bad_amount_is_not_sent(service, client):
    from django.contrib.auth import get_user_model
    from django.test import Client

    number = shopper_places_order(client)
    Client().post(
        "/flexiti/webhook/", **signed("order.approved", service_order(number, "approved"))
    )
    staff = Client()
    staff.force_login(get_user_model().objects.get(email="staff@example.com"))
    form = {"amount": "-3", "key": "5b0f6a59-7a1e-4a58-9d3e-1f0c2d7a9b11"}
    page = staff.post(f"/flexiti/refund/{number}/", form, follow=True)
    assert "The refund was not sent" in page.content.decode()
    assert not [c for c in service.calls if c.request.url.endswith("/refunds")]


def test_the_migrations_match_the_models(shop_db):
    """The shipped migration makes the table the model describes (the tests' database is
    made straight from the models, so this is where a forgotten migration shows)."""
    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(MIGRATION_MODULES={}):
        call_command("makemigrations", "flexiti_oscar", "--check", "--dry-run", verbosity=0)
