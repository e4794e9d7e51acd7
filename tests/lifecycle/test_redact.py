"""redact and extract_identifiers: stored callbacks keep ids and amounts, never personal data."""

from __future__ import annotations

import copy
import time
from decimal import Decimal
from typing import Any

import pytest

from flexiti_checkout.lifecycle.redact import REDACTED, extract_identifiers, redact, redact_text

R = REDACTED
MERCHANT, ONLINE, PROMO = "merchant_order_id", "online_order_id", "promo_id"
TRANSACTION = "transaction_id"  # the lookup's id: not widget init's online_order_id

#: The shape the Online API documents for the test-notification endpoint, with plausible values.
PURCHASE_NOTIFICATION = {
    "event": "purchase",
    "notificationType": "Success",
    "callback_url": "https://shop.example/flexiti/callback/s3cr3t",
    "username": 1042,
    "client_id": "flexitidemo",
    "purchase": {
        "customer_fname": "Tommy",
        "customer_lname": "Samson",
        "customer_dob": "06/01/1981",
        "customer_postal_code": "M2A2A2",
        "customer_id": 1293835,
        "purchase_status": "SUCCESS",
        "purchase_amount": "499.99",
        "administrative_fee": "0.00",
        "transaction_total_amount": 499.99,
        "vcc": 2374980012897093,
        "plan_id": 4,
        "term": 12,
        "promo_id": 382712,
        "customer_comparison_result": {
            "billing_information": {
                "first_name": 0,
                "last_name": 0.3333333333333333,
                "address_1": 1,
                "address_2": None,
                "city": 1,
                "postal_code": 0.4,
                "province": 1,
            },
            "shipping_information": {
                "address_1": 1,
                "address_2": None,
                "city": 1,
                "postal_code": 0.4,
                "province": 1,
            },
        },
    },
}

APPLY_NOTIFICATION = {
    "event": "apply",
    "notificationType": "Success",
    "callback_url": "https://shop.example/flexiti/callback/s3cr3t",
    "username": 1042,
    "client_id": "flexitidemo",
    "apply": {
        "customer_fname": "Tommy",
        "customer_lname": "Samson",
        "customer_dob": "1981-06-01",
        "customer_postal_code": "M2A 2A2",
        "apply_status": "SUCCESS",
        "customer_id": "1293836",
        "vcc": "2374980012897093",
    },
}


def test_purchase_notification_is_redacted() -> None:
    """Names, birth date, postal code and card go; ids, status, amounts, plan and scores stay."""
    expected = copy.deepcopy(PURCHASE_NOTIFICATION)
    expected["purchase"].update(  # type: ignore[attr-defined]
        customer_fname=R, customer_lname=R, customer_dob=R, customer_postal_code=R, vcc=R
    )
    assert redact(PURCHASE_NOTIFICATION) == expected


def test_apply_notification_is_redacted() -> None:
    """The apply notification loses the same personal fields and keeps its status and ids."""
    expected = copy.deepcopy(APPLY_NOTIFICATION)
    expected["apply"].update(  # type: ignore[attr-defined]
        customer_fname=R, customer_lname=R, customer_dob=R, customer_postal_code=R, vcc=R
    )
    assert redact(APPLY_NOTIFICATION) == expected


def test_input_is_left_alone() -> None:
    """redact returns a copy: the payload it was given is unchanged and not shared."""
    payload = copy.deepcopy(PURCHASE_NOTIFICATION)
    redacted = redact(payload)
    assert payload == PURCHASE_NOTIFICATION
    redacted["purchase"]["customer_comparison_result"]["billing_information"]["city"] = 0
    assert payload == PURCHASE_NOTIFICATION


@pytest.mark.parametrize(
    "key",
    [
        "customer_fname", "customerFname", "CUSTOMER_FNAME", "customer-fname",
        "fname", "lname", "mname", "first_name", "first-name", "firstName", "FirstName",
        "last_name", "middle_name", "name", "full_name", "cardholder", "cardholder_name",
        "dob", "customer_dob", "customerDob", "date_of_birth", "dateOfBirth", "birthdate",
        "postal_code", "customer_postal_code", "postalCode", "postalcode", "zip",
        "address_1", "address_2", "address1", "address", "street",
        "email", "Email", "phone", "phone_number", "phoneNumber",
        "vcc", "card_number", "cardNumber", "pan", "cc", "sin",
        "purchase[customer_fname]", "apply[customerLname]", "purchase.customer_dob",
    ],
)  # fmt: skip
def test_personal_keys_in_any_spelling(key: str) -> None:
    """A personal key is recognised in snake, camel, kebab, upper and form-field spellings."""
    assert redact({key: "Tommy 06/01/1981"}) == {key: R}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("online_order_id", 131209),
        ("merchant_orderid", "A-1042"),
        ("transaction_id", "131221"),
        ("promo_id", "382712"),
        ("customer_id", 1293835),
        ("purchase_status", "SUCCESS"),
        ("notificationType", "Cancelled"),
        ("purchase_amount", Decimal("499.99")),
        ("administrative_fee", "0.00"),
        ("term", 12),
        ("plan_id", "4"),
        ("city", "Toronto"),
        ("province", "ON"),
        ("date", "2022-06-13T22:20:01.552Z"),
        ("is_guest", True),
        ("nickname", "Tommy"),
    ],
)
def test_other_keys_are_kept(key: str, value: Any) -> None:
    """Keys that are not personal keep their values exactly, whatever their type."""
    assert redact({key: value}) == {key: value}


@pytest.mark.parametrize("value", [None, ""])
def test_empty_personal_values_are_kept(value: Any) -> None:
    """An empty personal field reveals nothing, and shows what Flexiti left blank."""
    assert redact({"customer_fname": value}) == {"customer_fname": value}


@pytest.mark.parametrize(
    "value", [12, 2374980012897093, {"line": "123 Any Street"}, ["Tommy", "Samson"], True]
)
def test_any_personal_value_is_redacted(value: Any) -> None:
    """Numbers, objects and lists under a personal key go entirely."""
    assert redact({"address": value, "vcc": value}) == {"address": R, "vcc": R}


def test_comparison_scores_are_kept_but_text_there_is_not() -> None:
    """Under customer_comparison_result numbers are match scores; a string is still redacted."""
    scores = {"customer_comparison_result": {"first_name": 0.5, "dob": None, "last_name": "Sam"}}
    expected = {"customer_comparison_result": {"first_name": 0.5, "dob": None, "last_name": R}}
    assert redact(scores) == expected


def test_outside_comparison_numbers_under_personal_keys_go() -> None:
    """The score exception applies only under customer_comparison_result."""
    assert redact({"billing_information": {"postal_code": 0.4}}) == {
        "billing_information": {"postal_code": R}
    }


def test_lists_and_nesting() -> None:
    """Personal keys are found at any depth, inside lists and tuples too."""
    payload = {"orders": [{"fname": "A", "id": 1}, ({"email": "a@b.ca"},)], "ok": [1, "x"]}
    assert redact(payload) == {"orders": [{"fname": R, "id": 1}, ({"email": R},)], "ok": [1, "x"]}


@pytest.mark.parametrize("scalar", ["plain text", 42, Decimal("1.50"), None, True])
def test_scalars_pass_through(scalar: Any) -> None:
    """A payload that is not a container comes back as it was (strings still scanned)."""
    assert redact(scalar) == scalar


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111111111111111 declined", f"card {R} declined"),
        ("card 4111 1111 1111 1111 declined", f"card {R} declined"),
        ("card 4111-1111-1111-1111.", f"card {R}."),
        ("amex 3782 822463 10005", f"amex {R}"),
        ("13 digits 4222222222222 ok", f"13 digits {R} ok"),
        ("19 digits 4000000000000000006", f"19 digits {R}"),
        ("card 4111 1111 1111 1111 2 times", f"card {R} 2 times"),
        ("card 4111 1111 1111 1111 123", f"card {R} 123"),
        ("order 123 4111 1111 1111 1111", f"order 123 {R}"),
        ("two 4012888888881881/5555555555554444", f"two {R}/{R}"),
        ("vcc:2374980012897093;", f"vcc:{R};"),
    ],
)
def test_card_numbers_in_text(text: str, expected: str) -> None:
    """Card numbers inside free text are replaced, however they are grouped."""
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order 1234567812345678 approved",  # 16 digits, fails Luhn: an order id, not a card
        "order 4111111111111112",  # one digit off a card: fails Luhn
        "order 411111111111",  # 12 digits: too short even though Luhn-valid prefixes exist
        "ref 41111111111111110000",  # 20 digits in one run: too long
        "phone 647-616-1234, postal M2A 2A2",
        "2022-06-13T22:20:01.552Z",
        "amount 499.99 term 12",
        "4111  1111  1111  1111",  # double spaces do not join groups
    ],
)
def test_text_that_is_not_a_card_is_kept(text: str) -> None:
    """Digit runs that fail the length or Luhn check are left as they were."""
    assert redact_text(text) == text


@pytest.mark.parametrize("text", ["1 " * 100_000, "123 " * 25_000, "1234-" * 20_000])
def test_long_digit_runs_are_scanned_quickly(text: str) -> None:
    """A hostile string of many digit groups is scanned in linear time.

    Linear scanning takes a fraction of a second here; the quadratic scan this guards against
    took over 7 s, so the generous bound only fails for that, not for a busy machine.
    """
    started = time.perf_counter()
    assert redact_text(text) == text
    assert time.perf_counter() - started < 5


def test_card_in_a_message_of_a_payload() -> None:
    """redact scans every string value, not only personal keys, for card numbers."""
    payload = {"message": "Card 4111 1111 1111 1111 was charged", "order_id": "1234567812345678"}
    assert redact(payload) == {"message": f"Card {R} was charged", "order_id": "1234567812345678"}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (PURCHASE_NOTIFICATION, {"promo_id": "382712"}),
        (
            {"merchant_orderid": "A-1042", "online_order_id": 131209, "promo_id": "382712"},
            {"merchant_order_id": "A-1042", "online_order_id": "131209", "promo_id": "382712"},
        ),
        ({"merchantOrderId": "A-1", "onlineOrderId": "9"}, {MERCHANT: "A-1", ONLINE: "9"}),
        ({"MERCHANT_ORDER_ID": " A-1 "}, {MERCHANT: "A-1"}),
        (
            {"merchant_order": "A-1", "transactionId": 131221},
            {MERCHANT: "A-1", TRANSACTION: "131221"},
        ),
        ({"reference": "A-1", "orderId": "131209"}, {MERCHANT: "A-1", ONLINE: "131209"}),
        ({"order_id": 131209.0, "promoId": Decimal("382712")}, {ONLINE: "131209", PROMO: "382712"}),
        (
            {"transaction_id": 131221, "flow": "buy", "purchase": {"promo_id": "382712"}},
            {TRANSACTION: "131221", PROMO: "382712"},
        ),
        ({"data": {"order": {"merchant_orderid": "deep"}}}, {MERCHANT: "deep"}),
        ({"events": [{"orderId": "in-a-list"}]}, {ONLINE: "in-a-list"}),
        ({"orderId": ["131209"], "merchantOrderId": ["A-1"]}, {ONLINE: "131209", MERCHANT: "A-1"}),
        ({"purchase[promo_id]": "382712"}, {PROMO: "382712"}),
        ({}, {}),
        ([], {}),
        (None, {}),
        ("merchant_orderid=A-1", {}),
    ],
)
def test_extract_identifiers(payload: Any, expected: dict[str, str]) -> None:
    """Order ids are found flat, nested, camelCased, form- or query-string-shaped, or not at all."""
    assert extract_identifiers(payload) == expected


def test_shallowest_identifier_wins() -> None:
    """An id at the top beats one deeper down, wherever each appears in the payload."""
    payload = {"nested": {"merchant_orderid": "deep"}, "merchant_orderid": "top"}
    assert extract_identifiers(payload) == {"merchant_order_id": "top"}


@pytest.mark.parametrize(
    "payload",
    [
        {"online_order_id": "first", "orderId": "second"},
        {"a": {"orderId": "first"}, "b": {"orderId": "second"}},
        {"events": [{"orderId": "first"}, {"orderId": "second"}]},
    ],
)
def test_first_identifier_at_a_depth_wins(payload: dict[str, Any]) -> None:
    """Between two ids at the same depth, the first in the payload wins."""
    assert extract_identifiers(payload) == {"online_order_id": "first"}


@pytest.mark.parametrize(
    "value", [None, "", "   ", True, False, {"id": "1"}, ["1", "2"], [], float("nan")]
)
def test_unusable_identifier_values_are_skipped(value: Any) -> None:
    """Empty, boolean and nested values are not ids, so a later usable one is taken instead."""
    payload = {"merchant_orderid": value, "inner": {"merchantOrderId": "A-1"}}
    assert extract_identifiers(payload) == {"merchant_order_id": "A-1"}


def test_identifiers_are_capped() -> None:
    """An absurdly long id is cut to 128 characters rather than stored whole."""
    found = extract_identifiers({"merchant_orderid": "x" * 1000})
    assert found == {"merchant_order_id": "x" * 128}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1e28"), "10000000000000000000000000000"),
        (Decimal("131209.000"), "131209"),
        (Decimal("1e999999999"), None),
        (Decimal("-1e999999999"), None),
        (Decimal("1e-999999999"), None),
        pytest.param(10**400, None, id="10**400"),
        (-7, None),
        ("A-1\x00", None),
        ("\ud800", None),
        ("A\n1", None),
    ],
)
def test_identifiers_are_printable_and_of_sensible_size(value: Any, expected: str | None) -> None:
    """Numbers Decimal cannot divide are ids; huge, negative or unprintable values are not."""
    found = extract_identifiers({"online_order_id": value})
    assert found == ({} if expected is None else {"online_order_id": expected})


def test_redaction_makes_text_storable() -> None:
    """NUL and lone surrogates in keys and values become U+FFFD; huge keys are cut."""
    stored = redact({"a\x00": "b\ud800", "k" * 1000: ["\udfff"]})
    assert stored == {"a\ufffd": "b\ufffd", "k" * 128: ["\ufffd"]}


def test_redaction_bounds_the_depth_of_what_it_stores() -> None:
    """A payload nested far deeper than any JSON we read is cut, not a RecursionError."""
    payload: Any = "leaf"
    for _ in range(5000):
        payload = {"a": [payload]}
    stored = redact(payload)
    depth = 0
    while isinstance(stored, (dict, list)):
        stored = stored["a"] if isinstance(stored, dict) else stored[0]
        depth += 1
    assert stored == "[too deep]"
    assert depth == 32


@pytest.mark.parametrize(
    "key", ["auth_token", "authToken", "token", "access_token", "refresh_token"]
)
def test_secrets_are_redacted_whatever_they_look_like(key):
    """Flexiti's auth_token and any token are secrets: redacted, even short or numeric ones."""
    redacted = redact({"orderId": "131209", key: "abc123", "nested": {key: 42}})
    assert redacted == {"orderId": "131209", key: REDACTED, "nested": {key: REDACTED}}


def test_order_id_from_flexitis_return_is_an_online_order_id():
    """Flexiti's proof of concept names its order ``orderId``: read as the online order id."""
    assert extract_identifiers({"orderId": "131209", "auth_token": "x"}) == {
        "online_order_id": "131209"
    }
