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

__all__ = ["DEFAULT_FLOW", "PROVINCES", "Address", "CheckoutRequest", "widget_init_arguments"]

#: Canada's provinces and territories, as Flexiti's addresses name them.
PROVINCES = ("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT")
#: The flow of a checkout that names none. Online API, widget init: ``customer_id`` and ``vcc``
#: are each "Required for Buy & Apply/Buy Flow if [the other] is not provided", yet its
#: "apply/buy" example sends neither; a shop that knows nothing of its customer's Flexiti
#: account is safe only with ``apply/buy``, which lets the customer sign in or apply.
DEFAULT_FLOW = "apply/buy"
#: Flows whose application form Flexiti pre-fills from the shop's data (Online API, widget init:
#: "Helps pre-populate application form during Apply and Apply/Buy flow").
PREFILL_FLOWS = ("apply", "apply/buy")


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
    ``customer_id`` (the customer's Flexiti customer id) or ``vcc`` (their Flexiti card number)
    is what the ``buy`` flow requires; without either, use ``apply/buy`` (the default). A card
    number is personal data: it goes to Flexiti and nowhere else (``repr`` shows its last four
    digits). In the ``apply`` and ``apply/buy`` flows the application form is pre-filled with
    the names, contact, date of birth and the ``billing`` address given here.
    """

    merchant_order_id: str
    amount: Decimal
    flow: str = DEFAULT_FLOW
    lang: str = "en"
    salutation: str | None = None
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
    has_previous_purchase: bool | None = None

    def __repr__(self) -> str:  # only what identifies the order: the rest is personal data
        card = f", vcc={card_hint(self.vcc)!r}" if self.vcc else ""
        return (
            f"CheckoutRequest(merchant_order_id={self.merchant_order_id!r}, "
            f"amount={self.amount!r}, flow={self.flow!r}, lang={self.lang!r}{card})"
        )


def card_hint(number: str) -> str:
    """A card number as it may be shown: its last four digits only (``…7093``)."""
    digits = "".join(c for c in str(number) if c.isdigit())
    return f"…{digits[-4:]}" if len(digits) >= 4 else "…"


def widget_init_arguments(
    request: CheckoutRequest, *, merchant_order_id: str | None = None
) -> dict[str, Any]:
    """The keyword arguments of ``FlexitiClient.widget_init`` for a validated request.

    Everything but ``reference_id``, which belongs to the customer's flow, not to the order.
    ``merchant_order_id`` is the id Flexiti is given (the shop's own unless the order has a
    numeric one for Flexiti). The pre-fill fields go with the flows whose form they pre-fill;
    empty ones are left out rather than sent blank.
    """
    arguments: dict[str, Any] = {
        "flow": request.flow,
        "amount_requested": request.amount.quantize(CENT),
        "lang": f"{request.lang}-CA",
        "merchant_order_id": merchant_order_id or request.merchant_order_id,
    }
    if request.billing is not None:
        arguments["billing_information"] = fields_of(request.billing)
    if request.shipping is not None:
        arguments["shipping_information"] = fields_of(request.shipping)
    given = {
        "customer_id": request.customer_id,
        "vcc": request.vcc,
        "is_guest": request.is_guest,
        "has_previous_purchase": request.has_previous_purchase,
    }
    if request.flow in PREFILL_FLOWS:
        given.update(prefill_fields(request))
    arguments.update({name: value for name, value in given.items() if value not in (None, "")})
    return arguments


def prefill_fields(request: CheckoutRequest) -> dict[str, Any]:
    """What the shop knows of its customer, named as widget init's pre-fill fields."""
    dob = request.date_of_birth
    home = request.billing
    return {
        "salutation": request.salutation,
        "email": request.email,
        "phone_number": request.phone,
        "fname": request.first_name,
        "mname": request.middle_name,
        "lname": request.last_name,
        "dob": dob.strftime("%m/%d/%Y") if dob else None,  # as in Flexiti's examples
        "address_1": home.address_1 if home else None,
        "address_2": home.address_2 if home else None,
        "city": home.city if home else None,
        "province": home.province if home else None,
        "postal_code": home.postal_code if home else None,
    }


def fields_of(instance: Any) -> dict[str, Any]:
    """A dataclass's fields, one level deep (``asdict`` would also copy nested addresses)."""
    return {field.name: getattr(instance, field.name) for field in dataclasses.fields(instance)}
