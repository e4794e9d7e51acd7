"""The POS API methods against ``responses``: each request exactly as Flexiti writes it, and
each documented refusal mapped to its error class."""

from __future__ import annotations

import inspect
import json
from decimal import Decimal
from unittest.mock import Mock

import pytest
import responses

from flexiti_checkout import (
    AuthenticationError,
    ConflictError,
    ExceedsAmountError,
    FlexitiClient,
    InvalidRequestError,
    NotEnoughCreditError,
    NotFoundError,
    UnavailableError,
)
from flexiti_checkout.client.caller import pos_base
from flexiti_checkout.client.pos.customers import PosCustomers
from flexiti_checkout.client.pos.transactions import PosTransactions

ROOT = "https://posapi-training.flexiti.fi/flexiti/pos-api"
V25 = f"{ROOT}/v2.5"
V2 = f"{ROOT}/v2"
CID = "flexitidemo"
REF = "6f1c2a9e3b0d4d1e9a7b2c5d8e4f1a10"  # x-reference-id: 32 hex digits


@pytest.fixture
def client() -> FlexitiClient:
    return FlexitiClient(
        CID,
        "s3cret",
        online_api_url="https://online.test/flexiti/online-api",
        pos_api_url=V25,
        sleep=lambda seconds: None,
    )


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(
            f"{V25}/oauth/token",
            json={"access_token": "pos-token", "expires_in": 1200, "refresh_token": "r"},
        )
        yield rsps


def sent(mocked, index: int = -1) -> dict:
    """Method, URL, the two headers every call carries, and the JSON body of a call."""
    request = mocked.calls[index].request
    return {
        "method": request.method,
        "url": request.url,
        "authorization": request.headers.get("Authorization"),
        "reference_id": request.headers.get("x-reference-id"),
        "body": json.loads(request.body) if request.body else None,
    }


@pytest.mark.parametrize(
    ("configured", "version", "expected"),
    [
        (V25, "v2", V2),
        (V25 + "/", "v2.5", V25),
        (V2, "v2.5", V25),
        (ROOT, "v2", V2),
    ],
)
def test_pos_base_keeps_the_version_of_each_endpoint(configured, version, expected):
    """The v2 and v2.5 bases both come from the one configured POS URL."""
    assert pos_base(configured, version) == expected


def test_return_full_is_pinned(client, mocked):
    """A return without an amount posts return_type full to pos-api/v2 with token and id."""
    mocked.post(f"{V2}/client-id/{CID}/transactions/167635/return", json={})
    result = client.return_transaction("167635", reference_id=REF)
    assert sent(mocked) == {
        "method": "POST",
        "url": f"{V2}/client-id/{CID}/transactions/167635/return",
        "authorization": "Bearer pos-token",
        "reference_id": REF,
        "body": {"return_type": "full"},
    }
    assert (result.action, result.amount, result.reference_id) == ("return", None, REF)


def test_return_partial_sends_the_amount_as_a_string(client, mocked):
    """A partial return sends return_amount digit for digit, typed as Flexiti types it."""
    mocked.post(f"{V2}/client-id/{CID}/transactions/167635/return", json={})
    result = client.return_transaction(167635, Decimal("12.30"), reference_id=REF)
    assert sent(mocked)["body"] == {"return_type": "partial", "return_amount": "12.30"}
    assert result.amount == Decimal("12.30")


@pytest.mark.parametrize("action", ["post", "cancel"])
def test_post_and_cancel_are_pinned(client, mocked, action):
    """post_transaction and cancel_transaction post an empty object to their v2 path."""
    url = f"{V2}/client-id/{CID}/transactions/42/{action}"
    mocked.post(url, json={})
    result = getattr(client, f"{action}_transaction")("42", reference_id=REF)
    assert sent(mocked) == {
        "method": "POST",
        "url": url,
        "authorization": "Bearer pos-token",
        "reference_id": REF,
        "body": {},
    }
    assert (result.transaction_id, result.action, result.answer) == ("42", action, {})


def test_back_office_call_gets_a_fresh_reference_id(client, mocked):
    """Without a caller's id, the result names the id that went out on the request."""
    mocked.post(f"{V2}/client-id/{CID}/transactions/42/cancel", json={})
    result = client.cancel_transaction("42")
    assert sent(mocked)["reference_id"] == result.reference_id
    assert mocked.calls[0].request.headers["x-reference-id"] == result.reference_id


@pytest.mark.parametrize("amount", [0.5, Decimal("0"), Decimal("-1"), Decimal("1.001"), "x"])
def test_bad_return_amounts_never_leave(client, mocked, amount):
    """A float, zero, negative, sub-cent or non-numeric amount is refused before any call."""
    with pytest.raises((TypeError, ValueError)):
        client.return_transaction("42", amount)
    assert len(mocked.calls) == 0


def test_return_is_not_retried_after_a_timeout_once_sent(client, mocked):
    """A return whose answer never came is not sent a second time."""
    mocked.post(f"{V2}/client-id/{CID}/transactions/42/return", status=503, json={})
    with pytest.raises(UnavailableError):
        client.return_transaction("42", Decimal(5))
    assert len([c for c in mocked.calls if c.request.url.endswith("/return")]) == 1


@pytest.mark.parametrize(
    ("status", "body", "error_class", "code"),
    [
        (
            409,
            {"code": 409, "error": "not_enough_credit", "error_description": "not enough"},
            NotEnoughCreditError,
            "not_enough_credit",
        ),
        (
            409,
            {"code": 409, "error": "capture_amount_exceeded", "error_description": "too much"},
            ExceedsAmountError,
            "capture_amount_exceeded",
        ),
        (
            409,
            {"code": 404, "error": "not_found", "error_description": "not_found"},
            NotFoundError,
            "not_found",
        ),
        (
            409,
            {"code": 409, "error": "wrong_inputs", "error_description": "Some inputs are wrong!"},
            InvalidRequestError,
            "wrong_inputs",
        ),
        (
            409,
            {"code": 409, "error": "invalid_merchant", "error_description": "Invalid Merchant"},
            ConflictError,
            "invalid_merchant",
        ),
    ],
)
def test_back_office_refusals_map_to_error_classes(client, mocked, status, body, error_class, code):
    """Each refusal POS API v2 documents for post/cancel/return raises its own class."""
    mocked.post(f"{V2}/client-id/{CID}/transactions/7/return", status=status, json=body)
    with pytest.raises(error_class) as caught:
        client.return_transaction("7", Decimal("1.00"), reference_id=REF)
    assert (caught.value.status, caught.value.code, caught.value.reference_id) == (
        status,
        code,
        REF,
    )


def test_wrong_inputs_carry_their_field_errors(client, mocked):
    """A 409 wrong_inputs with field_errors names each field in the error."""
    mocked.post(
        f"{V2}/client-id/{CID}/transactions/7/cancel",
        status=409,
        json={
            "code": 409,
            "error": "wrong_inputs",
            "error_description": "Some inputs are wrong!",
            "field_errors": [{"param": "transaction_id", "msg": "is posted", "value": "7"}],
        },
    )
    with pytest.raises(InvalidRequestError) as caught:
        client.cancel_transaction("7")
    assert [(e.param, e.msg) for e in caught.value.field_errors] == [
        ("transaction_id", "is posted")
    ]
    assert "transaction_id: is posted" in str(caught.value)


URL = "/flexiti/pos-api/v2/client-id/flexitidemo/customers/43353/verify"


@pytest.mark.parametrize(
    ("status", "body", "error_class", "code"),
    [
        (409, {"code": 409, "error": "user_not_active", "error_description": "activate"},
         ConflictError, "user_not_active"),
        (409, {"code": 409, "error": "user_not_able_to_purchase", "error_description": "call"},
         ConflictError, "user_not_able_to_purchase"),
        (409, {"code": 409, "error": "verification_code_required",
               "error_description": "verification_code_required"},
         ConflictError, "verification_code_required"),
        (409, {"code": 409, "error": "wrong_verification_code",
               "error_description": "wrong_verification_code"},
         ConflictError, "wrong_verification_code"),
        (409, {"code": 409, "error": "invalid_transaction_type",
               "error_description": "invalid_transaction_type"},
         ConflictError, "invalid_transaction_type"),
        (409, {"url": URL, "message": "The answer you provided did not match our records.",
               "error": "secret_answer_mismatch"},
         ConflictError, "secret_answer_mismatch"),
        (409, {"url": URL, "message": "We\u2019re sorry, account number can\u2019t be found.",
               "error": "not_found"},
         NotFoundError, "not_found"),
        (409, {"url": URL, "message": "<h1>There are no purchases…</h1>",
               "error": "no_returns_found"},
         NotFoundError, "no_returns_found"),
        (400, {"url": URL, "message": "It has been following errors:", "error": "wrong_input",
               "field_errors": [{"param": "email", "msg": "invalid", "value": ""}]},
         InvalidRequestError, "wrong_input"),
        (409, {"url": URL, "message": "Some inputs are wrong!", "error": "wrong_input",
               "field_errors": [{"param": "email", "msg": "invalid", "value": ""}]},
         InvalidRequestError, "wrong_input"),
        (401, {"code": 401, "error": "unauthorized", "error_description": "Unauthorized"},
         AuthenticationError, "unauthorized"),
        (400, {"code": 400, "error": "invalid_client",
               "error_description": "Client credentials are invalid"},
         AuthenticationError, "invalid_client"),
    ],
)  # fmt: skip
def test_documented_pos_refusals_map_to_error_classes(
    client, mocked, status, body, error_class, code
):
    """Each refusal the POS API pages document, in either body shape, raises its class."""
    mocked.post(f"{V2}/client-id/{CID}/customers/43353/verify", status=status, json=body)
    with pytest.raises(error_class) as caught:
        client.verify_customer("43353", "email", reference_id=REF)
    assert (caught.value.status, caught.value.code, caught.value.reference_id) == (
        status,
        code,
        REF,
    )
    if "field_errors" in body:
        assert [e.param for e in caught.value.field_errors] == ["email"]


@pytest.mark.parametrize(
    ("attribute", "part"),
    [("pos_transactions", PosTransactions), ("pos_customers", PosCustomers)],
)
def test_the_client_offers_each_method_of_its_pos_parts(client, attribute, part):
    """FlexitiClient is composed of its POS parts: every public method of a part is a method of
    the client with the part's signature and docstring, and calls the part the client holds."""
    methods = sorted(name for name in vars(part) if not name.startswith("_"))
    assert methods  # the part has public methods to offer
    stand_in = Mock(spec=part)
    setattr(client, attribute, stand_in)
    for name in methods:
        offered = getattr(FlexitiClient, name)
        assert inspect.signature(offered) == inspect.signature(getattr(part, name)), name
        assert offered.__doc__ == getattr(part, name).__doc__, name
        answer = getattr(client, name)("x", reference_id=REF)
        getattr(stand_in, name).assert_called_once_with("x", reference_id=REF)
        assert answer is getattr(stand_in, name).return_value
