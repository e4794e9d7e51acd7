"""The service's refund, cancel and review endpoints, on orders settled through a live sandbox.

Flexiti's back office (return, cancel, the customer's purchases) is ``FakeBackOffice`` here, so
these tests pin the API's own rules; the round trip through the sandbox is in ``tests/flows``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flexiti_checkout.service.app import create_app
from flexiti_checkout.store.outbox import PENDING
from flexiti_checkout.web.state import flexiti_state
from support.apps import close_app
from support.back_office import FakeBackOffice
from support.sandbox_server import SandboxServer
from support.shop_server import checkout_request

ORDERS = "/flexiti/api/orders"
KEY = "refund-api-key-0123456789abcdef"


def service_environ(sandbox: SandboxServer, tmp_path: Path) -> dict[str, str]:
    return {
        "FLEXITI_ENVIRONMENT": "sandbox",
        "FLEXITI_ONLINE_API_URL": sandbox.online_api_url,
        "FLEXITI_STORE_URL": f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
        "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLEXITI_SIGNING_KEY": "test-api-signing-key-0123456789",
        "FLEXITI_API_KEYS": KEY,
        "FLEXITI_MAX_RETRIES": "0",
    }


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def start(client: FlaskClient, body: dict) -> TestResponse:
    return client.post("/flexiti/api/checkouts", json=body, headers=bearer())


def settle(service: Flask, sandbox: SandboxServer, merchant_order_id: str, outcome: str) -> None:
    """The customer decides at the sandbox, and the service learns it with a lookup."""
    state = flexiti_state(service)
    order = state.store.get_order(merchant_order_id)
    assert order is not None
    sandbox.control("POST", f"orders/{order.online_order_id}/settle", {"outcome": outcome})
    with service.app_context():
        state.orders.refresh(merchant_order_id, source="shop", force=True)


@pytest.fixture
def service(sandbox: SandboxServer, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(service_environ(sandbox, tmp_path))
    yield app
    flexiti_state(app).store.engine.dispose()


@pytest.fixture
def back_office(service: Flask) -> FakeBackOffice:
    fake = FakeBackOffice()
    flexiti_state(service).refunds.client = fake
    return fake


@pytest.fixture
def client(service: Flask) -> FlaskClient:
    return service.test_client()


def approved(service, sandbox, client, back_office, merchant_order_id="R-1", amount="200.00"):
    """An order the customer approved at the sandbox, its purchase known to the back office."""
    assert start(client, checkout_request(merchant_order_id, amount)).status_code == 201
    settle(service, sandbox, merchant_order_id, "approve")
    order = flexiti_state(service).store.get_order(merchant_order_id)
    assert order is not None and order.status.value == "approved"
    back_office.add_purchase(
        order.details["transaction_id"], Decimal(amount), posted=False,
        customer_id=order.details["customer_id"],
    )  # fmt: skip
    return order


def refund(client, merchant_order_id="R-1", key=None, **body):
    headers = {**bearer(), **({"Idempotency-Key": key} if key else {})}
    return client.post(f"{ORDERS}/{merchant_order_id}/refunds", json=body, headers=headers)


def test_refund_is_created_once_per_idempotency_key(service, sandbox, client, back_office):
    """201 with the refund; the same key gives 200 and the same refund, Flexiti called once."""
    approved(service, sandbox, client, back_office)
    first = refund(client, key="rma-1", amount="50.00", reason="one item")
    assert first.status_code == 201, first.json
    assert first.json["status"] == "succeeded" and first.json["amount"] == "50.00"
    assert first.json["order_status"] == "partially_refunded"
    assert first.json["refundable"] == "150.00" and first.json["actor"] == "api"
    again = refund(client, key="rma-1", amount="50.00", reason="one item")
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert back_office.count("return") == 1
    other = refund(client, key="rma-1", amount="60.00")
    assert other.status_code == 409 and other.json["error"] == "idempotency_key_reused"


def test_too_much_is_a_400_naming_what_remains(service, sandbox, client, back_office):
    """Over what remains is refused with the remainder; a float amount is refused as such."""
    approved(service, sandbox, client, back_office)
    assert refund(client, amount="150.00").status_code == 201
    over = refund(client, amount="50.01")
    assert over.status_code == 400 and over.json["error"] == "refund_too_large"
    assert over.json["remaining"] == "50.00" and "50.00" in over.json["message"]
    as_float = client.post(
        f"{ORDERS}/R-1/refunds", data='{"amount": 10.5}', content_type="application/json",
        headers=bearer(),
    )  # fmt: skip
    assert as_float.status_code == 400 and "amount" in as_float.json["fields"]
    sub_cent = refund(client, amount="1.005")
    assert sub_cent.json["fields"] == {"amount": ["must have at most 2 decimal places"]}
    unknown_field = refund(client, amount="1.00", colour="red")

    assert unknown_field.status_code == 400 and "colour" in unknown_field.json["fields"]
    assert back_office.count("return") == 1


def test_all_that_remains_and_the_order_answer(service, sandbox, client, back_office):
    """No amount refunds what remains; the order and refunds answers show them."""
    approved(service, sandbox, client, back_office)
    refund(client, amount="20.00")
    rest = refund(client)
    assert rest.status_code == 201 and rest.json["amount"] == "180.00" and rest.json["full"]
    order = client.get(f"{ORDERS}/R-1", headers=bearer()).json
    assert order["status"] == "refunded" and order["refundable"] == "0.00"
    assert [r["amount"] for r in order["refunds"]] == ["20.00", "180.00"]
    listed = client.get(f"{ORDERS}/R-1/refunds", headers=bearer()).json
    assert [r["status"] for r in listed["refunds"]] == ["succeeded", "succeeded"]
    assert client.get(f"{ORDERS}/nope/refunds", headers=bearer()).status_code == 404


def test_cancel_and_its_refusals(service, sandbox, client, back_office):
    """Cancel moves an approved order to cancelled; a second cancel is a 409 order_state."""
    approved(service, sandbox, client, back_office)
    done = client.post(f"{ORDERS}/R-1/cancel", json={"reason": "gone"}, headers=bearer())
    assert done.status_code == 200 and done.json["status"] == "cancelled"
    again = client.post(f"{ORDERS}/R-1/cancel", headers=bearer())
    assert again.status_code == 409 and again.json["error"] == "order_state"
    assert refund(client, amount="1.00").json["error"] == "order_state"


@pytest.mark.sandbox_config({"APPROVED_AMOUNT_DELTA": "1.00"})
def test_review_decisions(service, sandbox, client, back_office):
    """A needs_review order is approved through the API; bad decisions are named."""
    assert start(client, checkout_request("V-1", "200.00")).status_code == 201
    settle(service, sandbox, "V-1", "approve")
    assert client.get(f"{ORDERS}/V-1", headers=bearer()).json["status"] == "needs_review"
    bad = client.post(f"{ORDERS}/V-1/review", json={"decision": "maybe"}, headers=bearer())
    assert bad.status_code == 400 and set(bad.json["fields"]) == {"decision", "note"}
    done = client.post(
        f"{ORDERS}/V-1/review", json={"decision": "approve", "note": "ok", "actor": "ann"},
        headers=bearer(),
    )  # fmt: skip
    assert done.status_code == 200 and done.json["status"] == "approved"
    store = flexiti_state(service).store
    assert store.history(store.get_order("V-1"))[-1].note == "approved by api:ann: ok"


def test_the_api_and_the_webhooks_carry_the_same_order(sandbox, tmp_path):
    """After a partial refund, the order the API reads is the one the last webhook carried:
    every field alike, its refunds and what remains refundable included."""
    app = create_app({
        **service_environ(sandbox, tmp_path),
        "FLEXITI_SHOP_WEBHOOK_URL": "http://127.0.0.1:9/hooks",  # nothing listens: events stay
        "FLEXITI_SHOP_WEBHOOK_SECRET": "whsec_" + base64.b64encode(bytes(range(32))).decode(),
    })  # fmt: skip
    back_office = FakeBackOffice()
    flexiti_state(app).refunds.client = back_office
    try:
        client = app.test_client()
        approved(app, sandbox, client, back_office, "J-1")
        assert refund(client, "J-1", amount="50.00").status_code == 201
        read = client.get(f"{ORDERS}/J-1", headers=bearer()).json
        [*_, event] = flexiti_state(app).webhooks.outbox.events((PENDING,))
        carried = json.loads(event.body)["data"]
    finally:
        close_app(app)
    assert event.event_type == "order.partially_refunded"
    assert read.pop("history")[-1]["to_status"] == "partially_refunded"  # the API's own field
    assert carried.pop("previous_status") == "approved"  # the webhook's own fields
    assert carried.pop("refund")["amount"] == "50.00"
    assert read == carried
    assert read["refundable"] == "150.00" and len(read["refunds"]) == 1


def test_openapi_documents_the_order_actions(client):
    """The OpenAPI document has the refund, cancel and review operations and stays valid."""
    from openapi_spec_validator import validate  # slow to import: only where it is used

    document = client.get("/flexiti/api/openapi.json").json
    validate(document)
    paths = document["paths"]
    assert set(paths["/flexiti/api/orders/{merchant_order_id}/refunds"]) >= {"get", "post"}
    assert "post" in paths["/flexiti/api/orders/{merchant_order_id}/cancel"]
    assert "post" in paths["/flexiti/api/orders/{merchant_order_id}/review"]
    assert "refundable" in document["components"]["schemas"]["Order"]["properties"]
