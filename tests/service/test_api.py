"""The service's JSON API: keys, starting checkouts, reading orders, the OpenAPI document.

The service is ``service.create_app`` configured by environment, as ``gunicorn wsgi:app`` runs
it, talking to a live sandbox; requests go through Flask's test client.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY
from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.lifecycle.validation import AddressSchema, CheckoutSchema
from flexiti_checkout.service.app import create_app
from flexiti_checkout.web.state import RETURN_SESSION_KEY, flexiti_state
from support.apps import close_app
from support.sandbox_server import SandboxServer
from support.shop_server import checkout_request

KEYS = ("first-key-0123456789abcdef", "second-key-0123456789abcdef")
CHECKOUTS = "/flexiti/api/checkouts"


def service_environ(
    sandbox: SandboxServer, tmp_path: Path, store_url: str | None = None, **extra: str
) -> dict[str, str]:
    """The environment of a service talking to ``sandbox``, with ``KEYS`` as its API keys."""
    environ = {
        "FLEXITI_ENVIRONMENT": "sandbox",
        "FLEXITI_ONLINE_API_URL": sandbox.online_api_url,
        "FLEXITI_STORE_URL": store_url or f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
        "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLEXITI_SIGNING_KEY": "test-api-signing-key-0123456789",
        "FLEXITI_API_KEYS": ", ".join(KEYS),
        "FLEXITI_MAX_RETRIES": "0",
        "FLEXITI_LOOKUP_INTERVAL": "10ms",
    }
    environ.update(extra)
    return environ


@pytest.fixture
def service(
    sandbox: SandboxServer, tmp_path: Path, store_url: str, background_work: str
) -> Iterator[Flask]:
    environ = service_environ(sandbox, tmp_path, store_url, FLEXITI_BACKGROUND_WORK=background_work)
    app = create_app(environ)
    yield app
    close_app(app)


@pytest.fixture
def client(service: Flask) -> FlaskClient:
    return service.test_client()


def bearer(key: str = KEYS[0]) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def start(client: FlaskClient, body: Any, key: str = KEYS[0]) -> TestResponse:
    return client.post(CHECKOUTS, json=body, headers=bearer(key))


def start_raw(client: FlaskClient, text: str) -> TestResponse:
    """A checkout posted as JSON text exactly as given (a float stays a JSON number)."""
    return client.post(CHECKOUTS, data=text, content_type="application/json", headers=bearer())


def settle(service: Flask, sandbox: SandboxServer, merchant_order_id: str, outcome: str) -> None:
    """The customer decides at Flexiti, and the service learns it with a lookup."""
    state = flexiti_state(service)
    order = state.store.get_order(merchant_order_id)
    assert order is not None
    sandbox.control("POST", f"orders/{order.online_order_id}/settle", {"outcome": outcome})
    with service.app_context():
        state.orders.refresh(merchant_order_id, source="shop", force=True)


# -- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "status", "challenge"),
    [
        (None, 401, 'Bearer realm="flexiti-checkout"'),
        ("Bearer not-a-key-0123456789abcdef", 401, 'error="invalid_token"'),
        (f"Basic {KEYS[0]}", 401, 'error="invalid_token"'),
        ("Bearer ", 401, 'error="invalid_token"'),
        (f"Bearer {KEYS[0]}x", 401, 'error="invalid_token"'),
        (f"Bearer {KEYS[0]}", 404, None),
        (f"bearer {KEYS[1]}", 404, None),  # the second key, during a rotation
    ],
)
def test_only_a_configured_key_gets_in(client, authorization, status, challenge):
    """Every route but the OpenAPI document needs one of FLEXITI_API_KEYS as a bearer token."""
    headers = {"Authorization": authorization} if authorization is not None else {}
    for answer in (
        client.get("/flexiti/api/orders/NOPE", headers=headers),
        client.post(CHECKOUTS, json={}, headers=headers),
    ):
        if status == 401:
            assert answer.status_code == 401
            assert answer.json["error"] == "unauthorized"
            assert challenge in answer.headers["WWW-Authenticate"]
        else:
            assert answer.status_code in (status, 400)  # authorised: not found, or bad fields


def test_keys_are_compared_in_constant_time_against_every_key(client, monkeypatch):
    """The key is checked with hmac.compare_digest against each key, even after a match."""
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert client.get("/flexiti/api/orders/NOPE", headers=bearer(KEYS[0])).status_code == 404
    assert compared == [(KEYS[0].encode(), key.encode()) for key in KEYS]


def test_service_outside_sandbox_refuses_to_start_without_keys(sandbox, tmp_path):
    """Outside sandbox mode, no FLEXITI_API_KEYS is a ConfigurationError naming it."""
    environ = service_environ(
        sandbox,
        tmp_path,
        FLEXITI_ENVIRONMENT="training",
        FLEXITI_API_KEYS="",
        FLEXITI_CLIENT_ID="someone",
        FLEXITI_CLIENT_SECRET="something-secret",
    )
    with pytest.raises(ConfigurationError, match="FLEXITI_API_KEYS is required"):
        create_app(environ)


@pytest.mark.parametrize("keys", ["short", "good-key-0123456789abcdef,with space in it"])
def test_malformed_keys_are_refused_at_start(sandbox, tmp_path, keys):
    """A key that is too short or holds a space fails naming FLEXITI_API_KEYS, not the key."""
    with pytest.raises(ConfigurationError, match="FLEXITI_API_KEYS entry") as raised:
        create_app(service_environ(sandbox, tmp_path, FLEXITI_API_KEYS=keys))
    assert "short" not in str(raised.value) and "space" not in str(raised.value)


def test_sandbox_without_keys_accepts_the_documented_sandbox_key(sandbox, tmp_path, caplog):
    """In sandbox mode with no keys, the public sandbox key works, and the log says so."""
    with caplog.at_level(logging.WARNING, logger="flexiti_checkout.service.api"):
        app = create_app(service_environ(sandbox, tmp_path, FLEXITI_API_KEYS=""))
    assert SANDBOX_API_KEY in caplog.text
    client = app.test_client()
    assert client.get("/flexiti/api/orders/N", headers=bearer(SANDBOX_API_KEY)).status_code == 404
    assert client.get("/flexiti/api/orders/N", headers=bearer(KEYS[0])).status_code == 401
    close_app(app)


def test_the_extension_alone_has_no_api(shop):
    """A Flask shop using the extension does not serve the service's API."""
    with shop.app.test_client() as client:
        assert client.get("/flexiti/api/openapi.json").status_code == 404
        assert client.post(CHECKOUTS, json={}, headers=bearer()).status_code == 404


# -- starting a checkout -------------------------------------------------------------------


def test_checkout_is_created(client, sandbox):
    """201 with both order ids, an absolute redirection URL, a modal URL and the order's URL."""
    answer = start(client, checkout_request("API-1"))
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["merchant_order_id"] == "API-1"
    assert body["status"] == "pending"
    assert body["online_order_id"] and body["reference_id"]
    assert body["redirection_url"].startswith(sandbox.url + "/")
    assert body["order_url"] == "http://localhost/flexiti/api/orders/API-1"
    assert answer.headers["Location"] == body["order_url"]
    assert body["modal_url"].startswith("http://localhost/flexiti/modal/")
    modal = client.get(body["modal_url"])
    assert modal.status_code == 200
    assert body["redirection_url"] in modal.get_data(as_text=True)
    assert body["redirect_url"] == body["modal_url"] + "?mode=redirect"
    onward = client.get(body["redirect_url"])
    assert onward.status_code == 303 and onward.headers["Location"] == body["redirection_url"]


def test_starting_a_pending_order_again_returns_it_with_200(client):
    """The same pending merchant order again: 200 and the same Flexiti order, no second one."""
    first = start(client, checkout_request("API-2"))
    again = start(client, checkout_request("API-2"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["online_order_id"] == first.json["online_order_id"]
    assert "Location" not in again.headers


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"amount": None}, {"amount"}),
        ({"amount": "4.999"}, {"amount"}),
        ({"amount": "-1"}, {"amount"}),
        ({"merchant_order_id": 1042}, {"merchant_order_id"}),
        ({"flow": "lease", "lang": "de"}, {"flow", "lang"}),
        ({"colour": "blue"}, {"colour"}),
        (
            {"billing": {"province": "XX"}},
            {
                "billing.first_name",
                "billing.last_name",
                "billing.address_1",
                "billing.city",
                "billing.province",
                "billing.postal_code",
            },
        ),
        ({"shipping": None}, {"shipping"}),
        ({"email": "nobody", "date_of_birth": "2020-01-01"}, {"email", "date_of_birth"}),
    ],
)
def test_bad_fields_are_each_named(client, changes, fields):
    """A bad checkout is a 400 whose ``fields`` name every bad field and nothing else."""
    body = checkout_request("API-BAD")
    body.update(changes)
    body = {name: value for name, value in body.items() if value is not None}
    answer = start(client, body)
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_checkout"
    assert set(answer.json["fields"]) == fields
    assert "Tommy" not in answer.get_data(as_text=True)  # no personal data echoed back


@pytest.mark.parametrize("amount", ["499.99", "4.9999e2", "499.0"])
def test_a_json_float_amount_is_refused_with_advice(client, amount):
    """An amount sent as a JSON number with a fraction is refused: send it as a string."""
    answer = start_raw(client, f'{{"merchant_order_id": "F-1", "amount": {amount}}}')
    assert answer.status_code == 400
    assert set(answer.json["fields"]) == {"amount", "billing", "shipping"}
    assert 'must be a string such as "499.99"' in answer.json["fields"]["amount"][0]


def test_a_whole_json_number_amount_is_exact_and_accepted(client):
    """A whole JSON number is exact, so it is accepted like the Python API accepts an int."""
    body = checkout_request("API-INT")
    body["amount"] = 499
    answer = start(client, body)
    assert answer.status_code == 201, answer.json
    order = client.get("/flexiti/api/orders/API-INT", headers=bearer()).json
    assert order["amount"] == "499.00"


@pytest.mark.parametrize(
    ("data", "content_type", "status", "error"),
    [
        ("{not json", "application/json", 400, "invalid_json"),
        ('{"amount": NaN}', "application/json", 400, "invalid_json"),
        ("[1, 2]", "application/json", 400, "invalid_checkout"),
        (
            "merchant_order_id=X&amount=1",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
        ),
    ],
)
def test_unreadable_bodies_are_json_errors(client, data, content_type, status, error):
    """A body that is not a JSON object of fields is refused with a JSON error."""
    answer = client.post(CHECKOUTS, data=data, content_type=content_type, headers=bearer())
    assert answer.status_code == status
    assert answer.json["error"] == error


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ('{"merchant_order_id": "D-1", "x": ' + "[" * 5000 + "]" * 5000 + "}", "nested deeper"),
        ("[" * 300 + "]" * 300, "nested deeper"),
        ('{"merchant_order_id": "D-1", "amount": 1e999999999}', "out of range"),
        ('{"merchant_order_id": "D-1", "amount": 1e-999999999}', "out of range"),
        ('{"merchant_order_id": 1e28, "amount": "10.00"}', "out of range"),
        ('{"merchant_order_id": "D-1", "amount": "1.00", "amount": "900.00"}', "'amount' twice"),
        ('{"billing": {"city": "A", "city": "B"}, "merchant_order_id": "D-2"}', "'city' twice"),
    ],
)
def test_hostile_json_is_a_400_that_says_why(client, data, reason):
    """Deep nesting and numbers out of range are refused while parsing, with the reason."""
    answer = start_raw(client, data)
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_json"
    assert reason in answer.json["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("merchant_order_id", r"A-1\u0000"),
        ("merchant_order_id", r"\ud800"),
        ("first_name", r"Tom\u0000my"),
        ("last_name", r"\udc00"),
    ],
)
def test_text_no_database_stores_is_a_named_field_error(client, field, value):
    """NUL, control characters and lone surrogates in a field are a 400 naming that field."""
    body = checkout_request("CTRL-1")
    del body[field]
    text = json.dumps(body)[:-1] + f', "{field}": "{value}"}}'
    answer = start_raw(client, text)
    assert answer.status_code == 400
    assert set(answer.json["fields"]) == {field}


@pytest.mark.parametrize("path", ["A%00B", "%ED%A0%80", "A%0A"])
def test_order_ids_no_database_stores_are_a_404(client, path):
    """Reading an order by an id with NUL or invalid UTF-8 is a JSON 404, never a 500."""
    answer = client.get(f"/flexiti/api/orders/{path}", headers=bearer())
    assert answer.status_code == 404
    assert answer.json["error"] == "not_found"


@pytest.mark.parametrize(
    "content_type", ["application/json\x00", "application/json; " + "x" * 9000]
)
def test_hostile_content_types_are_never_a_500(client, content_type):
    """A Content-Type with NUL or of absurd length is refused as a 4xx."""
    answer = client.post(CHECKOUTS, data="{}", headers={**bearer(), "Content-Type": content_type})
    assert 400 <= answer.status_code < 500


def test_a_huge_body_is_413_json(client):
    """A body past 64 KiB is refused before it is parsed."""
    answer = start_raw(client, '{"merchant_order_id": "' + "x" * 70_000 + '"}')
    assert answer.status_code == 413
    assert answer.is_json


@pytest.mark.parametrize(
    ("second", "error"),
    [
        ({"amount": "500.00"}, "order_mismatch"),
        ({"flow": "apply"}, "order_mismatch"),
        ({"settle_first": "approve"}, "order_settled"),
        ({"settle_first": "decline"}, "order_settled"),
    ],
)
def test_conflicts_are_409(client, service, sandbox, second, error):
    """A pending order for another amount or flow, or an ended one, cannot start: 409."""
    assert start(client, checkout_request("API-C")).status_code == 201
    body = checkout_request(
        "API-C", amount=second.get("amount", "499.00"), flow=second.get("flow", "apply/buy")
    )
    if "settle_first" in second:
        settle(service, sandbox, "API-C", second["settle_first"])
    answer = start(client, body)
    assert answer.status_code == 409
    assert answer.json["error"] == error
    assert answer.json["reference_id"]


def test_a_start_in_progress_is_409_with_retry_after(client, service):
    """A start of a merchant order whose widget init is under way answers at once: 409
    checkout_in_progress with Retry-After, not a worker held until the first one finishes."""
    flexiti_state(service).store.insert_order(
        merchant_order_id="API-BUSY", amount=Decimal("499.00"), flow="buy", lang="en",
        reference_id="f" * 32, source="checkout",
    )  # fmt: skip
    answer = start(client, checkout_request("API-BUSY"))
    assert answer.status_code == 409
    assert answer.json["error"] == "checkout_in_progress"
    assert answer.headers["Retry-After"] == "5"
    assert "Retry in 5 s." in answer.json["message"]


def test_flexiti_down_is_502_with_the_reference_id(client, sandbox):
    """When Flexiti fails the widget init, 502 names the reference id stored with the order."""
    sandbox.control("PATCH", "faults", {"fail_next": {"count": 3, "status": 503}})
    answer = start(client, checkout_request("API-DOWN"))
    assert answer.status_code == 502
    assert answer.json["error"] == "flexiti_unavailable"
    order = client.get("/flexiti/api/orders/API-DOWN", headers=bearer()).json
    assert answer.json["reference_id"] == order["reference_id"]
    assert order["reference_id"] in answer.json["message"]
    assert order["status"] == "error"


@pytest.mark.parametrize("amount", ["25000.00", "20.00"])
def test_amount_outside_the_plans_is_422_not_an_outage(client, amount):
    """Flexiti's 409 for an amount outside the plans is 422 amount_not_financeable, with advice,
    and the order may start again (not 502 flexiti_unavailable)."""
    answer = start(client, checkout_request("API-RANGE", amount=amount))
    assert answer.status_code == 422
    assert answer.json["error"] == "amount_not_financeable"
    assert "payment_availability" in answer.json["message"]
    assert answer.json["reference_id"]
    order = client.get("/flexiti/api/orders/API-RANGE", headers=bearer()).json
    assert order["status"] == "error"


# -- reading an order ----------------------------------------------------------------------


def test_order_with_its_history(client, service, sandbox):
    """An order reads with its amount as a string, Flexiti's details and every transition."""
    online_order_id = start(client, checkout_request("API-R", amount="1234.50")).json[
        "online_order_id"
    ]
    settle(service, sandbox, "API-R", "approve")
    answer = client.get("/flexiti/api/orders/API-R", headers=bearer())
    assert answer.status_code == 200
    order = answer.json
    assert (order["status"], order["amount"], order["flow"]) == ("approved", "1234.50", "apply/buy")
    assert order["online_order_id"] == online_order_id
    assert order["details"]["purchase_amount"] == "1234.50"
    assert order["created_at"] <= order["status_since"] and order["checked_at"]
    steps = [(step["from_status"], step["to_status"]) for step in order["history"]]
    assert steps == [(None, "created"), ("created", "pending"), ("pending", "approved")]
    assert "Tommy" not in answer.get_data(as_text=True)


def test_unknown_order_is_a_json_404(client):
    """An unknown merchant order id is a 404 in JSON."""
    answer = client.get("/flexiti/api/orders/NOBODY", headers=bearer())
    assert answer.status_code == 404
    assert answer.json["error"] == "not_found"


@pytest.mark.parametrize(
    ("merchant_order_id", "reason"),
    [
        ("P/refunds", "'refunds' as a part"),
        ("P/cancel", "'cancel' as a part"),
        ("review", "'review' as a part"),
        ("P/actions/refund", "'actions' as a part"),
        ("..", "only letters"),
        (".", "only letters"),
        ("A/../B", "only letters"),
        ("A//B", "only letters"),
        ("/A", "only letters"),
        ("A/", "only letters"),
        ("A B", "only letters"),
        ("A?B", "only letters"),
        ("A#B", "only letters"),
        ("A%2FB", "only letters"),
        ("A\\B", "only letters"),
    ],
)
def test_merchant_order_ids_no_url_reads_back_are_refused(client, merchant_order_id, reason):
    """An id its order's URL could not find again is refused at creation, naming why."""
    answer = start(client, checkout_request(merchant_order_id))
    assert answer.status_code == 400
    assert set(answer.json["fields"]) == {"merchant_order_id"}
    assert reason in answer.json["fields"]["merchant_order_id"][0]
    assert flexiti_state(client.application).store.get_order(merchant_order_id) is None


@pytest.mark.parametrize("merchant_order_id", ["1042", "2024/A-7", "a.b_c~d-e", "x" * 64])
def test_merchant_order_ids_of_the_alphabet_read_back(client, merchant_order_id):
    """Every id of the documented alphabet is created and read back by its order URL."""
    created = start(client, checkout_request(merchant_order_id))
    assert created.status_code == 201, created.json
    read = client.get(created.json["order_url"], headers=bearer())
    assert read.json["merchant_order_id"] == merchant_order_id


@pytest.mark.parametrize(
    ("action", "allowed"),
    [("cancel", {"POST", "OPTIONS"}), ("review", {"POST", "OPTIONS"}),
     ("refunds", {"GET", "HEAD", "POST", "OPTIONS"})],
)  # fmt: skip
def test_options_on_an_orders_actions_lists_their_methods(client, action, allowed):
    """OPTIONS on an order's action says what that action takes, not the order's GET."""
    answer = client.options(f"/flexiti/api/orders/A-1/{action}", headers=bearer())
    assert set(answer.headers["Allow"].split(", ")) == allowed


@pytest.mark.parametrize("action", ["refunds", "cancel", "review"])
def test_a_huge_body_on_an_orders_action_is_refused_unread(client, monkeypatch, action):
    """A body over 64 KiB on any body-taking route is a JSON 413 before any of it is read."""
    from werkzeug.wrappers import Request

    def no_reading(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("the body was read")

    monkeypatch.setattr(Request, "get_data", no_reading)
    answer = client.post(
        f"/flexiti/api/orders/A-1/{action}", data=b"{" + b" " * 200_000 + b"}",
        content_type="application/json", headers=bearer(),
    )  # fmt: skip
    assert answer.status_code == 413
    assert answer.json["error"] == "request_entity_too_large"
    assert "65536" in answer.json["message"]


def test_a_chunked_huge_body_is_cut_off_at_the_limit(client):
    """A body without Content-Length is read only up to the limit, then refused (413)."""
    from io import BytesIO

    answer = client.post(
        "/flexiti/api/orders/A-1/refunds", input_stream=BytesIO(b" " * 200_000),
        content_type="application/json",
        headers={**bearer(), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # what gunicorn says of a chunked body
    )  # fmt: skip
    assert answer.status_code == 413
    assert answer.is_json


@pytest.mark.parametrize(
    ("body", "field"),
    [({"amount": None}, "amount"), ({"actor": "Ann (key #1)"}, "actor"),
     ({"actor": "x" * 101}, "actor"), ({"actor": "ann\nbob"}, "actor")],
)  # fmt: skip
def test_a_null_refund_amount_and_a_staff_like_actor_are_refused(client, body, field):
    """``amount: null`` is a 400, not a whole refund; an actor in the console's format too."""
    answer = client.post("/flexiti/api/orders/A-1/refunds", json=body, headers=bearer())
    assert answer.status_code == 400
    assert set(answer.json["fields"]) == {field}


def test_merchant_order_ids_with_slashes_read_back(client):
    """A merchant order id may hold a slash; its order URL still finds it."""
    created = start(client, checkout_request("2024/A-7")).json
    assert client.get(created["order_url"], headers=bearer()).json["merchant_order_id"] == (
        "2024/A-7"
    )


def test_wrong_method_is_a_json_405(client):
    """The API answers its own errors in JSON, never with an HTML page."""
    answer = client.put(CHECKOUTS, headers=bearer())
    assert answer.status_code == 405
    assert answer.json["error"] == "method_not_allowed"
    # RFC 9110: a 405 names the allowed methods (in no particular order).
    assert set(answer.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


# -- the session cookie --------------------------------------------------------------------


def session_order(browser: FlaskClient, service: Flask) -> str | None:
    """The merchant order id this browser's session remembers."""
    with browser.session_transaction() as stored:
        token = stored.get(RETURN_SESSION_KEY)
    if token is None:
        return None
    return flexiti_state(service).return_signer.loads(token, max_age=3600)["m"]


def modal_path(started: dict[str, Any]) -> str:
    return urlsplit(started["modal_url"]).path


def test_the_sandbox_session_cookie_is_lax_and_not_secure(client, service):
    """In sandbox mode (plain http on a laptop) the cookie is SameSite=Lax, without Secure."""
    started = start(client, checkout_request("COOKIE-1")).json
    answer = service.test_client().get(modal_path(started))
    cookie = answer.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "Secure" not in cookie


def test_outside_the_sandbox_the_session_cookie_is_secure(sandbox, tmp_path):
    """With real credentials the service's session cookie is Secure and SameSite=Lax."""
    app = create_app(
        service_environ(
            sandbox,
            tmp_path,
            FLEXITI_ENVIRONMENT="training",
            FLEXITI_CLIENT_ID="client",
            FLEXITI_CLIENT_SECRET="secret",
        )
    )
    try:
        with app.test_request_context():
            assert app.session_interface.get_cookie_secure(app) is True
            assert app.session_interface.get_cookie_samesite(app) == "Lax"
    finally:
        flexiti_state(app).store.engine.dispose()


def test_a_strangers_modal_link_does_not_take_over_a_pending_checkout(client, service, sandbox):
    """A visitor mid-checkout who opens another order's modal link keeps their own order."""
    own = start(client, checkout_request("MINE-1")).json
    strangers = start(client, checkout_request("THEIRS-1")).json
    browser = service.test_client()
    assert browser.get(modal_path(own)).status_code == 200
    assert browser.get(modal_path(strangers)).status_code == 200
    assert session_order(browser, service) == "MINE-1"
    settle(service, sandbox, "MINE-1", "approve")
    flexiti_state(service).orders.refresh("MINE-1", source="return")
    browser.get(modal_path(strangers))
    assert session_order(browser, service) == "THEIRS-1"  # their own checkout has ended


# -- the OpenAPI document ------------------------------------------------------------------


def test_openapi_document_is_valid_and_complete(client):
    """The document needs no key, is valid OpenAPI 3 and describes every path and schema."""
    from openapi_spec_validator import validate  # slow to import: only where it is used

    answer = client.get("/flexiti/api/openapi.json")
    assert answer.status_code == 200
    document = answer.json
    validate(document)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/flexiti/api/checkouts",
        "/flexiti/api/orders/{merchant_order_id}",
        "/flexiti/api/orders/{merchant_order_id}/refunds",
        "/flexiti/api/orders/{merchant_order_id}/cancel",
        "/flexiti/api/orders/{merchant_order_id}/review",
        "/flexiti/healthz",
    }
    schemas = document["components"]["schemas"]
    assert {
        "CheckoutRequest",
        "Address",
        "CheckoutStarted",
        "OrderWithHistory",
        "Error",
        "Health",
        "WebhookEvent",
    } <= set(schemas)
    post = document["paths"]["/flexiti/api/checkouts"]["post"]
    assert set(post["responses"]) == {
        "200", "201", "202", "400", "401", "405", "409", "413", "415", "422", "502"
    }  # fmt: skip
    assert post["security"] == [{"apiKey": []}]
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    ("component", "schema"), [("CheckoutRequest", CheckoutSchema), ("Address", AddressSchema)]
)
def test_every_request_field_has_a_type(client, component, schema):
    """Each field of the validating schemas is in the document with a type; amount a string or
    a whole number."""
    properties = client.get("/flexiti/api/openapi.json").json["components"]["schemas"][component][
        "properties"
    ]
    assert set(properties) == set(schema().fields)
    for name, spec in properties.items():
        assert "type" in spec or "allOf" in spec or "anyOf" in spec, name
    if component == "CheckoutRequest":
        types = [option["type"] for option in properties["amount"]["anyOf"]]
        assert types == ["string", "integer"]
        assert properties["billing"]["allOf"] == [{"$ref": "#/components/schemas/Address"}]


def test_unknown_api_path_is_a_json_404_but_other_paths_are_untouched(client):
    """A path under /api that no route takes is a JSON 404; elsewhere 404s stay as they were."""
    answer = client.get("/flexiti/api/nothing-here", headers=bearer())
    assert (answer.status_code, answer.json["error"]) == (404, "not_found")
    elsewhere = client.get("/nothing-here")
    assert elsewhere.status_code == 404
    assert not elsewhere.is_json
