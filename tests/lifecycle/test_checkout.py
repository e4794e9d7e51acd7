"""validate_checkout and widget_init_arguments: what a shop may ask for, as Flexiti hears it."""

from __future__ import annotations

import inspect
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.errors import FlexitiError, InvalidCheckoutError
from flexiti_checkout.lifecycle.checkout import (
    Address,
    CheckoutRequest,
    widget_init_arguments,
)
from flexiti_checkout.lifecycle.validation import validate_checkout

ADDRESS = {
    "first_name": "Tom",
    "last_name": "Samson",
    "address_1": "123 Any Street",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M2A 2A2",
}
BASE = {"merchant_order_id": "A-1042", "amount": "499.99", "billing": ADDRESS, "shipping": ADDRESS}


def years_ago(years: int, *, days: int = 0) -> date:
    """The date ``years`` years before today (Feb 29 becomes Feb 28), plus ``days``."""
    today = date.today()
    try:
        then = today.replace(year=today.year - years)
    except ValueError:
        then = today.replace(year=today.year - years, day=28)
    return then + timedelta(days=days)


def with_field(field: str, value: Any) -> dict[str, Any]:
    """BASE with one field set; ``billing.x`` sets a field of the billing address."""
    if field.startswith("billing."):
        return {**BASE, "billing": {**ADDRESS, field.split(".", 1)[1]: value}}
    return {**BASE, field: value}


def stored(request: CheckoutRequest, field: str) -> Any:
    if field.startswith("billing."):
        return getattr(request.billing, field.split(".", 1)[1])
    return getattr(request, field)


def errors_of(data: Any) -> dict[str, list[str]]:
    with pytest.raises(InvalidCheckoutError) as caught:
        validate_checkout(data)
    return caught.value.errors


# -- fields: good values and what they become ------------------------------------------------


@pytest.mark.parametrize(
    ("field", "given", "expected"),
    [
        ("merchant_order_id", "A-1042", "A-1042"),
        ("merchant_order_id", "1042", "1042"),
        ("merchant_order_id", "x" * 64, "x" * 64),
        ("merchant_order_id", "web/order-12_b", "web/order-12_b"),
        ("amount", "499.99", Decimal("499.99")),
        ("amount", " 10.5 ", Decimal("10.50")),
        ("amount", "10", Decimal("10.00")),
        ("amount", "10.500", Decimal("10.50")),
        ("amount", "1000000", Decimal("1000000.00")),
        ("amount", "0.01", Decimal("0.01")),
        ("amount", 10, Decimal("10.00")),
        ("amount", Decimal("499.99"), Decimal("499.99")),
        ("amount", Decimal("1E+2"), Decimal("100.00")),
        ("flow", "apply/buy", "apply/buy"),
        ("flow", "Apply", "apply"),
        ("lang", "en", "en"),
        ("lang", "fr", "fr"),
        ("lang", "en-CA", "en"),
        ("lang", "fr-CA", "fr"),
        ("lang", "FR-ca", "fr"),
        ("lang", " EN ", "en"),
        ("lang", "fr_CA", "fr"),  # the one language rule: money.normalize_lang
        ("email", "test@flexiti.com", "test@flexiti.com"),
        ("email", " Tommy.Samson@Example.CA ", "Tommy.Samson@Example.CA"),
        ("email", "", None),
        ("email", None, None),
        ("phone", "6476161234", "6476161234"),
        ("phone", "647-616-1234", "6476161234"),
        ("phone", "(647) 616-1234", "6476161234"),
        ("phone", "647.616.1234", "6476161234"),
        ("phone", "+1 647 616 1234", "6476161234"),
        ("phone", "1-647-616-1234", "6476161234"),
        ("phone", "16476161234", "6476161234"),
        ("phone", "  ", None),
        ("first_name", " Tommy ", "Tommy"),
        ("middle_name", "", None),
        ("last_name", "Samson-Tremblay", "Samson-Tremblay"),
        ("date_of_birth", "1981-06-01", date(1981, 6, 1)),
        ("date_of_birth", date(1981, 6, 1), date(1981, 6, 1)),
        ("date_of_birth", years_ago(18), years_ago(18)),
        ("date_of_birth", years_ago(121, days=1), years_ago(121, days=1)),
        ("customer_id", "1293835", "1293835"),
        ("vcc", "2374980012897093", "2374980012897093"),
        ("vcc", " 2374 9800 1289 7093 ", "2374980012897093"),
        ("vcc", "2374-9800-1289-7093", "2374980012897093"),
        ("salutation", " mr ", "mr"),
        ("has_previous_purchase", True, True),
        ("is_guest", True, True),
        ("is_guest", False, False),
        ("is_guest", None, None),
        ("billing.province", "on", "ON"),
        ("billing.province", " qc ", "QC"),
        ("billing.province", "Yt", "YT"),
        ("billing.postal_code", "M5V 2T6", "M5V2T6"),
        ("billing.postal_code", "m5v2t6", "M5V2T6"),
        ("billing.postal_code", "M5V-2T6", "M5V2T6"),
        ("billing.postal_code", " k1a 0b1 ", "K1A0B1"),
        ("billing.postal_code", "T2W 1Z9", "T2W1Z9"),  # W and Z are fine after the first letter
        ("billing.address_2", "Unit 4", "Unit 4"),
        ("billing.address_2", None, ""),
        ("billing.first_name", "  Tom ", "Tom"),
    ],
)
def test_good_values_are_normalised(field: str, given: Any, expected: Any) -> None:
    """Each accepted spelling of a field is stored in one normal form."""
    assert stored(validate_checkout(with_field(field, given)), field) == expected


def test_defaults() -> None:
    """Only the order id, amount and addresses are needed; the rest defaults to apply/buy (the
    flow Flexiti's widget init documents without a customer id or card), en, empty."""
    request = validate_checkout(BASE)
    assert (request.flow, request.lang) == ("apply/buy", "en")
    assert request.email is request.phone is request.date_of_birth is request.is_guest is None
    assert request.billing == Address(**{**ADDRESS, "postal_code": "M2A2A2"})


# -- fields: bad values and what the shop is told ---------------------------------------------


@pytest.mark.parametrize(
    ("field", "given", "message"),
    [
        ("merchant_order_id", 1042, "must be a string (send order numbers as strings"),
        ("merchant_order_id", "", "must have 1 to 64 characters"),
        ("merchant_order_id", "x" * 65, "must have 1 to 64 characters"),
        ("merchant_order_id", " A-1", "may hold only letters, digits"),
        ("merchant_order_id", "A-1\n", "may hold only letters, digits"),
        ("merchant_order_id", "A\x00B", "may hold only letters, digits"),
        ("merchant_order_id", "commande-é", "may hold only letters, digits"),
        ("merchant_order_id", None, "is required"),
        ("amount", 499.99, "must not be a float: send a string"),
        ("amount", 10.0, "or a Decimal"),
        ("amount", "abc", "must be a number such as 499.00, not 'abc'"),
        ("amount", "1e3", "must be a number"),
        ("amount", "1_000", "must be a number"),
        ("amount", "1,000.00", "must be a number"),
        ("amount", "$10", "must be a number"),
        ("amount", "NaN", "must be a number"),
        ("amount", Decimal("NaN"), "must be a finite number"),
        ("amount", Decimal("Infinity"), "must be a finite number"),
        ("amount", True, "must be a number"),
        ("amount", [10], "must be a number"),
        ("amount", None, "is required"),
        ("amount", "0", "must be greater than zero"),
        ("amount", "0.00", "must be greater than zero"),
        ("amount", "-5", "cannot be negative"),
        ("amount", "10.001", "must have at most 2 decimal places"),
        ("amount", Decimal("0.001"), "must have at most 2 decimal places"),
        ("amount", "1000000.01", "must be at most 1000000.00"),
        ("amount", 2_000_000, "must be at most 1000000.00"),
        ("amount", 10**30, "must be at most 1000000.00"),
        ("amount", Decimal("1E+999999999"), "must be at most 1000000.00"),
        ("flow", "lend", "must be one of buy, apply, apply/buy"),
        ("flow", "", "must be one of buy, apply, apply/buy"),
        ("flow", 1, "must be a string"),
        ("flow", None, "is required"),
        ("lang", "de", "must be one of en, fr, en-CA, fr-CA"),
        ("lang", "en-US", "must be one of en, fr, en-CA, fr-CA"),
        ("lang", "english", "must be one of en, fr, en-CA, fr-CA"),
        ("email", "not-an-email", "is not an email address like name@example.com"),
        ("email", "tommy@", "is not an email address"),
        ("email", 5, "must be a string"),
        ("phone", "555-1234", "is not a 10-digit phone number like 647-616-1234"),
        ("phone", "647616123", "is not a 10-digit phone number"),
        ("phone", "64761612345", "is not a 10-digit phone number"),
        ("phone", "+44 20 7946 0958", "is not a 10-digit phone number"),
        ("phone", "647-616-123a", "is not a 10-digit phone number"),
        ("phone", 6476161234, "must be a string"),
        ("first_name", 5, "must be a string"),
        ("last_name", "x" * 201, "must have at most 200 characters"),
        ("date_of_birth", "06/01/1981", "must be a date written YYYY-MM-DD"),
        ("date_of_birth", "1981-6-1", "must be a date written YYYY-MM-DD"),
        ("date_of_birth", "1981-02-30", "is not a real date"),
        ("date_of_birth", 19810601, "must be a date written YYYY-MM-DD"),
        ("date_of_birth", datetime(1981, 6, 1), "must be a date written YYYY-MM-DD"),
        ("date_of_birth", date.today(), "must be in the past"),
        ("date_of_birth", years_ago(-1), "must be in the past"),
        ("date_of_birth", years_ago(18, days=1), "someone at least 18 years old"),
        ("date_of_birth", years_ago(121), "someone at most 120 years old"),
        ("customer_id", 1293835, "must be a string"),
        ("vcc", 2374980012897093, "must be a string"),
        ("is_guest", "true", "must be true or false"),
        ("is_guest", 1, "must be true or false"),
        ("billing.province", "XX", "must be a province or territory code: AB, BC, MB"),
        ("billing.province", "Ontario", "must be a province or territory code"),
        ("billing.postal_code", "D1A 1A1", "is not a Canadian postal code like M5V 2T6"),
        ("billing.postal_code", "W1A 1A1", "is not a Canadian postal code"),
        ("billing.postal_code", "Z1A 1A1", "is not a Canadian postal code"),
        ("billing.postal_code", "M5U 2T6", "is not a Canadian postal code"),
        ("billing.postal_code", "M5V 2O6", "is not a Canadian postal code"),
        ("billing.postal_code", "M5V 2T", "is not a Canadian postal code"),
        ("billing.postal_code", "M5V 2T66", "is not a Canadian postal code"),
        ("billing.postal_code", "M5V  2T6", "is not a Canadian postal code"),
        ("billing.postal_code", "90210", "is not a Canadian postal code"),
        ("billing.first_name", "  ", "must not be blank"),
        ("billing.city", None, "is required"),
        ("billing.address_2", 4, "must be a string"),
    ],
)
def test_bad_values_are_refused_with_a_specific_message(
    field: str, given: Any, message: str
) -> None:
    """Each bad value is reported under its dotted field name, saying what is wrong."""
    errors = errors_of(with_field(field, given))
    assert list(errors) == [field]
    assert any(message in found for found in errors[field]), errors


@pytest.mark.parametrize("field", ["first_name", "last_name", "address_1", "city", "province"])
def test_address_fields_are_required(field: str) -> None:
    """An address without one of its required fields names that field."""
    billing = {key: value for key, value in ADDRESS.items() if key != field}
    assert errors_of({**BASE, "billing": billing}) == {f"billing.{field}": ["is required"]}


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"amount": "1", "flow": "apply"}, {"merchant_order_id": ["is required"]}),
        ({**BASE, "amout": "1"}, {"amout": ["is not a checkout field"]}),
        (
            {**BASE, "billing": {**ADDRESS, "zip": "M2A2A2"}},
            {"billing.zip": ["is not an address field"]},
        ),
        (
            {**BASE, "shipping": "123 Any Street"},
            {
                "shipping": [
                    "must be an address (first_name, last_name, address_1, city, province, "
                    "postal_code)"
                ]
            },
        ),
        ([BASE], {"request": ["must be an object of checkout fields"]}),
    ],
)
def test_structure_errors(data: Any, errors: dict[str, list[str]]) -> None:
    """Strict schemas: a missing, unknown or misshapen field is an error, never ignored."""
    assert errors_of(data) == errors


# -- flows and addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flow", "present", "errors"),
    [
        (
            "buy",
            {},
            {
                "billing": ["is required for the buy flow"],
                "shipping": ["is required for the buy flow"],
            },
        ),
        ("buy", {"billing": ADDRESS}, {"shipping": ["is required for the buy flow"]}),
        ("apply/buy", {"shipping": ADDRESS}, {"billing": ["is required for the apply/buy flow"]}),
        (
            "buy",
            {"billing": None, "shipping": ADDRESS},
            {"billing": ["is required for the buy flow"]},
        ),
        (
            "buy",
            {"billing": {**ADDRESS, "postal_code": "nope"}, "shipping": ADDRESS},
            {"billing.postal_code": ["is not a Canadian postal code like M5V 2T6"]},
        ),
        ("apply", {}, {}),
        ("apply", {"billing": ADDRESS}, {}),
        ("buy", {"billing": ADDRESS, "shipping": ADDRESS}, {}),
    ],
)
def test_addresses_required_for_purchase_flows(
    flow: str, present: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """buy and apply/buy need both addresses; apply needs none; a bad address is not 'missing'."""
    data = {"merchant_order_id": "A-1", "amount": "10", "flow": flow, **present}
    data["customer_id"] = "1293835"  # what buy needs besides addresses
    if errors:
        assert errors_of(data) == errors
    else:
        assert validate_checkout(data).flow == flow


def test_all_errors_are_reported_at_once() -> None:
    """Several bad fields are reported together, alongside a missing address."""
    data = {"merchant_order_id": 7, "amount": 1.5, "email": "x", "billing": ADDRESS}
    assert errors_of(data) == {
        "merchant_order_id": ['must be a string (send order numbers as strings, e.g. "1042")'],
        "amount": [
            'must not be a float: send a string such as "499.99" or a Decimal '
            "(parse JSON with parse_float=Decimal)"
        ],
        "email": ["is not an email address like name@example.com"],
        "shipping": ["is required for the apply/buy flow"],
    }


# -- the error --------------------------------------------------------------------------------


def test_invalid_checkout_message() -> None:
    """str() lists each bad field with its message, says what to do, and repeats no value."""
    data = with_field("billing.postal_code", "D0A 0A0")
    data = {**data, "amount": "10.001", "email": "tommy.secret@"}
    with pytest.raises(InvalidCheckoutError) as caught:
        validate_checkout(data)
    message = str(caught.value)
    assert message == (
        "The checkout request is invalid: amount must have at most 2 decimal places; "
        "email is not an email address like name@example.com; "
        "billing.postal_code is not a Canadian postal code like M5V 2T6. "
        "Correct these fields and start the checkout again."
    )
    assert "tommy.secret" not in message and "D0A" not in message


def test_invalid_checkout_is_the_shops_error() -> None:
    """InvalidCheckoutError is a ValueError about the shop's input, not a FlexitiError."""
    assert issubclass(InvalidCheckoutError, ValueError)
    assert not issubclass(InvalidCheckoutError, FlexitiError)


# -- input forms ------------------------------------------------------------------------------


def test_dataclass_input_is_validated_and_normalised() -> None:
    """A CheckoutRequest built by shop code goes through the same checks and normalisation."""
    given = CheckoutRequest(
        merchant_order_id="A-1",
        amount="10.5",  # type: ignore[arg-type]  # a str amount is accepted at run time
        lang="fr-CA",
        phone="(647) 616-1234",
        date_of_birth="1981-06-01",  # type: ignore[arg-type]
        billing=Address(**{**ADDRESS, "province": "on"}),
        shipping=Address(**ADDRESS),
    )
    request = validate_checkout(given)
    assert request.amount == Decimal("10.50")
    assert (request.lang, request.phone) == ("fr", "6476161234")
    assert request.date_of_birth == date(1981, 6, 1)
    assert request.billing is not None and request.billing.province == "ON"
    assert request.shipping is not None and request.shipping.postal_code == "M2A2A2"


def test_dataclass_input_errors() -> None:
    """A bad CheckoutRequest is refused with the same dotted field names as JSON."""
    given = CheckoutRequest(
        merchant_order_id="A-1",
        amount=Decimal("10.001"),
        billing=Address(**{**ADDRESS, "postal_code": "12345"}),
    )
    assert errors_of(given) == {
        "amount": ["must have at most 2 decimal places"],
        "billing.postal_code": ["is not a Canadian postal code like M5V 2T6"],
        "shipping": ["is required for the apply/buy flow"],
    }


def test_json_parsed_with_decimal_floats_is_accepted() -> None:
    """JSON parsed with parse_float=Decimal gives an exact amount; parsed with floats, a refusal."""
    body = json.dumps({**BASE, "amount": "@"}).replace('"@"', "499.99")
    assert validate_checkout(json.loads(body, parse_float=Decimal)).amount == Decimal("499.99")
    assert "amount" in errors_of(json.loads(body))


def test_validation_is_idempotent() -> None:
    """A validated request passes validation again unchanged, so callers may re-check it."""
    request = validate_checkout(
        {**BASE, "phone": "+1 647 616 1234", "date_of_birth": "1981-06-01", "lang": "fr-CA"}
    )
    assert validate_checkout(request) == request


def test_validated_request_is_frozen() -> None:
    """A validated request cannot be changed afterwards."""
    request = validate_checkout(BASE)
    with pytest.raises(AttributeError):
        request.amount = Decimal(1)  # type: ignore[misc]


# -- widget init ------------------------------------------------------------------------------


FLEXITI_ADDRESS = {
    "first_name": "Tom",
    "last_name": "Samson",
    "address_1": "123 Any Street",
    "address_2": "",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M2A2A2",
}


def test_widget_init_arguments_with_everything() -> None:
    """Every field maps to Flexiti's name and format: fname, phone_number, dob as MM/DD/YYYY, the
    billing address as the application's pre-filled address."""
    request = validate_checkout(
        {
            **BASE,
            "flow": "apply/buy",
            "lang": "fr-CA",
            "amount": "3000",
            "salutation": "mr",
            "email": "test@flexiti.com",
            "phone": "647-616-1234",
            "first_name": "Tommy",
            "middle_name": "J",
            "last_name": "Samson",
            "date_of_birth": "1981-06-01",
            "shipping": {**ADDRESS, "address_2": "Unit 4"},
            "customer_id": "1293835",
            "vcc": "2374980012897093",
            "is_guest": False,
            "has_previous_purchase": True,
        }
    )
    arguments = widget_init_arguments(request)
    assert arguments == {
        "flow": "apply/buy",
        "amount_requested": Decimal("3000.00"),
        "lang": "fr-CA",
        "merchant_order_id": "A-1042",
        "billing_information": FLEXITI_ADDRESS,
        "shipping_information": {**FLEXITI_ADDRESS, "address_2": "Unit 4"},
        "salutation": "mr",
        "email": "test@flexiti.com",
        "phone_number": "6476161234",
        "fname": "Tommy",
        "mname": "J",
        "lname": "Samson",
        "dob": "06/01/1981",
        "address_1": "123 Any Street",
        "city": "Toronto",
        "province": "ON",
        "postal_code": "M2A2A2",
        "customer_id": "1293835",
        "vcc": "2374980012897093",
        "is_guest": False,
        "has_previous_purchase": True,
    }
    assert str(arguments["amount_requested"]) == "3000.00"


def test_widget_init_arguments_minimal() -> None:
    """An apply request without prefill sends no empty fields and no addresses."""
    request = validate_checkout({"merchant_order_id": "A-1", "amount": 5, "flow": "apply"})
    assert widget_init_arguments(request) == {
        "flow": "apply",
        "amount_requested": Decimal("5.00"),
        "lang": "en-CA",
        "merchant_order_id": "A-1",
    }


def test_widget_init_arguments_fit_the_client() -> None:
    """The arguments bind to FlexitiClient.widget_init, reference_id left for the caller."""
    arguments = widget_init_arguments(validate_checkout(BASE))
    bound = inspect.signature(FlexitiClient.widget_init).bind(None, **arguments)
    assert "reference_id" not in bound.arguments
    assert set(bound.arguments) >= {"flow", "amount_requested", "lang", "merchant_order_id"}


# -- repr -------------------------------------------------------------------------------------


def test_repr_shows_the_order_only() -> None:
    """repr names the order, amount, flow and language, and of a card number its last four
    digits: nothing else personal."""
    request = validate_checkout(
        {
            **BASE,
            "email": "tommy@example.com",
            "phone": "6476161234",
            "first_name": "Tommy",
            "middle_name": "Jean",
            "last_name": "Samson",
            "date_of_birth": "1981-06-01",
            "vcc": "2374980012897093",
            "customer_id": "1293835",
        }
    )
    text = repr(request)
    assert text == (
        "CheckoutRequest(merchant_order_id='A-1042', amount=Decimal('499.99'), "
        "flow='apply/buy', lang='en', vcc='…7093')"
    )
    assert str(request) == text
    for personal in ("Tommy", "Jean", "Samson", "tommy@", "6476161234", "1981", "2374", "Any"):
        assert personal not in text


def test_address_repr_shows_the_province_only() -> None:
    """An address printed on its own reveals only its province."""
    assert repr(Address(**ADDRESS)) == "Address(province='ON')"


# -- flows as Flexiti's widget init table says ------------------------------------------------


BUY_WITHOUT_CUSTOMER = (
    "is required for the buy flow unless vcc is given: send the customer's Flexiti customer id "
    "or card number, or use the apply/buy flow, where the customer signs in to Flexiti or applies"
)


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({}, {"customer_id": [BUY_WITHOUT_CUSTOMER]}),
        ({"customer_id": " ", "vcc": ""}, {"customer_id": [BUY_WITHOUT_CUSTOMER]}),
        ({"customer_id": "1293835"}, {}),
        ({"vcc": "2374980012897093"}, {}),
        (
            {"vcc": "2374"},
            {"vcc": ["is not a card number: 13 to 19 digits, spaces or hyphens allowed"]},
        ),
    ],
)
def test_buy_needs_a_customer_id_or_a_card_number(
    given: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """buy without customer_id or vcc is refused before anything is sent, saying what is missing
    and what to do; a card number that is given but malformed gets its own error."""
    data = {**BASE, "flow": "buy", **given}
    if errors:
        assert errors_of(data) == errors
    else:
        assert validate_checkout(data).flow == "buy"


def test_a_bad_card_number_is_never_echoed() -> None:
    """The refusal of a malformed card number names the field, not the digits."""
    with pytest.raises(InvalidCheckoutError) as caught:
        validate_checkout({**BASE, "vcc": "2374 9800 1289 709X"})
    assert "2374" not in str(caught.value) and "709" not in str(caught.value)


@pytest.mark.parametrize(
    ("flow", "prefilled"),
    [("apply", True), ("apply/buy", True), ("buy", False)],
)
def test_prefill_goes_with_the_flows_whose_form_it_fills(flow: str, prefilled: bool) -> None:
    """salutation, contact, names, date of birth and the address pre-fill the application form
    of apply and apply/buy (Online API, widget init); buy sends only what buys."""
    request = validate_checkout(
        {
            **BASE,
            "flow": flow,
            "salutation": "ms",
            "email": "t@example.com",
            "first_name": "T",
            "customer_id": "1293835",
        }
    )
    arguments = widget_init_arguments(request)
    prefill = {"salutation", "email", "fname", "address_1", "postal_code"}
    assert prefill & set(arguments) == (prefill if prefilled else set())
    assert arguments["customer_id"] == "1293835"


def test_widget_init_gives_flexiti_the_id_it_knows_the_order_by() -> None:
    """A numeric merchant order id for Flexiti replaces the shop's in widget init only."""
    request = validate_checkout(BASE)
    arguments = widget_init_arguments(request, merchant_order_id="123456789")
    assert arguments["merchant_order_id"] == "123456789"
    assert request.merchant_order_id == "A-1042"
