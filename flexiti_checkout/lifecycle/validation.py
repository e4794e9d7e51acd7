"""Checking a checkout request from shop code or JSON before anything is sent to Flexiti.

One strict schema for both, so a typo in a field name, a float amount or an impossible postal code
is refused here with a message naming the field, not later by Flexiti with an opaque error in the
middle of the customer's flow. Money is never a float: JSON must be parsed with
``parse_float=Decimal`` (``flask.request.get_json()`` gives floats), and a float that still gets
here is refused rather than rounded (``money.parse_amount``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validates_schema,
)
from marshmallow.validate import Email

from flexiti_checkout.errors import InvalidCheckoutError
from flexiti_checkout.lifecycle.checkout import (
    DEFAULT_FLOW,
    PROVINCES,
    Address,
    CheckoutRequest,
    fields_of,
)
from flexiti_checkout.models import FLOWS, PURCHASE_FLOWS
from flexiti_checkout.money import AmountError, normalize_lang, parse_amount

__all__ = ["validate_checkout"]

MAX_ORDER_ID = 64
#: A merchant order id's alphabet: RFC 3986's unreserved characters (letters, digits, ``-``,
#: ``.``, ``_``, ``~``), which every HTTP library sends unchanged in a URL, and ``/`` between
#: segments, so that the order's URL (``…/orders/<id>``) always finds it again.
ORDER_ID_SEGMENT = r"[A-Za-z0-9._~-]*[A-Za-z0-9_~-][A-Za-z0-9._~-]*"
ORDER_ID_PATTERN = f"{ORDER_ID_SEGMENT}(?:/{ORDER_ID_SEGMENT})*"
#: Segments an order's URLs use after its id: an id holding one would name another page.
ROUTE_WORDS = frozenset({"actions", "cancel", "refunds", "review"})
_ORDER_ID = re.compile(ORDER_ID_PATTERN)
MAX_TEXT = 200
MAX_SALUTATION = 16
#: Card numbers are 13 to 19 digits (ISO/IEC 7812); Flexiti's examples have 16.
CARD_DIGITS = range(13, 20)
MIN_AGE, MAX_AGE = 18, 120

# Canada Post never uses D F I O Q U, nor W or Z as the first letter.
_POSTAL_CODE = re.compile(
    r"([ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z])[ -]?([0-9][ABCEGHJ-NPRSTV-Z][0-9])"
)
#: A North American number: an optional +1, the area code (in brackets or not), then 3 + 4
#: digits, each part separated by nothing, a space, a dot or a hyphen.
PHONE_PATTERN = r"(?:\+?1[ .-]?)?\(?([0-9]{3})\)?[ .-]?([0-9]{3})[ .-]?([0-9]{4})"
_PHONE = re.compile(PHONE_PATTERN)
#: Digits, with single spaces or hyphens between groups, as card numbers are written.
CARD_PATTERN = r"[0-9](?:[ -]?[0-9])*"
_CARD = re.compile(CARD_PATTERN)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_is_email = Email()
# Nothing a person types: C0 controls, DEL, lone surrogates (no database stores these last).
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def validate_checkout(data: CheckoutRequest | Mapping[str, Any]) -> CheckoutRequest:
    """Check a checkout request from shop code or JSON, and return it normalised.

    Raises ``InvalidCheckoutError`` naming every bad field at once.
    """
    if isinstance(data, CheckoutRequest):
        data = fields_of(data)
    try:
        request: CheckoutRequest = _SCHEMA.load(data)
    except ValidationError as exc:
        raise InvalidCheckoutError(_flatten(exc.messages)) from None
    return request


# -- one parser per kind of value: each returns the normalised value or raises ----------------


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("must be a string")
    return value.strip()


def _text(value: Any) -> str:
    if isinstance(value, str) and _CONTROL.search(value):  # before stripping: "\tTommy" too
        raise ValidationError("must not contain control characters or lone surrogates")
    text = _string(value)
    if not text:
        raise ValidationError("must not be blank")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"must have at most {MAX_TEXT} characters")
    return text


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Read a blank string as absent, as HTML forms send an empty optional field."""

    def parse_optional(value: Any) -> Any:
        blank = isinstance(value, str) and not value.strip() and not _CONTROL.search(value)
        return None if blank else parse(value)

    return parse_optional


def _merchant_order_id(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError('must be a string (send order numbers as strings, e.g. "1042")')
    problem = merchant_order_id_problem(value)
    if problem is not None:
        raise ValidationError(problem)
    return value


def merchant_order_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a merchant order id (``ORDER_ID_PATTERN``), or ``None``."""
    if not 1 <= len(value) <= MAX_ORDER_ID:
        return f"must have 1 to {MAX_ORDER_ID} characters"
    if not _ORDER_ID.fullmatch(value):
        return (
            "may hold only letters, digits, - . _ ~ and / between parts, and no part may be "
            'only dots (e.g. "1042" or "2024/A-7"), so that its URL finds it again'
        )
    words = ROUTE_WORDS.intersection(value.split("/"))
    if words:
        return f"must not have {min(words)!r} as a part: the order's URLs use it"
    return None


def _amount(value: Any) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise ValidationError(exc.reason) from None


def _flow(value: Any) -> str:
    flow = _string(value).lower()
    if flow not in FLOWS:
        raise ValidationError(f"must be one of {', '.join(FLOWS)}")
    return flow


def _lang(value: Any) -> str:
    lang = normalize_lang(_string(value))
    if lang is None:
        raise ValidationError("must be one of en, fr, en-CA, fr-CA")
    return lang


def _email(value: Any) -> str:
    email = _text(value)
    try:
        _is_email(email)
    except ValidationError:
        raise ValidationError("is not an email address like name@example.com") from None
    return email


def _phone(value: Any) -> str:
    match = _PHONE.fullmatch(_string(value))
    if match is None:
        raise ValidationError("is not a 10-digit phone number like 647-616-1234")
    return "".join(match.groups())


def _date_of_birth(value: Any) -> date:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError("is not a real date") from None
    # A datetime is a date too, but its time zone would make the day ambiguous.
    if type(value) is not date:
        raise ValidationError("must be a date written YYYY-MM-DD")
    today = date.today()
    if value >= today:
        raise ValidationError("must be in the past")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age < MIN_AGE:
        raise ValidationError(f"must be the birth date of someone at least {MIN_AGE} years old")
    if age > MAX_AGE:
        raise ValidationError(f"must be the birth date of someone at most {MAX_AGE} years old")
    return value


def _province(value: Any) -> str:
    province = _string(value)
    # ASCII before upper(): some other letters upper-case to ASCII ones (long s to S).
    province = province.upper() if province.isascii() else ""
    if province not in PROVINCES:
        raise ValidationError(f"must be a province or territory code: {', '.join(PROVINCES)}")
    return province


def _postal_code(value: Any) -> str:
    text = _string(value)
    match = _POSTAL_CODE.fullmatch(text.upper()) if text.isascii() else None
    if match is None:
        raise ValidationError("is not a Canadian postal code like M5V 2T6")
    return match[1] + match[2]


def _salutation(value: Any) -> str:
    salutation = _text(value)
    if len(salutation) > MAX_SALUTATION:
        raise ValidationError(f"must have at most {MAX_SALUTATION} characters (e.g. mr, ms)")
    return salutation


def _card_number(value: Any) -> str:
    """A Flexiti card number, spaces and hyphens dropped. Never echoed: it is personal data."""
    if not isinstance(value, str):
        raise ValidationError("must be a string of digits (the customer's Flexiti card number)")
    text = value.strip()
    digits = text.replace(" ", "").replace("-", "")
    if not (_CARD.fullmatch(text) and len(digits) in CARD_DIGITS):
        raise ValidationError(
            f"is not a card number: {CARD_DIGITS.start} to {CARD_DIGITS.stop - 1} digits, "
            "spaces or hyphens allowed"
        )
    return digits


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("must be true or false")
    return value


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


# -- the schemas --------------------------------------------------------------------------------


class _Parsed(fields.Field[Any]):
    """A field read by one of the parsers above."""

    def __init__(self, parse: Callable[[Any], Any], **kwargs: Any) -> None:
        messages: dict[str, Any] = {"required": "is required", "null": "is required"}
        super().__init__(error_messages=messages, **kwargs)
        self.parse = parse

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        return self.parse(value)


def _optional_field(parse: Callable[[Any], Any]) -> _Parsed:
    return _Parsed(_optional(parse), load_default=None)


class AddressSchema(Schema):
    class Meta:
        unknown = RAISE

    # marshmallow reads this class attribute; it is never mutated.
    error_messages = {  # noqa: RUF012
        "unknown": "is not an address field",
        "type": "must be an address (first_name, last_name, address_1, city, province, "
        "postal_code)",
    }

    first_name = _Parsed(_text, required=True)
    last_name = _Parsed(_text, required=True)
    address_1 = _Parsed(_text, required=True)
    address_2 = _Parsed(_optional(_text), load_default="", allow_none=True)
    city = _Parsed(_text, required=True)
    province = _Parsed(_province, required=True)
    postal_code = _Parsed(_postal_code, required=True)

    @pre_load
    def from_address(self, data: Any, **kwargs: Any) -> Any:
        return fields_of(data) if isinstance(data, Address) else data

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Address:
        data["address_2"] = data.get("address_2") or ""
        return Address(**data)


class CheckoutSchema(Schema):
    """Strict: an unknown field is an error, so a misspelt one is not silently dropped."""

    class Meta:
        unknown = RAISE

    # marshmallow reads this class attribute; it is never mutated.
    error_messages = {  # noqa: RUF012
        "unknown": "is not a checkout field",
        "type": "must be an object of checkout fields",
    }

    merchant_order_id = _Parsed(_merchant_order_id, required=True)
    amount = _Parsed(_amount, required=True)
    flow = _Parsed(_flow, load_default=DEFAULT_FLOW)
    lang = _Parsed(_lang, load_default="en")
    salutation = _optional_field(_salutation)
    email = _optional_field(_email)
    phone = _optional_field(_phone)
    first_name = _optional_field(_text)
    middle_name = _optional_field(_text)
    last_name = _optional_field(_text)
    date_of_birth = _optional_field(_date_of_birth)
    billing = fields.Nested(AddressSchema, load_default=None)
    shipping = fields.Nested(AddressSchema, load_default=None)
    customer_id = _optional_field(_text)
    vcc = _optional_field(_card_number)
    is_guest = _Parsed(_boolean, load_default=None)
    has_previous_purchase = _Parsed(_boolean, load_default=None)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def customer_for_buy(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        """Online API, widget init: the buy flow requires ``customer_id`` or ``vcc``."""
        if data.get("flow") != "buy" or not isinstance(original, Mapping):
            return
        # Looked up in the original: a given but invalid card number has its own error.
        if any(_given(original.get(name)) for name in ("customer_id", "vcc")):
            return
        raise ValidationError(
            {
                "customer_id": [
                    "is required for the buy flow unless vcc is given: send the customer's "
                    "Flexiti customer id or card number, or use the apply/buy flow, where the "
                    "customer signs in to Flexiti or applies"
                ]
            }
        )

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def addresses_for_purchases(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        flow = data.get("flow")
        if flow not in PURCHASE_FLOWS or not isinstance(original, Mapping):
            return
        # Looked up in the original: an address that is present but invalid has its own errors.
        missing = {
            name: [f"is required for the {flow} flow"]
            for name in ("billing", "shipping")
            if original.get(name) is None
        }
        if missing:
            raise ValidationError(missing)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> CheckoutRequest:
        return CheckoutRequest(**data)


_SCHEMA = CheckoutSchema()


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"billing.postal_code": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, nested in messages.items():
            name = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
            for field, found in _flatten(nested, name).items():
                flat.setdefault(field, []).extend(found)
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, str):
                flat.setdefault(prefix or "request", []).append(item)
            else:
                for field, found in _flatten(item, prefix).items():
                    flat.setdefault(field, []).extend(found)
    else:
        flat.setdefault(prefix or "request", []).append(str(messages))
    return flat
