"""The staff console under test: a shop whose host lets "Alex" in, Flexiti's back office faked.

Orders are written to the store as Flexiti would have settled them (``in_review``, and
``support.back_office.settled``); pages are read as staff would (``page``, ``act``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout import FlexitiCheckout, OrderStatus
from flexiti_checkout.models import Order
from flexiti_checkout.web.state import flexiti_state
from support.back_office import FakeBackOffice

REVIEW_NOTE = "Flexiti approved 2900.00, the order is for 2899.00"
SCORES = {
    "billing_information": {"address_1": 1, "city": "0.5", "postal_code": 0, "address_2": None},
    "shipping_information": {"address_1": 1, "city": 1, "postal_code": 1, "address_2": None},
}


def make_console(store_url: str, tmp_path, **config: Any) -> tuple[Flask, FakeBackOffice]:
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="test-secret-key-0123456789abcdef", FLEXITI_STORE_URL=store_url,
                      **config)  # fmt: skip
    FlexitiCheckout(app, admin_access=lambda: "Alex")
    fake = FakeBackOffice()
    flexiti_state(app).refunds.client = fake
    return app, fake


def in_review(app: Flask, merchant_order_id: str, amount: str = "2899.00") -> Order:
    """An order Flexiti approved for a cent more than it is for: a person must decide."""
    store = flexiti_state(app).store
    order = store.insert_order(
        merchant_order_id=merchant_order_id, amount=Decimal(amount), flow="apply/buy", lang="en",
        reference_id="ref-review", source="checkout",
    )  # fmt: skip
    assert order is not None
    pending = store.transition(order, OrderStatus.PENDING, source="checkout", online_order_id="9")
    details = {"transaction_id": "T-9", "purchase_amount": "2900.00", "promo_id": "382712",
               "address_match": SCORES}  # fmt: skip
    done = store.transition(pending, OrderStatus.NEEDS_REVIEW, source="callback",
                            note=REVIEW_NOTE, details=details)  # fmt: skip
    assert done is not None
    return done


def page(client: FlaskClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text)[1]


def act(client: FlaskClient, merchant_order_id: str, name: str, **fields: str) -> str:
    """Confirm ``name`` on the order, then read the order page it leads back to."""
    token = csrf(page(client, f"/flexiti/admin/orders/{merchant_order_id}"))
    done = client.post(f"/flexiti/admin/orders/{merchant_order_id}/actions/{name}",
                       data={"csrf_token": token, "confirm": "yes", **fields})  # fmt: skip
    assert done.status_code == 303
    return page(client, f"/flexiti/admin/orders/{merchant_order_id}")
