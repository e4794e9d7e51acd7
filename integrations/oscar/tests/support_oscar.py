"""Test support for the integration's own tests: a fake checkout service and a shopper.

The service is faked at the HTTP level with ``responses`` (its JSON API as the OpenAPI document
describes it); the shop is the real ``oscar_shop`` in this process, driven with Django's test
client, on the session's shop database.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import responses
from standardwebhooks import Webhook

SERVICE = "http://flexiti.test/flexiti"
SECRET = "whsec_b3NjYXItc2hvcC1kZW1vLW9ubHktd2ViaG9vay1zZWNyZXQ="
ADDRESS = {"first_name": "Tommy", "last_name": "Samson", "line1": "123 Any Street",
           "line2": "Unit 4", "line4": "Toronto", "state": "ON", "postcode": "M5V 2T6",
           "country": "CA"}  # fmt: skip


def fake_service(mock: responses.RequestsMock, *, available: bool = True) -> None:
    """The service's availability and checkout start, as a running one answers them."""
    mock.get(f"{SERVICE}/availability", json={"amount": "499.00", "enabled": available})

    def started(request: Any) -> tuple[int, dict[str, str], str]:
        number = json.loads(request.body)["merchant_order_id"]
        modal = f"{SERVICE}/modal/token-{number}"
        body = {"merchant_order_id": number, "online_order_id": "131209", "status": "pending",
                "modal_url": modal, "redirect_url": f"{modal}?mode=redirect",
                "redirection_url": "https://flexiti.test/flow", "reference_id": "ref",
                "order_url": f"{SERVICE}/api/orders/{number}"}  # fmt: skip
        return 201, {}, json.dumps(body)

    mock.add_callback(responses.POST, f"{SERVICE}/api/checkouts", callback=started)


def shopper_at_preview(client: Any, upc: str = "CHAIR-1") -> None:
    """A guest puts ``upc`` in the basket and gives an email and a Canadian address."""
    from oscar.core.loading import get_model

    product = get_model("catalogue", "Product").objects.get(upc=upc)
    assert client.post(f"/basket/add/{product.pk}/", {"quantity": 1}).status_code == 302
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    client.post("/checkout/", {"username": email, "options": "anonymous"})
    assert client.post("/checkout/shipping-address/", ADDRESS).status_code == 302
    client.get("/checkout/shipping-method/")  # the one method (free shipping) is chosen


def place_order(client: Any) -> Any:
    """ "Place order", posted as flexiti.js posts it."""
    return client.post("/checkout/preview/", {"action": "place_order"},
                       headers={"Accept": "application/json"})  # fmt: skip


def shopper_places_order(client: Any, upc: str = "CHAIR-1") -> str:
    """A guest buys ``upc`` up to "Place order", which opens Flexiti; the order's number."""
    shopper_at_preview(client, upc)
    answer = place_order(client)
    assert answer.status_code == 200, answer.get("Location")
    assert answer.json()["modal_url"].startswith(f"{SERVICE}/modal/")
    return str(client.session["checkout_data"]["submission"]["order_number"])


def service_order(number: str, status: str, amount: str = "499.00", **extra: Any) -> dict:
    """The service's order as its API and webhooks show it."""
    return {"merchant_order_id": number, "online_order_id": "131209", "status": status,
            "amount": amount, "currency": "CAD", "flow": "apply/buy", "lang": "en",
            "refunds": [], "refundable": amount, **extra}  # fmt: skip


def refund(refund_id: int, amount: str, status: str = "succeeded", **extra: Any) -> dict:
    return {"id": refund_id, "amount": amount, "status": status, "full": False,
            "idempotency_key": f"key-{refund_id}", "reason": "", "actor": "api",
            "error": None, **extra}  # fmt: skip


def signed(event_type: str, data: dict, *, secret: str = SECRET, age: float = 0) -> dict:
    """A webhook's body and Standard Webhooks headers, as the service signs them."""
    body = json.dumps({"type": event_type, "timestamp": "2026-01-01T00:00:00+00:00",
                       "data": {**data, "previous_status": "pending"}})  # fmt: skip
    msg_id = f"msg_{uuid.uuid4().hex}"
    at = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() - age, timezone.utc)
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": Webhook(secret).sign(msg_id, at, body)}  # fmt: skip
    return {"data": body, "content_type": "application/json", "headers": headers}


def events(order: Any) -> list[tuple[str, Decimal]]:
    return [(e.event_type.name, e.amount) for e in order.payment_events.order_by("pk")]
