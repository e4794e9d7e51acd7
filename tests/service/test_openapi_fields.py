"""The OpenAPI document and the server agree, field by field, on what a checkout may hold.

Each value below is one a shop might send (or an attacker would): the document's schema for the
field accepts it exactly when the server's validation does. Schemathesis explores the same
question at random (``test_openapi_conformance.py``); this table pins the known edges.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import pytest

from flexiti_checkout.errors import InvalidCheckoutError
from flexiti_checkout.lifecycle.validation import validate_checkout
from flexiti_checkout.service.openapi import openapi_document
from flexiti_checkout.service.schemas import SPACE
from support.shop_server import checkout_request

DOCUMENT = openapi_document("/flexiti", "http://localhost/")
SCHEMAS = DOCUMENT["components"]["schemas"]


def documented(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` is valid for a field's schema (the keywords the document uses)."""
    if "anyOf" in schema and not any(documented(option, value) for option in schema["anyOf"]):
        return False
    if schema.get("format") == "email" and "@" not in value:  # what jsonschema checks
        return False
    kind = schema.get("type")
    if kind == "string" and not isinstance(value, str):
        return False
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "pattern" in schema:
        found = re.search(schema["pattern"], value)
        # In JSON Schema (ECMA 262) "$" is the very end; Python's also matches before a "\n".
        if found is None or found.end() != len(value):
            return False
    if not schema.get("minLength", 0) <= len(str(value)) <= schema.get("maxLength", 10**6):
        return False
    return schema.get("minimum", value) <= value <= schema.get("maximum", value)


def accepted(field: str, value: Any) -> bool:
    """Whether the server takes a valid checkout with ``field`` (``billing.city``) set to it."""
    body = checkout_request("AGREE-1")
    target, name = (body["billing"], field.split(".")[1]) if "." in field else (body, field)
    target[name] = value
    try:
        validate_checkout(body)
    except InvalidCheckoutError as exc:
        assert set(exc.errors) == {field}, exc.errors  # refused for this field, not another
        return False
    return True


def schema_of(field: str) -> dict[str, Any]:
    if field.startswith("billing."):
        return SCHEMAS["Address"]["properties"][field.split(".")[1]]
    return SCHEMAS["CheckoutRequest"]["properties"][field]


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("merchant_order_id", "A-1042", True),
        ("merchant_order_id", "Commande-é", False),  # URLs and Flexiti: printable ASCII only
        ("merchant_order_id", "A\x07B", False),
        ("merchant_order_id", " A-1", False),  # looked up later by this exact id
        ("amount", "499.00", True),
        ("amount", " 499.00 ", True),  # blanks around a form's value are read away
        ("amount", "499.000", True),  # trailing zeros are not sub-cent precision
        ("amount", 499, True),  # a whole JSON number of dollars
        ("amount", "0499.00", False),  # a leading zero is a typo, not a price
        ("amount", "+499.00", False),
        ("amount", "499.001", False),
        ("amount", "1e3", False),
        ("amount", "499." + "0" * 28, True),  # 32 characters: the longest amount text
        ("amount", " 499." + "0" * 28 + " ", True),  # blanks do not count
        ("amount", "499." + "0" * 29, False),  # 33: too long to be an amount
        ("amount", "1000000." + "0" * 24, True),
        ("amount", "1000000." + "0" * 25, False),
        ("amount", "0.01" + "0" * 28, True),
        ("amount", "0.01" + "0" * 29, False),
        ("flow", "Apply/BUY", True),
        ("flow", " apply/buy ", True),
        ("flow", "purchase", False),
        ("lang", "EN", True),
        ("lang", " fr_ca ", True),
        ("lang", "en-US", False),
        ("phone", " (647) 616-1234 ", True),
        ("phone", "+1 647.616.1234", True),
        ("phone", "6-4-7-6161234", False),  # separators only between the number's parts
        ("phone", "647616123", False),
        ("first_name", "Tommy ", True),
        ("first_name", "\tTommy", False),  # a control character, even where it would be stripped
        ("first_name", "Tom\x00my", False),
        ("middle_name", "   ", True),  # blank: absent
        ("middle_name", "\t", False),
        ("billing.province", "on", True),  # any case, stored in capitals
        ("billing.province", " ON ", True),
        ("billing.province", "\u017fk", False),  # long s upper-cases to S: not a province code
        ("billing.postal_code", "m5v 2t6", True),
        ("billing.postal_code", " M5V-2T6\u00a0", True),
        ("billing.postal_code", "M5V 2T\u0666", False),  # an Arabic-Indic six
        ("billing.postal_code", "D5V 2T6", False),  # Canada Post never uses D
        ("email", " tommy@example.com ", True),
        ("email", " ", True),  # blank: absent
        ("email", "\t", False),
        ("phone", "", True),
        ("date_of_birth", "", True),
        ("date_of_birth", " 1981-06-01 ", True),
        ("date_of_birth", "2001-05-30", True),  # outside the pattern the document used to give
        ("date_of_birth", "01/06/1981", False),
        ("billing.city", "Montr\u00e9al", True),
        ("billing.city", "Toronto\n", False),
        ("billing.city", "\x85", False),  # a blank that ECMA 262's \s does not know
        ("billing.city", "\ufeffToronto", True),  # not a blank to Python: kept
        ("middle_name", "\u2003\x85", True),
    ],
)
def test_the_document_and_the_server_agree(field, value, valid):
    """A value the server accepts is one the document allows, and one it refuses is not."""
    assert accepted(field, value) is valid
    assert documented(schema_of(field), value) is valid


def test_the_documents_blanks_are_the_ones_the_server_strips():
    """The patterns spell out the blanks ``str.strip()`` removes, instead of ``\\s``, whose
    meaning differs between Python and the ECMA 262 regexes of JSON Schema."""
    space = re.compile(SPACE)
    blanks = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    matched = {chr(code) for code in range(sys.maxunicode + 1) if space.fullmatch(chr(code))}
    assert matched == blanks
    assert "\\s" not in json.dumps(DOCUMENT)
