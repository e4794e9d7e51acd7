"""What a shop asks for when it starts a Flexiti checkout, checked before anything is sent.

Shop code builds a ``CheckoutRequest`` (Python) or posts the same fields as JSON (the service);
``lifecycle.validation.validate_checkout`` checks both with one strict schema.
``widget_init_arguments`` then spells the validated request the way Flexiti's widget init wants it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flexiti_checkout.money import CENT

__all__ = ["PROVINCES", "Address", "CheckoutRequest", "widget_init_arguments"]

#: Canada's provinces and territories, as Flexiti's addresses name them.
PROVINCES = ("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT")


@dataclass(frozen=True, kw_only=True, repr=False)
class Address:
    """A billing or shipping address, spelled as Flexiti's ``billing_information`` wants it."""

    first_name: str
    last_name: str
    address_1: str
    address_2: str = ""
    city: str
    province: str
    postal_code: str

    def __repr__(self) -> str:  # everything but the province is personal data
        return f"Address(province={self.province!r})"


@dataclass(frozen=True, kw_only=True, repr=False)
class CheckoutRequest:
    """One order the shop wants financed. Pass it through ``validate_checkout`` before use.

    ``amount`` may also be given as an ``int`` or numeric ``str``, and ``date_of_birth`` as an
    ISO ``YYYY-MM-DD`` string; the validated request holds a ``Decimal`` and a ``date``.
    """

    merchant_order_id: str
    amount: Decimal
    flow: str = "buy"
    lang: str = "en"
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    date_of_birth: date | None = None
    billing: Address | None = None
    shipping: Address | None = None
    customer_id: str | None = None
    vcc: str | None = None
    is_guest: bool | None = None

    def __repr__(self) -> str:  # only what identifies the order: the rest is personal data
        return (
            f"CheckoutRequest(merchant_order_id={self.merchant_order_id!r}, "
            f"amount={self.amount!r}, flow={self.flow!r}, lang={self.lang!r})"
        )


def widget_init_arguments(request: CheckoutRequest) -> dict[str, Any]:
    """The keyword arguments of ``FlexitiClient.widget_init`` for a validated request.

    Everything but ``reference_id``, which belongs to the customer's flow, not to the order.
    Empty prefill fields are left out rather than sent blank.
    """
    arguments: dict[str, Any] = {
        "flow": request.flow,
        "amount_requested": request.amount.quantize(CENT),
        "lang": f"{request.lang}-CA",
        "merchant_order_id": request.merchant_order_id,
    }
    if request.billing is not None:
        arguments["billing_information"] = fields_of(request.billing)
    if request.shipping is not None:
        arguments["shipping_information"] = fields_of(request.shipping)
    dob = request.date_of_birth
    prefill = {
        "email": request.email,
        "phone_number": request.phone,
        "fname": request.first_name,
        "mname": request.middle_name,
        "lname": request.last_name,
        "dob": dob.strftime("%m/%d/%Y") if dob else None,  # as in Flexiti's examples
        "customer_id": request.customer_id,
        "vcc": request.vcc,
        "is_guest": request.is_guest,
    }
    arguments.update({name: value for name, value in prefill.items() if value not in (None, "")})
    return arguments


def fields_of(instance: Any) -> dict[str, Any]:
    """A dataclass's fields, one level deep (``asdict`` would also copy nested addresses)."""
    return {field.name: getattr(instance, field.name) for field in dataclasses.fields(instance)}
