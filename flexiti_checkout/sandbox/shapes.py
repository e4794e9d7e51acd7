"""Flexiti-shaped JSON: the two error bodies, money on the wire, timestamps.

Views raise :class:`ApiError` or :class:`WrongInputsError`; the app turns them into the bodies
Flexiti sends, so every endpoint fails the same way the real hosts do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Response, jsonify, request

from flexiti_checkout import _json
from flexiti_checkout._json import UnreadableJSONError

CENT = Decimal("0.01")
#: The POS API v2 overview's description of every ``wrong_inputs`` refusal.
WRONG_INPUTS = "Some inputs are wrong!"


class ApiError(Exception):
    """An error answered as ``{"code", "error", "error_description"}``.

    ``code`` may differ from the HTTP status: Flexiti answers some "not found" cases with HTTP 409
    and ``"code": 404`` in the body.
    """

    def __init__(
        self,
        status: int,
        error: str,
        description: str,
        *,
        code: int | None = None,
        headers: Mapping[str, str] | None = None,
        field_errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description
        self.code = status if code is None else code
        self.headers = dict(headers or {})
        self.field_errors = field_errors

    def response(self) -> Response:
        body: dict[str, Any] = {
            "code": self.code,
            "error": self.error,
            "error_description": self.description,
        }
        if self.field_errors:
            body["field_errors"] = self.field_errors
        response = jsonify(body)
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


class UrlError(Exception):
    """An error answered in Flexiti's other shape: ``{"url", "message", "error"}``.

    The POS API v2 overview uses it for customer lookups, verifications and customer transactions.
    """

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        field_errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status = status
        self.error = error
        self.message = message
        self.field_errors = field_errors

    def response(self) -> Response:
        body: dict[str, Any] = {
            "url": _masked_full_path(),
            "message": self.message,
            "error": self.error,
        }
        if self.field_errors is not None:
            body["field_errors"] = self.field_errors
        response = jsonify(body)
        response.status_code = self.status
        return response


#: Query parameters that carry a card number: the error's ``url`` masks them as POS API v2 does.
_CARD_PARAMETERS = ("vcc_number", "vcc", "card_number")


def _masked_card(value: str) -> str:
    """``6374980100408259`` → ``63749XXXXXX08259``: the first and last five digits only."""
    if len(value) <= 10:
        return "X" * len(value)
    return value[:5] + "X" * (len(value) - 10) + value[-5:]


def _masked_full_path() -> str:
    """The request's path and query, card numbers masked (POS API v2: ``63749XXXXXXX97800``)."""
    if not request.query_string:
        return request.path
    pairs = [
        (name, _masked_card(value) if name in _CARD_PARAMETERS else value)
        for name, value in request.args.items(multi=True)
    ]
    return f"{request.path}?{urlencode(pairs)}"


class WrongInputsError(Exception):
    """One or more request fields are invalid; answered as POS API v2 does: ``409 wrong_inputs``
    with ``field_errors``."""

    def __init__(self, field_errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(field_errors)} invalid field(s)")
        self.field_errors = field_errors

    def response(self) -> Response:
        response = jsonify(
            {
                "url": request.path,
                "message": "Some inputs are wrong!",
                "error": "wrong_inputs",
                "field_errors": self.field_errors,
            }
        )
        response.status_code = 409
        return response


class FieldErrors:
    """Collects every bad field of a request so the client learns them all at once."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, param: str, msg: str, value: Any) -> None:
        self.items.append({"param": param, "msg": msg, "value": _jsonable(value)})

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise WrongInputsError(self.items)

    def raise_wrong_inputs(self) -> None:
        """Refuse as the POS API does: 409 ``wrong_inputs``, the fields named in field_errors."""
        if self.items:
            raise ApiError(409, "wrong_inputs", WRONG_INPUTS, field_errors=self.items)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | dict):
        return value
    return str(value)


def json_body() -> Any:
    """The body of a JSON request read with the package's limits; ``None`` if not sent as JSON.

    Raises ``UnreadableJSONError`` (answered 400 by the app) for a body nested too deep, a number
    out of range, bytes that are not UTF-8 JSON, or a NUL character, which no Flexiti field holds.
    """
    if not request.is_json:
        return None
    body = _json.loads(request.get_data(cache=True), fraction=float)
    if _holds_nul(body):
        raise UnreadableJSONError("holds a NUL character (\\u0000)")
    return body


def _holds_nul(value: Any) -> bool:
    """Whether a NUL is in any key or string of ``value`` (already within ``MAX_DEPTH``)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def unreadable_body(exc: UnreadableJSONError) -> ApiError:
    """The 400 a Flexiti API answers a body it cannot read with, saying what is wrong."""
    return ApiError(
        400, "invalid_request", f"The request body {exc}; send a JSON object (application/json)."
    )


def json_object_body(*, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 ``invalid_request`` if it is not one."""
    if not request.get_data(cache=True) and not required:
        return {}
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(
            400, "invalid_request", "The request body must be a JSON object (application/json)."
        )
    return body


def money_text(amount: Decimal) -> str:
    """An amount as Flexiti's string form, two decimals: ``"499.00"``."""
    return str(amount.quantize(CENT, ROUND_HALF_UP))


def money_number(amount: Decimal) -> float:
    """An amount as a JSON number, the way Flexiti sends most amounts.

    JSON has one number type; the conversion happens only here, at the wire, and a float's
    shortest repr is exact for any cents value a shop handles.
    """
    return float(amount.quantize(CENT, ROUND_HALF_UP))


def iso_timestamp(epoch_seconds: float) -> str:
    """Flexiti's date format: UTC, milliseconds, ``Z`` suffix."""
    moment = datetime.fromtimestamp(epoch_seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
