"""Field checks shared by the endpoints: languages, amounts, Canadian addresses."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flexiti_checkout.sandbox.shapes import CENT, FieldErrors

PROVINCES = ("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT")
LANG_CODES = {"en": "en-CA", "fr": "fr-CA"}
ADDRESS_REQUIRED = ("first_name", "last_name", "address_1", "city", "province", "postal_code")
ADDRESS_OPTIONAL = ("address_2",)
_POSTAL_CODE = re.compile(r"^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$")
_LANGS = {"en": "en", "en-ca": "en", "fr": "fr", "fr-ca": "fr"}


def parse_lang(value: Any) -> str | None:
    """``"en"`` or ``"fr"`` for ``en-CA``/``fr-CA``/``en``/``fr`` in any case, else None."""
    if not isinstance(value, str):
        return None
    return _LANGS.get(value.strip().lower().replace("_", "-"))


def parse_amount(value: Any) -> tuple[Decimal | None, str | None]:
    """An amount from a JSON number or a numeric string, or the reason it is not one.

    Floats go through ``str`` so ``499.99`` becomes ``Decimal("499.99")``, not its binary
    approximation.
    """
    if value is None or value == "":
        return None, "is required"
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None, "must be a number"
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None, "must be a number"
    if not amount.is_finite():
        return None, "must be a number"
    if amount <= 0:
        return None, "must be greater than 0"
    if amount != amount.quantize(CENT):
        return None, "must have at most 2 decimal places"
    return amount, None


def check_amount(errors: FieldErrors, param: str, value: Any) -> Decimal | None:
    """Parse a required amount, recording a field error when it is bad."""
    amount, problem = parse_amount(value)
    if problem:
        errors.add(param, f"{param} {problem}", value)
    return amount


def check_lang(errors: FieldErrors, value: Any, *, required: bool) -> str:
    """Parse ``lang``; a missing optional one means English."""
    if value is None and not required:
        return "en"
    lang = parse_lang(value)
    if lang is None:
        message = "lang is required" if value is None else "lang must be one of en-CA, fr-CA"
        errors.add("lang", message, value)
        return "en"
    return lang


def check_address(errors: FieldErrors, prefix: str, value: Any) -> None:
    """Validate a ``billing_information``/``shipping_information`` object, field by field."""
    if value is None:
        errors.add(prefix, f"{prefix} is required for this flow", None)
        return
    if not isinstance(value, dict):
        errors.add(prefix, f"{prefix} must be an object", value)
        return
    for name in ADDRESS_REQUIRED:
        field = value.get(name)
        param = f"{prefix}.{name}"
        if not isinstance(field, str) or not field.strip():
            errors.add(param, f"{param} is required", field)
        elif name == "province" and field.strip().upper() not in PROVINCES:
            errors.add(param, f"{param} must be one of {', '.join(PROVINCES)}", field)
        elif name == "postal_code" and not _POSTAL_CODE.match(field.strip()):
            errors.add(param, f"{param} must be a Canadian postal code like M5V 2T6", field)
    for name in ADDRESS_OPTIONAL:
        field = value.get(name)
        if field is not None and not isinstance(field, str):
            errors.add(f"{prefix}.{name}", f"{prefix}.{name} must be a string", field)


def check_prefill(errors: FieldErrors, body: dict[str, Any]) -> None:
    """Light checks on the optional customer fields that pre-fill the application form."""
    for name in ("email", "fname", "mname", "lname", "dob", "address_1", "address_2", "city"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            errors.add(name, f"{name} must be a string", value)
    email = body.get("email")
    if isinstance(email, str) and email and "@" not in email:
        errors.add("email", "email is invalid", email)
    province = body.get("province")
    if province not in (None, "") and (
        not isinstance(province, str) or province.strip().upper() not in PROVINCES
    ):
        errors.add("province", f"province must be one of {', '.join(PROVINCES)}", province)
    postal_code = body.get("postal_code")
    if postal_code not in (None, "") and (
        not isinstance(postal_code, str) or not _POSTAL_CODE.match(postal_code.strip())
    ):
        errors.add("postal_code", "postal_code must be a Canadian postal code", postal_code)
    for name in ("merchant_orderid", "merchant_order_id", "customer_id", "vcc"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            errors.add(name, f"{name} must be a string or an integer", value)
        elif isinstance(value, str) and not value.strip():
            errors.add(name, f"{name} must not be empty", value)
