"""FlexitiClient against ``responses``: exactly what goes out, and what every answer becomes."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import responses

from flexiti_checkout import (
    AuthenticationError,
    ConflictError,
    FlexitiClient,
    FlexitiError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
)
from flexiti_checkout.errors import AmountNotFinanceableError
from flexiti_checkout.money import AmountError
from support.clocks import FakeClock

ONLINE = "https://online.test/flexiti/online-api"
POS = "https://pos.test/flexiti/pos-api/v2.5"
CID = "flexitidemo"
SECRET = "s3cret-value"
TOKEN_URL = f"{ONLINE}/oauth/token"
LOOKUP_URL = f"{ONLINE}/online/client-id/{CID}/notifications/merchant-order-id/A-1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_000_000.0)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(clock: FakeClock, sleeps: list[float]) -> FlexitiClient:
    return FlexitiClient(
        CID, SECRET, online_api_url=ONLINE, pos_api_url=POS, clock=clock, sleep=sleeps.append
    )


@pytest.fixture
def mocked():
    with responses.RequestsMock() as rsps:
        yield rsps


def token_json(n: int = 1, scope: str = "customer", expires_in: int = 1200) -> dict:
    return {
        "token_type": "bearer",
        "access_token": f"access-{n}",
        "expires_in": expires_in,
        "refresh_token": f"refresh-{n}",
        "scope": scope,
    }


def form(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def token_calls(mocked) -> list:
    return [c for c in mocked.calls if c.request.url == TOKEN_URL]


LOOKUP_SUCCESS = {
    "transaction_id": 131221,
    "flow": "buy",
    "callback_url": "",
    "purchase": {
        "purchase_status": "Success",
        "administrative_fee": "0.00",
        "promo_id": 382712,
        "term": "3",
        "plan_id": 4,
        "purchase_amount": 2,
        "transaction_total_amount": "2.00",
        "customer_id": "1293835",
        "customer_fname": "Tommy",
        "customer_dob": "06/01/1981",
        "customer_comparison_result": {"billing_information": {"first_name": 0.33}},
        "something_new": True,
    },
    "date": "2022-06-13T22:20:01.552Z",
    "unexpected": {"nested": 1},
}


# -- exactly what goes out ---------------------------------------------------------------------


def test_token_request_is_form_encoded_with_reference_id(client, mocked):
    """The token call is form-encoded, names the scope, and carries the flow's reference id."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(
        f"{ONLINE}/online/v2/client-id/{CID}/systems/init",
        json={"online_order_id": 1, "redirection_url": "https://flow.test/x"},
    )
    client.widget_init("buy", Decimal("10.00"), "en-CA", reference_id="ref-42")
    token_call = mocked.calls[0]
    assert token_call.request.method == "POST"
    assert token_call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_call.request.headers["x-reference-id"] == "ref-42"
    assert "Authorization" not in token_call.request.headers
    assert form(token_call) == {
        "client_id": CID,
        "client_secret": SECRET,
        "grant_type": "client_credentials",
        "scope": "customer",
    }


def test_widget_init_buy_sends_exact_body(client, mocked):
    """Buy-flow init goes to the /v2 path with a bearer token and amounts as exact numbers."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(
        f"{ONLINE}/online/v2/client-id/{CID}/systems/init",
        json={"online_order_id": 131209, "redirection_url": "https://flow.test/x"},
    )
    billing = {"first_name": "Tom", "last_name": "Samson", "postal_code": "M5V2T6"}
    session = client.widget_init(
        "buy",
        Decimal("3000.00"),
        "en-CA",
        merchant_order_id="A-1",
        billing_information=billing,
        shipping_information=billing,
        email="t@example.com",
        reference_id="ref-1",
    )
    assert session.online_order_id == "131209"
    assert session.redirection_url == "https://flow.test/x"
    call = mocked.calls[1]
    assert call.request.headers["Authorization"] == "Bearer access-1"
    assert call.request.headers["x-reference-id"] == "ref-1"
    assert call.request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert b'"amount_requested":3000.00' in call.request.body
    assert json.loads(call.request.body) == {
        "lang": "en-CA",
        "flow": "buy",
        "amount_requested": 3000.0,
        "merchant_orderid": "A-1",
        "merchant_order_id": "A-1",
        "billing_information": billing,
        "shipping_information": billing,
        "email": "t@example.com",
    }


def test_json_bodies_are_utf8(client, mocked):
    """French names travel as UTF-8, not mangled by a default Latin-1 encoding."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(
        f"{ONLINE}/online/v2/client-id/{CID}/systems/init",
        json={"online_order_id": 1, "redirection_url": "https://flow.test/x"},
    )
    client.widget_init("buy", Decimal(1), "fr-CA", city="Montréal", lname="Lévesque-Œuvre")
    body = mocked.calls[1].request.body
    assert isinstance(body, bytes)
    assert json.loads(body.decode("utf-8"))["lname"] == "Lévesque-Œuvre"


def test_widget_init_apply_uses_path_without_v2(client, mocked):
    """The apply-only flow is initialised on the path without /v2."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(
        f"{ONLINE}/online/client-id/{CID}/systems/init",
        json={"online_order_id": "7", "redirection_url": "https://flow.test/a"},
    )
    assert client.widget_init("apply", Decimal(500), "fr-CA").online_order_id == "7"


@pytest.mark.parametrize(
    "bad",
    [1.5, True, "abc", "NaN", Decimal("Infinity"), "1e2", "1E+2", "0", Decimal(0), 0, "-5",
     Decimal("-1"), Decimal("1.001"), "1000000.01"],
)  # fmt: skip
@pytest.mark.parametrize(
    "call",
    [
        lambda c, a: c.payment_availability(a),
        lambda c, a: c.payment_calculator(a, "en-CA"),
        lambda c, a: c.widget_init("buy", a, "en-CA", merchant_order_id="A-1"),
        lambda c, a: c.learn_more("en-CA", amount_requested=a),
    ],
    ids=["availability", "calculator", "widget-init", "learn-more"],
)
def test_amounts_are_parsed_strictly_before_sending(client, mocked, call, bad):
    """Every Online API amount goes through ``parse_amount``: floats, booleans, non-numbers,
    exponents, zero, negatives, sub-cents and amounts past the maximum are refused, and nothing
    is sent (not even the token call)."""
    with pytest.raises(AmountError):
        call(client, bad)
    assert len(mocked.calls) == 0


def test_widget_init_rejects_unknown_flow(client):
    """An unknown flow is a programming error, raised before any request."""
    with pytest.raises(ValueError, match="flow must be one of"):
        client.widget_init("borrow", Decimal(1), "en-CA")


def test_calculator_query_and_typed_result(client, mocked):
    """The calculator sends price and lang as query parameters; strings become Decimal and int."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.get(
        f"{ONLINE}/online/v2/client-id/{CID}/systems/payment-calculator",
        match=[responses.matchers.query_param_matcher({"price": "499.00", "lang": "fr"})],
        json={
            "htmlRender": "<p>41,58 $</p>",
            "paymentPlan": {"monthlyPayment": "41.58", "months": "12"},
            "x": 1,
        },
    )
    plan = client.payment_calculator(Decimal("499.00"), "fr")
    assert plan.monthly_payment == Decimal("41.58")
    assert isinstance(plan.monthly_payment, Decimal)
    assert plan.months == 12
    assert plan.html == "<p>41,58 $</p>"


def test_availability_body_and_answer(client, mocked):
    """Availability posts the amount and returns Flexiti's boolean."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(
        f"{ONLINE}/online/client-id/{CID}/merchants/payment-availability",
        match=[responses.matchers.json_params_matcher({"amount_requested": 400})],
        json={"enable_payment_gateway": False},
    )
    assert client.payment_availability(Decimal("400")) is False


def test_learn_more_returns_the_url(client, mocked):
    """Learn-more posts the language and amount and returns the redirect URL."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(
        f"{ONLINE}/online/client-id/{CID}/systems/learn-more",
        match=[
            responses.matchers.json_params_matcher(
                {"lang": "en-CA", "amount_requested": 99.5, "show_close_button": "true"}
            )
        ],
        json={"redirection_url": "https://flow.test/learn"},
    )
    url = client.learn_more("en-CA", amount_requested=Decimal("99.50"), show_close_button="true")
    assert url == "https://flow.test/learn"


def test_lookup_uses_merchant_scope_and_types_the_answer(client, mocked):
    """Lookups ask for a merchant token; ids become strings, money Decimal, statuses upper case."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    lookup = client.order_by_merchant_order_id("A-1")
    assert form(mocked.calls[0])["scope"] == "merchant"
    assert lookup.transaction_id == "131221"
    assert lookup.status == "SUCCESS"
    purchase = lookup.purchase
    assert purchase is not None
    assert purchase.purchase_amount == Decimal("2")
    assert purchase.transaction_total_amount == Decimal("2.00")
    assert purchase.administrative_fee == Decimal("0.00")
    assert (purchase.promo_id, purchase.plan_id, purchase.term) == ("382712", "4", 3)
    assert purchase.customer_comparison_result == {
        "billing_information": {"first_name": Decimal("0.33")}
    }
    assert "Tommy" not in repr(lookup) and "1981" not in repr(lookup)


def test_lookup_apply_flow_status(client, mocked):
    """An apply-flow lookup reports the apply status and the new customer id."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(
        f"{ONLINE}/online/client-id/{CID}/notifications/order-id/131222",
        json={
            "transaction_id": 131222,
            "flow": "apply",
            "apply": {"customer_id": 1293836, "apply_status": "success"},
        },
    )
    lookup = client.order_by_online_order_id("131222")
    assert lookup.status == "SUCCESS"
    assert lookup.apply is not None and lookup.apply.customer_id == "1293836"
    assert lookup.purchase is None


def test_lookup_escapes_identifiers_in_the_path(client, mocked):
    """A merchant order id with slashes cannot reach another path."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(
        f"{ONLINE}/online/client-id/{CID}/notifications/merchant-order-id/a%2F..%2Fb",
        json={"transaction_id": 1, "flow": "buy", "purchase": {"purchase_status": "PENDING"}},
    )
    assert client.order_by_merchant_order_id("a/../b").status == "PENDING"


def test_promo_lookup_and_test_notification(client, mocked):
    """Promo lookups and test notifications reach their documented paths, the test notification
    with the Online API's keys and values (Event: Purchase, Notification_type: Success)."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(
        f"{ONLINE}/online/client-id/{CID}/notifications/promo-id/382712",
        json={
            "fname": "Tommy",
            "promo_id": 382712,
            "term": 3,
            "plan_id": "4",
            "purchase_amount": "2.00",
            "transaction_total_amount": 2,
            "administrative_fee": "0.00",
        },
    )
    mocked.post(
        f"{ONLINE}/online/client-id/{CID}/notifications/test",
        match=[
            responses.matchers.json_params_matcher(
                {"Event": "Purchase", "Notification_type": "Success"}
            )
        ],
        json={"event": "purchase", "notificationType": "Success"},
    )
    promo = client.order_by_promo_id("382712")
    assert promo.purchase_amount == Decimal("2.00") and promo.term == 3
    assert "Tommy" not in repr(promo)
    assert client.send_test_notification("Purchase", "Success")["notificationType"] == "Success"


def test_merchant_login_uses_pos_api(client, mocked):
    """merchant_login gets a merchant token from the POS API and posts to merchants/login."""
    mocked.post(f"{POS}/oauth/token", json=token_json(scope="merchant"))
    mocked.post(
        f"{POS}/client-id/{CID}/merchants/login",
        match=[responses.matchers.query_param_matcher({"lang": "fr"})],
        json={"merchant_name": "Shop", "merchant_id": 12, "form_values": {}},
    )
    info = client.merchant_login("fr")
    assert (info.merchant_name, info.merchant_id) == ("Shop", "12")
    assert form(mocked.calls[0])["scope"] == "merchant"


def test_fresh_reference_id_when_none_given(client, mocked):
    """Without a caller's id, a new GUID as 32 hex digits (POS API v2.5: "ASCII string (32), GUID")
    goes on the token call and the API call alike."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    client.order_by_merchant_order_id("A-1")
    ids = {c.request.headers["x-reference-id"] for c in mocked.calls}
    assert len(ids) == 1
    sent = ids.pop()
    assert len(sent) == 32 and uuid.UUID(sent).hex == sent


def test_hyphenated_reference_id_is_sent_as_32_hex_digits(client, mocked):
    """A caller's hyphenated UUID goes out without its hyphens, as Flexiti types the header."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    client.order_by_merchant_order_id("A-1", reference_id="4DF0CECB-0151-40D1-AEDE-BFC8E034D361")
    assert {c.request.headers["x-reference-id"] for c in mocked.calls} == {
        "4df0cecb015140d1aedebfc8e034d361"
    }


@pytest.mark.parametrize("reference_id", ["x" * 33, "flow id with spaces", "réf-1"])
def test_reference_id_flexiti_would_refuse_is_refused_before_sending(client, mocked, reference_id):
    """An id longer than 32 characters or not printable ASCII is a clear ValueError, unsent."""
    with pytest.raises(ValueError, match="at most 32 printable ASCII"):
        client.order_by_merchant_order_id("A-1", reference_id=reference_id)
    assert len(mocked.calls) == 0


LOOKUP_SPELLINGS = {
    "table: purchase.status": {"flow": "buy", "purchase": {"status": "Success"}},
    "example: purchase_status": {"flow": "buy", "purchase": {"purchase_status": "SUCCESS"}},
    "camel case": {"flow": "buy", "purchase": {"purchaseStatus": "success"}},
    "table: top-level apply_status": {
        "flow": "apply", "apply": {"customer_id": 7}, "apply_status": "Success"},
    "example: apply.apply_status": {"flow": "apply", "apply": {"apply_status": "SUCCESS"}},
    "apply.status": {"flow": "apply", "apply": {"status": "Success"}},
    "only a top-level apply_status": {"flow": "apply", "apply_status": "Success"},
}  # fmt: skip


@pytest.mark.parametrize("body", LOOKUP_SPELLINGS.values(), ids=LOOKUP_SPELLINGS.keys())
def test_lookup_reads_every_documented_status_spelling(client, mocked, body):
    """The Online API's table and example spell the status differently; every spelling and casing
    reads as SUCCESS."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, json={"transaction_id": 9, **body})
    assert client.order_by_merchant_order_id("A-1").status == "SUCCESS"


def test_lookup_reads_amounts_with_thousands_separators_and_long_statuses(client, mocked):
    """ "1,200.05" (POS API v2's writing), ids as numbers and a long status all read."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    status = "Approved pending manual verification by the credit team"
    mocked.get(LOOKUP_URL, json={"transaction_id": 9.0, "flow": "buy", "purchase": {
        "status": status, "purchase_amount": "1,200.05", "transaction_total_amount": 1200.05,
        "promo_id": 382712}})  # fmt: skip
    lookup = client.order_by_merchant_order_id("A-1")
    assert lookup.transaction_id == "9" and lookup.status == status.upper()
    assert lookup.purchase is not None
    assert lookup.purchase.purchase_amount == Decimal("1200.05")
    assert lookup.purchase.transaction_total_amount == Decimal("1200.05")
    assert lookup.purchase.promo_id == "382712"


def test_unreadable_lookup_is_its_own_unavailable_error(client, mocked):
    """A 200 whose purchase has no status at all is an UnreadableAnswerError (an
    UnavailableError) with the reference id."""
    from flexiti_checkout.errors import UnavailableError, UnreadableAnswerError

    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, json={"transaction_id": 9, "purchase": {"state": "Success"}})
    with pytest.raises(UnreadableAnswerError) as caught:
        client.order_by_merchant_order_id("A-1", reference_id="r" * 32)
    assert isinstance(caught.value, UnavailableError)
    assert caught.value.reference_id == "r" * 32


def test_environments():
    """for_environment knows training and production, and refuses anything else."""
    prod = FlexitiClient.for_environment("production", CID, SECRET)
    assert prod.online_api_url == "https://onlineapi.flexiti.fi/flexiti/online-api"
    training = FlexitiClient.for_environment("training", CID, SECRET)
    assert training.pos_api_url == "https://posapi-training.flexiti.fi/flexiti/pos-api/v2.5"
    with pytest.raises(ValueError, match="training"):
        FlexitiClient.for_environment("staging", CID, SECRET)


# -- errors ------------------------------------------------------------------------------------

ERROR_TABLE = [
    (
        400,
        {
            "code": 400,
            "error": "invalid_client",
            "error_description": "Client credentials are invalid",
        },
        AuthenticationError,
        "invalid_client",
    ),
    (401, {"error": "invalid_token"}, AuthenticationError, "invalid_token"),
    (403, {"code": 403, "error": "insufficient_scope"}, AuthenticationError, "insufficient_scope"),
    (
        400,
        {
            "url": "/x",
            "message": "Validation failed",
            "error": "invalid_request",
            "field_errors": [{"param": "amount_requested", "msg": "must be > 0", "value": -1}],
        },
        InvalidRequestError,
        "invalid_request",
    ),
    (404, {"error": "not_found"}, NotFoundError, "not_found"),
    (
        409,
        {"code": 404, "error": "not_found", "error_description": "Order not found"},
        NotFoundError,
        "not_found",
    ),
    (
        409,
        {"code": 409, "error": "not_enough_credit", "error_description": "No credit"},
        ConflictError,
        "not_enough_credit",
    ),
    (
        409,
        {"code": 409, "error": "wrong_inputs", "error_description": "Some inputs are wrong!"},
        InvalidRequestError,
        "wrong_inputs",
    ),
    (
        409,
        {
            "url": "/x",
            "message": "Some inputs are wrong!",
            "error": "wrong_inputs",
            "field_errors": [{"param": "amount_requested", "msg": "is required", "value": None}],
        },
        InvalidRequestError,
        "wrong_inputs",
    ),
    (
        409,
        {"code": 409, "error": "amount_out_of_range", "error_description": "Outside the plans"},
        AmountNotFinanceableError,
        "amount_out_of_range",
    ),
    (422, {"message": "Unprocessable"}, InvalidRequestError, None),
    (429, {"error": "too_many_requests"}, RateLimitedError, "too_many_requests"),
    (500, {"code": 500, "error": "server_error"}, UnavailableError, "server_error"),
    (503, None, UnavailableError, None),
]


@pytest.mark.parametrize(("status", "body", "error_class", "code"), ERROR_TABLE)
def test_error_mapping(client, mocked, status, body, error_class, code):
    """Each of Flexiti's error answers maps to one error class carrying its code and reference."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    if body is None:
        mocked.get(LOOKUP_URL, status=status, body=b"")
    else:
        mocked.get(LOOKUP_URL, status=status, json=body)
    with pytest.raises(error_class) as caught:
        client.order_by_merchant_order_id("A-1", reference_id="ref-err")
    err = caught.value
    assert err.status == status
    assert err.code == code
    assert err.reference_id == "ref-err"
    assert "ref-err" in str(err) and "ref-err" in repr(err)


def test_field_errors_are_named_but_values_not_shown(client, mocked):
    """Field errors say which field and why, without echoing the (maybe personal) value."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(
        f"{ONLINE}/online/v2/client-id/{CID}/systems/init",
        status=400,
        json={
            "url": "/init",
            "message": "Validation failed",
            "error": "invalid_request",
            "field_errors": [{"param": "dob", "msg": "invalid date", "value": "1981-13-45"}],
        },
    )
    with pytest.raises(InvalidRequestError) as caught:
        client.widget_init("buy", Decimal(10), "en-CA", dob="1981-13-45")
    assert caught.value.field_errors[0].param == "dob"
    assert "dob: invalid date" in str(caught.value)
    assert "1981-13-45" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
        (200, b"<html>maintenance</html>", "text/html"),
        (200, b"", "application/json"),
        (200, b'{"transaction_id": 1, "flow":', "application/json"),
        (403, b"<html>Forbidden by proxy</html>", "text/html"),
    ],
)
def test_unusable_bodies_are_unavailable(client, mocked, status, body, content_type):
    """HTML pages, empty and malformed bodies become UnavailableError, never a JSON exception."""
    client.max_retries = 0
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, status=status, body=body, content_type=content_type)
    with pytest.raises(UnavailableError):
        client.order_by_merchant_order_id("A-1")


def test_unexpected_shape_is_unavailable(client, mocked):
    """A 200 without the fields we need is Flexiti misbehaving, reported as unavailable."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(f"{ONLINE}/online/v2/client-id/{CID}/systems/init", json={"status": "ok"})
    with pytest.raises(UnavailableError, match="redirection_url"):
        client.widget_init("buy", Decimal(10), "en-CA")


@pytest.mark.parametrize(
    "exc",
    [
        requests.ConnectionError("refused"),
        requests.ReadTimeout("slow"),
        requests.ConnectTimeout("no route"),
        requests.exceptions.ChunkedEncodingError("cut"),
    ],
)
def test_network_failures_are_wrapped(client, mocked, exc):
    """No requests exception escapes: each becomes UnavailableError with the original chained."""
    client.max_retries = 0
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, body=exc)
    with pytest.raises(UnavailableError) as caught:
        client.order_by_merchant_order_id("A-1")
    assert caught.value.__cause__ is exc
    assert isinstance(caught.value, FlexitiError)


# -- retries -----------------------------------------------------------------------------------


def test_lookup_is_retried_on_5xx_with_backoff(client, mocked, sleeps):
    """A safe call is retried after 5xx answers, waiting longer each time, then succeeds."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, status=503, json={"error": "unavailable"})
    mocked.get(LOOKUP_URL, status=502, body=b"<html>bad gateway</html>")
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    assert client.order_by_merchant_order_id("A-1").status == "SUCCESS"
    assert len([c for c in mocked.calls if c.request.url == LOOKUP_URL]) == 3
    assert len(sleeps) == 2
    assert 0.125 <= sleeps[0] <= 0.25 and 0.25 <= sleeps[1] <= 0.5


def test_retries_stop_at_max_retries(client, mocked, sleeps):
    """After max_retries the last error is raised."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, status=500, json={})
    with pytest.raises(UnavailableError):
        client.order_by_merchant_order_id("A-1")
    assert len([c for c in mocked.calls if c.request.url == LOOKUP_URL]) == 3
    assert len(sleeps) == 2


def test_retry_after_is_honoured(client, mocked, sleeps):
    """A 429's Retry-After sets the wait before the next attempt."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, status=429, json={"error": "slow_down"}, headers={"Retry-After": "3"})
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    client.order_by_merchant_order_id("A-1")
    assert sleeps == [3.0]


def test_client_errors_are_not_retried(client, mocked, sleeps):
    """A 4xx is Flexiti's answer, not a glitch: no retry."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, status=409, json={"code": 404, "error": "not_found"})
    with pytest.raises(NotFoundError):
        client.order_by_merchant_order_id("A-1")
    assert sleeps == []


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "json": {"error": "unavailable"}},
        {"body": requests.ReadTimeout("read timed out")},
        {"body": requests.ConnectionError("connection reset by peer")},
    ],
)
def test_widget_init_is_never_retried_once_it_may_have_arrived(client, mocked, sleeps, failure):
    """A second init would open a second order, so init is sent once when it may have arrived."""
    init_url = f"{ONLINE}/online/v2/client-id/{CID}/systems/init"
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(init_url, **failure)
    with pytest.raises(UnavailableError):
        client.widget_init("buy", Decimal(10), "en-CA")
    assert len([c for c in mocked.calls if c.request.url == init_url]) == 1
    assert sleeps == []


def test_widget_init_is_retried_when_no_connection_was_made(client, mocked, sleeps):
    """A connect timeout proves the init never left, so it is safe to send again."""
    init_url = f"{ONLINE}/online/v2/client-id/{CID}/systems/init"
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(init_url, body=requests.ConnectTimeout("connect timed out"))
    mocked.post(init_url, json={"online_order_id": 5, "redirection_url": "https://f.test/"})
    assert client.widget_init("buy", Decimal(10), "en-CA").online_order_id == "5"
    assert len(sleeps) == 1


def test_timeouts_are_always_set(mocked):
    """Every request goes out with a connect and a read timeout."""
    seen = []

    class Recording(requests.Session):
        def request(self, *args, **kwargs):
            seen.append(kwargs["timeout"])
            return super().request(*args, **kwargs)

    client = FlexitiClient(
        CID, SECRET, online_api_url=ONLINE, pos_api_url=POS, timeout=1.5, session=Recording()
    )
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    client.order_by_merchant_order_id("A-1")
    assert seen == [(1.5, 1.5), (1.5, 1.5)]


# -- tokens ------------------------------------------------------------------------------------


def test_token_is_reused_per_scope(client, mocked):
    """One token per scope serves every call until it nears expiry."""
    mocked.post(TOKEN_URL, json=token_json(1, scope="merchant"))
    mocked.post(TOKEN_URL, json=token_json(2, scope="customer"))
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    mocked.post(
        f"{ONLINE}/online/client-id/{CID}/merchants/payment-availability",
        json={"enable_payment_gateway": True},
    )
    for _ in range(3):
        client.order_by_merchant_order_id("A-1")
        client.payment_availability(Decimal(100))
    assert [form(c)["scope"] for c in token_calls(mocked)] == ["merchant", "customer"]


def test_token_is_refreshed_before_expiry(client, mocked, clock):
    """With less than 60 s left, the refresh_token grant renews the token."""
    mocked.post(TOKEN_URL, json=token_json(1, scope="merchant"))
    mocked.post(TOKEN_URL, json=token_json(2, scope="merchant"))
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    client.order_by_merchant_order_id("A-1")
    clock.now += 1200 - 121  # two margins left: not yet due for renewal
    client.order_by_merchant_order_id("A-1")
    assert len(token_calls(mocked)) == 1
    clock.now += 62  # less than a minute before it stops being handed out
    client.order_by_merchant_order_id("A-1")
    client._tokens.wait_renewals()
    calls = token_calls(mocked)
    assert len(calls) == 2
    assert form(calls[1])["grant_type"] == "refresh_token"
    assert form(calls[1])["refresh_token"] == "refresh-1"
    client.order_by_merchant_order_id("A-1")
    assert mocked.calls[-1].request.headers["Authorization"] == "Bearer access-2"


def test_a_token_due_for_renewal_is_renewed_in_the_background(client, mocked, clock):
    """Between two margins and one before expiry, calls go out at once with the token in hand
    while one background call renews it; no caller waits for Flexiti's token answer."""
    release, renewing, renewed = threading.Event(), threading.Event(), threading.Event()
    answers = iter([token_json(1, scope="merchant"), token_json(2, scope="merchant")])

    def token_answer(request):
        body = next(answers)
        if body["access_token"] == "access-2":
            renewing.set()
            release.wait(5)
            renewed.set()
        return 200, {}, json.dumps(body)

    mocked.add_callback(responses.POST, TOKEN_URL, callback=token_answer)
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    client.order_by_merchant_order_id("A-1")
    clock.now += 1200 - 100

    for _ in range(5):
        client.order_by_merchant_order_id("A-1")

    assert renewing.wait(5) and not renewed.is_set()  # held: nobody waited for it
    assert all(
        call.request.headers["Authorization"] == "Bearer access-1"
        for call in mocked.calls
        if call.request.url == LOOKUP_URL
    )
    release.set()
    client._tokens.wait_renewals()
    client.order_by_merchant_order_id("A-1")
    assert renewed.is_set() and len(token_calls(mocked)) == 2
    assert mocked.calls[-1].request.headers["Authorization"] == "Bearer access-2"


def test_a_failed_background_renewal_is_not_repeated_at_once(client, mocked, clock):
    """Flexiti refusing the early renewal: calls go on with the token in hand, and the next
    background try waits 10 s instead of following every call."""
    mocked.post(TOKEN_URL, json=token_json(1, scope="merchant"))
    mocked.post(TOKEN_URL, status=503, json={"error": "unavailable"})
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    client.max_retries = 0
    client.order_by_merchant_order_id("A-1")
    clock.now += 1200 - 100
    for _ in range(3):
        client.order_by_merchant_order_id("A-1")
        client._tokens.wait_renewals()
    tries = len(token_calls(mocked))
    clock.now += 11
    client.order_by_merchant_order_id("A-1")
    client._tokens.wait_renewals()

    # a refresh grant, then a new grant after it, per background try
    assert tries == 1 + 2
    assert len(token_calls(mocked)) == 1 + 4
    lookups = [call for call in mocked.calls if call.request.url == LOOKUP_URL]
    assert {call.request.headers["Authorization"] for call in lookups} == {"Bearer access-1"}


def test_failed_refresh_falls_back_to_new_grant(client, mocked, clock):
    """If the refresh is refused, a fresh client_credentials grant is requested."""
    mocked.post(TOKEN_URL, json=token_json(1, scope="merchant"))
    mocked.post(TOKEN_URL, status=400, json={"code": 400, "error": "invalid_grant"})
    mocked.post(TOKEN_URL, json=token_json(3, scope="merchant"))
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    client.order_by_merchant_order_id("A-1")
    clock.now += 1190
    client.order_by_merchant_order_id("A-1")
    grants = [form(c)["grant_type"] for c in token_calls(mocked)]
    assert grants == ["client_credentials", "refresh_token", "client_credentials"]
    assert mocked.calls[-1].request.headers["Authorization"] == "Bearer access-3"


def test_expired_token_is_not_refreshed(client, mocked, clock):
    """After expiry a refresh is pointless (Flexiti refuses it): a new grant is requested."""
    mocked.post(TOKEN_URL, json=token_json(1, scope="merchant"))
    mocked.post(TOKEN_URL, json=token_json(2, scope="merchant"))
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    client.order_by_merchant_order_id("A-1")
    clock.now += 5000
    client.order_by_merchant_order_id("A-1")
    assert [form(c)["grant_type"] for c in token_calls(mocked)] == [
        "client_credentials",
        "client_credentials",
    ]


def test_invalid_token_is_dropped_and_call_retried_once(client, mocked):
    """A 401 invalid_token drops the token, fetches a new one and retries the call once."""
    mocked.post(TOKEN_URL, json=token_json(1, scope="merchant"))
    mocked.post(TOKEN_URL, json=token_json(2, scope="merchant"))
    mocked.get(LOOKUP_URL, status=401, json={"error": "invalid_token"})
    mocked.get(LOOKUP_URL, json=LOOKUP_SUCCESS)
    assert client.order_by_merchant_order_id("A-1").status == "SUCCESS"
    lookups = [c for c in mocked.calls if c.request.url == LOOKUP_URL]
    assert [c.request.headers["Authorization"] for c in lookups] == [
        "Bearer access-1",
        "Bearer access-2",
    ]


def test_invalid_token_twice_raises(client, mocked):
    """A second invalid_token in a row is raised instead of looping."""
    mocked.post(TOKEN_URL, json=token_json(1, scope="merchant"))
    mocked.post(TOKEN_URL, json=token_json(2, scope="merchant"))
    mocked.get(LOOKUP_URL, status=401, json={"error": "invalid_token"})
    with pytest.raises(AuthenticationError):
        client.order_by_merchant_order_id("A-1")
    assert len([c for c in mocked.calls if c.request.url == LOOKUP_URL]) == 2


def test_bad_credentials_are_authentication_errors(client, mocked):
    """invalid_client on the token call surfaces as AuthenticationError, not retried."""
    mocked.post(
        TOKEN_URL,
        status=400,
        json={
            "code": 400,
            "error": "invalid_client",
            "error_description": "Client credentials are invalid",
        },
    )
    with pytest.raises(AuthenticationError, match="client id, secret"):
        client.order_by_merchant_order_id("A-1")
    assert len(mocked.calls) == 1


# -- logs --------------------------------------------------------------------------------------


def test_one_log_line_per_call_without_secrets(client, mocked, caplog):
    """Each call logs method, path, status, duration and reference id, never secrets or PII."""
    mocked.post(TOKEN_URL, json=token_json())
    mocked.post(
        f"{ONLINE}/online/v2/client-id/{CID}/systems/init",
        json={"online_order_id": 9, "redirection_url": "https://flow.test/x"},
    )
    with caplog.at_level(logging.DEBUG, logger="flexiti_checkout"):
        client.widget_init(
            "buy", Decimal(10), "en-CA", fname="Tommy", dob="06/01/1981", reference_id="ref-log"
        )
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert "POST [online]/oauth/token -> 200" in lines[0]
    assert "POST [online]/online/v2/client-id/flexitidemo/systems/init -> 200" in lines[1]
    assert all("ref-log" in line and " ms " in line for line in lines)
    text = "\n".join(lines)
    for secret in (SECRET, "access-1", "refresh-1", "Tommy", "1981"):
        assert secret not in text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"transaction_id": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}", "nested deeper"),
        ('{"transaction_id": 1e999999999}', "out of range"),
        ('{"transaction_id": 1, "purchase": {"purchase_amount": NaN}}', "NaN"),
    ],
)
def test_hostile_json_answers_are_unavailable_not_crashes(client, mocked, body, reason):
    """A lookup answer nested too deep or with numbers out of range is UnavailableError."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    mocked.get(LOOKUP_URL, body=body, content_type="application/json")
    with pytest.raises(UnavailableError, match=reason):
        client.order_by_merchant_order_id("A-1")


@pytest.mark.parametrize("amount", ["1e999999999", "1E+25", "-1e-999999999"])
def test_amounts_as_strings_out_of_range_are_refused(client, mocked, amount):
    """A string amount like "1e999999999" in a lookup is refused before any arithmetic."""
    mocked.post(TOKEN_URL, json=token_json(scope="merchant"))
    answer = {
        **LOOKUP_SUCCESS,
        "purchase": {**LOOKUP_SUCCESS["purchase"], "purchase_amount": amount},
    }
    mocked.get(LOOKUP_URL, json=answer)
    with pytest.raises(UnavailableError, match="purchase"):
        client.order_by_merchant_order_id("A-1")
