"""marshmallow schemas at the border with Flexiti.

What Flexiti sends is read leniently: unknown fields are excluded, numbers may arrive as strings
("166.33") or numbers, ids as numbers or strings, statuses in any case. Money becomes ``Decimal``
(the client parses JSON numbers as ``Decimal`` too, so no float is ever involved).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load

from flexiti_checkout.client.results import (
    ApplyDetails,
    Lookup,
    PaymentPlan,
    PromoDetails,
    PurchaseDetails,
    WidgetSession,
)
from flexiti_checkout.money import bounded_decimal


class FlexibleId(fields.Field):
    """An identifier Flexiti sends as a number or a string; always a ``str`` to us."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise ValidationError("Not an identifier.")
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        return str(value).strip()


#: "1,200.05": POS API v2 writes thousands with commas in some amounts.
_THOUSANDS = re.compile(r"^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")


class Money(fields.Field):
    """An amount as a number or numeric string ("0.00", 2, 166.33, "1,200.05"); ``Decimal``."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, (bool, float)):
            raise ValidationError("Not an exact amount.")
        text = str(value).strip()
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            return bounded_decimal(text)
        except ValueError as exc:
            raise ValidationError(f"Not an amount: {exc}.") from exc


class LenientInt(fields.Field):
    """A count Flexiti sends as 3 or "3"."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int | None:
        if value is None or value == "":
            return None
        try:
            number = bounded_decimal(str(value))
        except ValueError as exc:
            raise ValidationError(f"Not a whole number: {exc}.") from exc
        if number != number.to_integral_value():
            raise ValidationError("Not a whole number.")
        return int(number)


class Status(fields.Field):
    """A status Flexiti spells in any case ("SUCCESS", "Success"), of any length; upper-cased."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, (Mapping, list)):
            raise ValidationError("Not a status.")
        return str(value).strip().upper()


def _first_of(data: Any, names: tuple[str, ...]) -> Any:
    """The value of the first of ``names`` present in ``data`` (a mapping), else ``None``."""
    if isinstance(data, Mapping):
        for name in names:
            if data.get(name) is not None:
                return data[name]
    return None


#: Where the Online API puts a status: ``purchase.status`` in its response-parameter table,
#: ``purchase.purchase_status`` in its JSON example (and in the notification). Both are read.
PURCHASE_STATUS_KEYS = ("purchase_status", "status", "purchaseStatus")
#: An application's status: ``apply.apply_status`` (example), ``apply.status``, and a top-level
#: ``apply_status`` (the table).
APPLY_STATUS_KEYS = ("apply_status", "status", "applyStatus")


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class TokenSchema(_Lenient):
    access_token = fields.String(required=True)
    refresh_token = fields.String(load_default=None)
    expires_in = LenientInt(required=True)
    scope = fields.String(load_default=None)
    token_type = fields.String(load_default="bearer")


class WidgetSessionSchema(_Lenient):
    online_order_id = FlexibleId(required=True)
    redirection_url = fields.String(required=True)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> WidgetSession:
        return WidgetSession(**data)


class _PlanSchema(_Lenient):
    monthly_payment = Money(required=True, data_key="monthlyPayment")
    months = LenientInt(required=True)


class PaymentPlanSchema(_Lenient):
    html = fields.String(load_default="", allow_none=True, data_key="htmlRender")
    plan = fields.Nested(_PlanSchema, required=True, data_key="paymentPlan")

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> PaymentPlan:
        plan = data["plan"]
        return PaymentPlan(plan["monthly_payment"], plan["months"], data.get("html") or "")


class AvailabilitySchema(_Lenient):
    enable_payment_gateway = fields.Boolean(required=True)


class _PurchaseSchema(_Lenient):
    status = Status(required=True)
    purchase_amount = Money(load_default=None)
    transaction_total_amount = Money(load_default=None)
    administrative_fee = Money(load_default=None)
    promo_id = FlexibleId(load_default=None)
    plan_id = FlexibleId(load_default=None)
    term = LenientInt(load_default=None)
    customer_id = FlexibleId(load_default=None)
    customer_comparison_result = fields.Dict(load_default=dict, allow_none=True)

    @pre_load
    def spellings(self, data: Any, **kwargs: Any) -> Any:
        return _with_status(data, PURCHASE_STATUS_KEYS)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> PurchaseDetails:
        data["customer_comparison_result"] = data.get("customer_comparison_result") or {}
        return PurchaseDetails(**data)


class _ApplySchema(_Lenient):
    status = Status(required=True)
    customer_id = FlexibleId(load_default=None)

    @pre_load
    def spellings(self, data: Any, **kwargs: Any) -> Any:
        return _with_status(data, APPLY_STATUS_KEYS)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> ApplyDetails:
        return ApplyDetails(**data)


class LookupSchema(_Lenient):
    transaction_id = FlexibleId(load_default=None)
    flow = fields.String(load_default=None, allow_none=True)
    purchase = fields.Nested(_PurchaseSchema, load_default=None, allow_none=True)
    apply = fields.Nested(_ApplySchema, load_default=None, allow_none=True)
    date = fields.String(load_default=None, allow_none=True)

    @pre_load
    def top_level_apply_status(self, data: Any, **kwargs: Any) -> Any:
        """The Online API's table puts the application's status beside ``apply``, not inside it."""
        top = _first_of(data, ("apply_status", "applyStatus"))
        if top is None:
            return data
        apply = data.get("apply")
        apply = dict(apply) if isinstance(apply, Mapping) else {}
        if _first_of(apply, APPLY_STATUS_KEYS) is None:
            apply["apply_status"] = top
        return {**data, "apply": apply}

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Lookup:
        if data.get("flow"):
            data["flow"] = data["flow"].strip().lower()
        return Lookup(**data)


def _with_status(data: Any, keys: tuple[str, ...]) -> Any:
    """``data`` with its status under ``status``, whichever documented key carried it."""
    if not isinstance(data, Mapping):
        return data
    rest = {key: value for key, value in data.items() if key not in keys}
    status = _first_of(data, keys)
    return rest if status is None else {**rest, "status": status}


class PromoSchema(_Lenient):
    promo_id = FlexibleId(load_default=None)
    plan_id = FlexibleId(load_default=None)
    term = LenientInt(load_default=None)
    purchase_amount = Money(load_default=None)
    transaction_total_amount = Money(load_default=None)
    administrative_fee = Money(load_default=None)
    customer_comparison_result = fields.Dict(load_default=dict, allow_none=True)
    fname = fields.String(load_default=None, allow_none=True)
    lname = fields.String(load_default=None, allow_none=True)

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> PromoDetails:
        data["customer_comparison_result"] = data.get("customer_comparison_result") or {}
        return PromoDetails(**data)
