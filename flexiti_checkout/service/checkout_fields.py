"""What each checkout field takes, in OpenAPI terms: the server's parsers, as patterns.

``lifecycle.validation`` reads each field with a small parser that apispec cannot see through;
this table says what each parser accepts, so that the document allows exactly what the server
does (``tests/service/test_openapi_fields.py`` holds the two together). Values a shop would
naturally send are accepted and normalised (a postal code in lower case, a province with blanks
around), and the patterns say so; values no shop means (control characters, an order id outside
printable ASCII) are refused by both.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from flexiti_checkout.lifecycle.checkout import DEFAULT_FLOW, PROVINCES
from flexiti_checkout.lifecycle.validation import (
    CARD_DIGITS,
    MAX_ORDER_ID,
    MAX_SALUTATION,
    MAX_TEXT,
    ORDER_ID_PATTERN,
    PHONE_PATTERN,
    ROUTE_WORDS,
    AddressSchema,
    CheckoutSchema,
    _Parsed,
)
from flexiti_checkout.models import FLOWS
from flexiti_checkout.service.schemas import AMOUNT_IN, NOT_BLANK_TEXT, PRINTABLE_SPACES, SPACE

# Not blank, no control characters (what ``validation._text`` accepts).
_TEXT = {
    "type": "string",
    "maxLength": MAX_TEXT,
    "pattern": NOT_BLANK_TEXT,
}
#: Blanks that are not control characters: what an optional field reads as absent.
_BLANK = f"[{PRINTABLE_SPACES}]*"
# Optional text: blank is read as absent, anything else as above.
_OPTIONAL_TEXT = {"type": "string", "maxLength": MAX_TEXT, "pattern": r"^[^\x00-\x1f\x7f]*$"}


def any_case(*words: str) -> str:
    """A pattern for ``words`` in any letter case with blanks around, as the server reads them."""
    spelled = ("".join(f"[{c}{c.lower()}]" if c.isalpha() else c for c in w.upper()) for w in words)
    return f"^{SPACE}*(?:" + "|".join(spelled) + f"){SPACE}*$"


_POSTAL_CODE = (
    f"^{SPACE}*"
    r"[ABCEGHJ-NPRSTVXYabceghj-nprstvxy][0-9][ABCEGHJ-NPRSTV-Zabceghj-nprstv-z][ -]?"
    r"[0-9][ABCEGHJ-NPRSTV-Zabceghj-nprstv-z][0-9]"
    f"{SPACE}*$"
)
FIELD_TYPES: dict[type[Schema], dict[str, dict[str, Any]]] = {
    CheckoutSchema: {
        "merchant_order_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_ORDER_ID,
            "pattern": f"^(?!(?:.*/)?(?:{'|'.join(sorted(ROUTE_WORDS))})(?:/|$))"
            f"{ORDER_ID_PATTERN}$",
            "description": "Your order id. One Flexiti order per id: starting it again while "
            "pending returns the same Flexiti order. Letters, digits, - . _ ~ and / between "
            "parts; no part only dots or one of the words the order's URLs use.",
        },
        "amount": {
            **AMOUNT_IN,
            "example": "499.00",
            "description": "Dollars, 0.01 to 1000000.00, as a string (a whole JSON number is "
            "accepted; a number with a fraction is refused).",
        },
        "flow": {
            "type": "string",
            "pattern": any_case(*FLOWS),
            "default": DEFAULT_FLOW,
            "description": "apply, buy or apply/buy, in any case. buy needs customer_id or "
            "vcc; without either, use apply/buy (the default)",
        },
        "lang": {
            "type": "string",
            "pattern": any_case("en", "fr", "en-CA", "fr-CA", "en_CA", "fr_CA"),
            "default": "en",
            "description": "en or fr, or en-CA or fr-CA, in any case",
        },
        "salutation": {
            **_OPTIONAL_TEXT,
            "maxLength": MAX_SALUTATION,
            "example": "mr",
            "description": "Pre-fills the application form (apply and apply/buy flows)",
        },
        "email": {
            "type": "string",
            "anyOf": [{"format": "email"}, {"pattern": f"^{_BLANK}$"}],
            "description": "An email address; blank is read as absent",
        },
        "phone": {
            "type": "string",
            "pattern": f"^(?:{SPACE}*{PHONE_PATTERN}{SPACE}*|{_BLANK})$",
            "example": "647-616-1234",
        },
        "first_name": _OPTIONAL_TEXT,
        "middle_name": _OPTIONAL_TEXT,
        "last_name": _OPTIONAL_TEXT,
        # The shape only: "a real day, 18 to 120 years ago" moves with today, which no pattern
        # can say; the server refuses the rest with 400 naming the field.
        "date_of_birth": {
            "type": "string",
            "pattern": f"^(?:{SPACE}*" + r"[0-9]{4}-[0-9]{2}-[0-9]{2}" + f"{SPACE}*|{_BLANK})$",
            "example": "1981-06-01",
            "description": "YYYY-MM-DD: a real date, of someone 18 to 120 years old; blank is "
            "read as absent",
        },
        "customer_id": {
            **_OPTIONAL_TEXT,
            "description": "The customer's Flexiti customer id, if you know it (the buy flow "
            "needs it or vcc)",
        },
        "vcc": {
            "type": "string",
            "pattern": f"^(?:{SPACE}*[0-9](?:[ -]?[0-9]){{{CARD_DIGITS.start - 1},"
            f"{CARD_DIGITS.stop - 2}}}{SPACE}*|{_BLANK})$",
            "writeOnly": True,
            "description": "The customer's Flexiti card number, if you know it (the buy flow "
            "needs it or customer_id): personal data, sent to Flexiti and never stored",
        },
        "is_guest": {"type": "boolean"},
        "has_previous_purchase": {"type": "boolean"},
    },
    AddressSchema: {
        "first_name": _TEXT,
        "last_name": _TEXT,
        "address_1": _TEXT,
        "address_2": _OPTIONAL_TEXT,
        "city": _TEXT,
        "province": {
            "type": "string",
            "pattern": any_case(*PROVINCES),
            "example": "ON",
            "description": "A province or territory code, in any case (stored in capitals)",
        },
        "postal_code": {
            "type": "string",
            "pattern": _POSTAL_CODE,
            "example": "M5V 2T6",
            "description": "In any case, with a space, a hyphen or nothing in the middle "
            "(stored as M5V2T6)",
        },
    },
}


def parsed_field(self: Any, field: fields.Field[Any], **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: the OpenAPI type of a field read by a custom parser."""
    if not isinstance(field, _Parsed):
        return {}
    parent = field.parent
    table = FIELD_TYPES.get(type(parent)) if isinstance(parent, Schema) else None
    if table is None or field.name not in table:
        raise LookupError(f"openapi.py does not say what the {field.name} field takes")
    return dict(table[field.name])
