"""Hostile input to the blueprint's views: never a 500, and every callback delivery stored first.

The app embeds its sandbox in-process and keeps its store at ``store_url``; each body of the
corpus is one that used to crash a view, or could break a database column.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.store import tables
from flexiti_checkout.store.inbox import Delivery
from flexiti_checkout.web.state import flexiti_state

PERSONAL = {"customer_fname": "Tommy", "customer_dob": "06/01/1981", "vcc": "4111111111111111"}


@pytest.fixture
def app(store_url: str, tmp_path, background_work: str) -> Iterator[Flask]:
    app = Flask("hostile", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret-key-0123456789abcdef",
        FLEXITI_ENVIRONMENT="sandbox",
        FLEXITI_STORE_URL=store_url,
        FLEXITI_MAX_RETRIES=0,
        FLEXITI_BACKGROUND_WORK=background_work,
    )
    flexiti = FlexitiCheckout(app)
    yield app
    flexiti.close(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def deliveries(app: Flask) -> list[Delivery]:
    return flexiti_state(app).callbacks.inbox.deliveries(unprocessed_only=False)


def assert_storable(delivery: Delivery) -> None:
    """Nothing in a stored delivery that PostgreSQL refuses, and no personal data."""
    text = json.dumps(
        [delivery.payload, delivery.identifiers, delivery.outcome, delivery.remote_addr],
        default=str,
        ensure_ascii=False,
    )
    text.encode("utf-8")  # a lone surrogate cannot be encoded
    assert "\x00" not in text
    for value in PERSONAL.values():
        assert value not in text


def nested(depth: int) -> str:
    return '{"merchant_order_id": "A-1", "data": ' + "[" * depth + "]" * depth + "}"


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# (what it is, body, content type): every one must be answered 2xx or 4xx and stored.
CORPUS: list[tuple[str, Any, str | None]] = [
    ("lists nested 40 deep", nested(40), JSON),
    ("lists nested 300 deep", nested(300), JSON),
    ("lists nested 25000 deep", nested(25_000), JSON),
    ("objects nested 5000 deep", '{"a":' * 5000 + "1" + "}" * 5000, JSON),
    ("an id Decimal cannot divide", '{"online_order_id": 1e28}', JSON),
    ("an amount with a huge exponent", '{"amount": 1e999999999, "merchant_order_id": "A-1"}', JSON),
    ("a tiny exponent", '{"amount": 1e-999999999}', JSON),
    ("a 5000-digit number", '{"online_order_id": ' + "9" * 5000 + "}", JSON),
    ("NaN", '{"online_order_id": NaN}', JSON),
    ("a lone surrogate in an id", '{"merchant_order_id": "\\ud800"}', JSON),
    ("a lone surrogate in a key", '{"\\udfff": "x", "online_order_id": "\\udc00"}', JSON),
    ("NUL in an id", '{"merchant_order_id": "A-1\\u0000"}', JSON),
    ("NUL in a key and a value", '{"a\\u0000b": "c\\u0000d"}', JSON),
    ("an id that is an object", '{"merchant_order_id": {"id": "A-1"}}', JSON),
    ("an id that is a list", '{"merchant_order_id": [1, 2]}', JSON),
    ("an id that is true", '{"online_order_id": true}', JSON),
    ("a list body", "[1, 2, 3]", JSON),
    ("a string body", '"merchant_order_id"', JSON),
    ("a number body", "42", JSON),
    ("null", "null", JSON),
    ("a huge key", json.dumps({"k" * 30_000: 1, "merchant_order_id": "A-1"}), JSON),
    ("many keys", json.dumps({f"key{n}": n for n in range(3000)}), JSON),
    ("personal data", json.dumps({**PERSONAL, "merchant_order_id": "A-1"}), JSON),
    ("not JSON", b"{not json", JSON),
    ("not UTF-8", b"\xff\xfe{\x00", JSON),
    ("a form body", "merchant_order_id=A-1%00&customer_fname=Tommy&vcc=4111111111111111", FORM),
    ("a form with invalid UTF-8", b"merchant_order_id=%ED%A0%80&x=%FF", FORM),
    ("an empty body", b"", JSON),
    ("an empty body without a type", b"", None),
    ("text/plain JSON", '{"merchant_order_id": "A-1"}', "text/plain"),
    ("NUL in the content type", "{}", "application/json\x00; x=y"),
    ("a long content type", "{}", "application/json; " + "x" * 5000),
]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(body, kind) for _, body, kind in CORPUS],
    ids=[name for name, _, _ in CORPUS],
)
def test_every_hostile_callback_is_answered_and_stored(app, client, body, content_type) -> None:
    """Each body of the corpus gets a 2xx or 4xx and leaves one storable, redacted delivery."""
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.post("/flexiti/callback", data=body, headers=headers)
    assert answer.status_code < 500, answer.get_data(as_text=True)[:300]
    (stored,) = deliveries(app)
    assert_storable(stored)
    with flexiti_state(app).store.begin() as conn:
        stored_type = conn.execute(select(tables.deliveries.c.content_type)).scalar_one()
    if stored_type is not None:
        assert stored_type.isprintable() and len(stored_type) <= 128


@pytest.mark.parametrize("query", ["merchant_order_id=A%00", "orderId=1%0A2", "orderId=%1B"])
def test_hostile_query_string_callbacks_are_stored(app, client, query: str) -> None:
    """A GET callback whose query names an impossible id is stored and names no order."""
    answer = client.get(f"/flexiti/callback?{query}")
    assert answer.status_code == 200
    (stored,) = deliveries(app)
    assert_storable(stored)
    assert stored.identifiers == {}


def test_an_unreadable_callback_is_stored_as_processed_without_its_content(app, client) -> None:
    """A body too deep to read is kept as its size, digest and reason; it names no order."""
    body = nested(5000)
    answer = client.post("/flexiti/callback", data=body, content_type=JSON)
    assert answer.status_code == 200
    assert "nested deeper than 32 levels" in answer.get_json()["outcome"]
    (stored,) = deliveries(app)
    assert stored.payload["bytes"] == len(body)
    assert len(stored.payload["sha256"]) == 64
    assert "nested deeper" in stored.payload["unreadable"]
    assert stored.processed_at is not None and stored.identifiers == {}


def test_a_redacted_delivery_keeps_what_a_replay_needs(app, client) -> None:
    """Personal fields go, the order's id stays, keys too long to be fields are cut."""
    body = {**PERSONAL, "merchant_order_id": "A-1", "k" * 1000: "v"}
    client.post("/flexiti/callback", json=body)
    (stored,) = deliveries(app)
    assert stored.identifiers == {"merchant_order_id": "A-1"}
    assert stored.payload["customer_fname"] == "[redacted]"
    assert stored.payload["merchant_order_id"] == "A-1"
    assert stored.payload["k" * 128] == "v"


@pytest.mark.parametrize(
    "path",
    [
        "/flexiti/return/success?merchant_order_id=A%00&online_order_id=%ED%A0%80",
        "/flexiti/return/error?orderId=1e999999999",
        "/flexiti/calculator?price=1e999999999",
        "/flexiti/calculator?price=%00",
        "/flexiti/availability?amount=%ED%A0%80",
        "/flexiti/learn-more?amount=1e999999999",
        "/flexiti/learn-more?lang=%00&return_to=/%00",
        "/flexiti/modal/%00",
        "/flexiti/modal/%ED%A0%80",
        "/flexiti/outcome",
        "/flexiti/%00",
    ],
)
def test_hostile_paths_and_queries_are_never_a_500(client, path: str) -> None:
    """NUL, invalid UTF-8 and huge numbers in paths and query strings are answered, not crashes."""
    assert client.get(path).status_code < 500


@pytest.mark.parametrize(
    "body",
    [
        '{"prices": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"prices": [1e999999999]}',
        '{"prices": ["1e999999999"]}',
        '{"prices": [NaN]}',
        '{"prices": ["\\ud800"], "lang": "\\u0000"}',
    ],
)
def test_hostile_calculator_batches_are_a_400_that_says_why(client, body: str) -> None:
    """A batch nested too deep, or with numbers out of range, is a 400 naming the problem."""
    answer = client.post("/flexiti/calculator", data=body, content_type=JSON)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"
