"""What every POS call shares: the merchant-scope call with its URL version, and field helpers.

``pos_api_url`` is the v2.5 base; the v2 base is the same URL with ``v2`` as its last segment
(``client.pos`` lists which endpoint Flexiti writes with which version).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from marshmallow import Schema

from flexiti_checkout.client.caller import Caller
from flexiti_checkout.client.pos.results import Verification
from flexiti_checkout.client.transport import Call
from flexiti_checkout.errors import UnavailableError
from flexiti_checkout.money import parse_amount

V2 = "v2"
V2_5 = "v2.5"
TRANSACTION_TYPES = (
    "promotional_purchase",
    "regular_purchase",
    "deposit",
    "instore_payment",
    "tradein",
)
VERIFY_FORMATS = ("sms", "email", "merchant_override", "security_question")
ACCOUNT_VERIFY_FORMATS = (*VERIFY_FORMATS, "regular_purchase_bypass")


class PosPart:
    """One part of the POS API (``FlexitiClient.pos_customers``, ``.pos_transactions``): its
    calls go out through the client's ``Caller``, with the merchant scope."""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def _load(self, schema: Schema, data: Any, what: str, reference_id: str | None) -> Any:
        return self._caller.load(schema, data, what, reference_id)

    def _pos(
        self,
        method: str,
        path: str,
        version: str,
        reference_id: str | None,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        text: bool = False,
        endpoint: str | None = None,
    ) -> Any:
        """Call the POS API; ``endpoint`` is the path with ``{id}`` for its identifier."""
        safe = method == "GET" or path.endswith("/merchants/login")
        path = f"/client-id/{self._caller.client_segment}{path}"
        call = Call(
            "pos",
            method,
            path,
            "merchant",
            retry_safe=safe,
            json=json,
            params=params,
            version=version,
            text=text,
            endpoint=endpoint,
        )
        return self._caller.call(call, reference_id)


def present(**values: Any) -> dict[str, Any]:
    """The given keyword arguments without the ``None`` ones."""
    return {name: value for name, value in values.items() if value is not None}


def choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def amounts(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with its ``amount`` and ``amount_requested`` parsed (``money.parse_amount``)."""
    body = dict(fields)
    for name in ("amount", "amount_requested"):
        if body.get(name) is not None:
            body[name] = parse_amount(body[name], name)
    return body


def dob_text(value: date | str | None) -> str | None:
    # POS API v2 writes dates of birth YYYY/MM/DD in the search and lookup queries.
    if isinstance(value, date):
        return value.strftime("%Y/%m/%d")
    return value


def verification(data: Any) -> Verification:
    raw = data.get("verification_code") if isinstance(data, Mapping) else None
    if isinstance(raw, str) and raw.startswith("verification_sent_to_"):
        return Verification(None, raw.removeprefix("verification_sent_to_"))
    if isinstance(raw, Decimal) and raw == raw.to_integral_value():
        raw = int(raw)
    return Verification(str(raw) if raw not in (None, "") else None)


def json_object(data: Any, what: str, reference_id: str | None) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise UnavailableError(
            f"Flexiti's {what} answer was not a JSON object", reference_id=reference_id
        )
    return dict(data)


def query_value(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None
