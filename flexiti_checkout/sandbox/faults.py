"""Fault knobs: the ways the sandbox misbehaves on purpose, so a client proves it copes.

Knobs are an immutable record swapped whole under the state lock; ``FAIL_NEXT`` is consumed under
that lock too, so "fail the next N calls" is exact even under concurrent requests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any

from flask import Response, json

CALLBACK_MODES = ("normal", "drop", "duplicate", "delay", "out_of_order")
#: "table": the Online API's response-parameter table (``purchase.status``, a top-level
#: ``apply_status``, Flexiti's casing ``Success``); "example": its JSON example
#: (``purchase.purchase_status``, ``apply.apply_status``, ``SUCCESS``).
LOOKUP_STYLES = ("table", "example")
#: What the hosted page appends to the return URLs: "flexiti" (``orderId`` and ``auth_token``, as
#: Flexiti's own proof of concept reads them), "ids" (``online_order_id``, ``merchant_orderid``)
#: or "none".
RETURN_STYLES = ("flexiti", "ids", "none")
FAIL_BODIES = ("json", "html", "malformed", "empty")


class KnobError(ValueError):
    """A knob name or value the sandbox does not accept."""


@dataclass(frozen=True)
class FailNext:
    """The next ``count`` API calls whose path contains one of ``paths`` fail this way."""

    count: int
    status: int = 503
    body: str = "json"
    retry_after: int | None = None
    paths: tuple[str, ...] = ()

    def matches(self, path: str) -> bool:
        return not self.paths or any(fragment in path for fragment in self.paths)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["paths"] = list(self.paths) or None
        return data


@dataclass(frozen=True)
class Knobs:
    """Every fault knob with its default; config and the control API use these names."""

    latency: float = 0.0
    error_rate: float = 0.0
    html_errors: bool = False
    malformed_json_rate: float = 0.0
    fail_next: FailNext | None = None
    token_lifetime: float = 1200.0
    callback_mode: str = "normal"
    callback_copies: int = 2
    callback_delay: float = 1.0
    callback_with_ids: bool = False
    approved_amount_delta: Decimal = Decimal("0")
    lookup_style: str = "table"
    return_style: str = "flexiti"
    online_field_errors: bool = False
    numeric_merchant_order_ids: bool = False
    same_transaction_id: bool = False
    reference_id_everywhere: bool = False
    unlimited_bypass: bool = False
    apply_address_1_required: bool = False
    merchant_override: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["fail_next"] = self.fail_next.to_dict() if self.fail_next else None
        data["approved_amount_delta"] = str(self.approved_amount_delta)
        return data

    def updated(self, changes: Mapping[str, Any]) -> Knobs:
        """A copy with ``changes`` applied; names are case-insensitive. Raises KnobError."""
        values: dict[str, Any] = {}
        for raw_name, value in changes.items():
            name = str(raw_name).lower()
            parser = _PARSERS.get(name)
            if parser is None:
                raise KnobError(f"unknown knob {raw_name!r}; known knobs: {', '.join(KNOB_NAMES)}")
            values[name] = parser(name, value)
        return replace(self, **values)


def _number(name: str, value: Any, *, low: float = 0.0, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise KnobError(f"{name} must be a number")
    try:
        number = float(value)
    except ValueError as exc:
        raise KnobError(f"{name} must be a number") from exc
    if not low <= number <= high:
        raise KnobError(f"{name} must be between {low} and {high}")
    return number


def _rate(name: str, value: Any) -> float:
    return _number(name, value, high=1.0)


def _seconds(name: str, value: Any) -> float:
    return _number(name, value)


def _lifetime(name: str, value: Any) -> float:
    number = _number(name, value)
    if number <= 0:
        raise KnobError(f"{name} must be greater than 0")
    return number


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise KnobError(f"{name} must be true or false")
    return value


def _mode(name: str, value: Any) -> str:
    if value not in CALLBACK_MODES:
        raise KnobError(f"{name} must be one of {', '.join(CALLBACK_MODES)}")
    return str(value)


def _choice(choices: tuple[str, ...]) -> Any:
    def parse(name: str, value: Any) -> str:
        if value not in choices:
            raise KnobError(f"{name} must be one of {', '.join(choices)}")
        return str(value)

    return parse


def _copies(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise KnobError(f"{name} must be an integer >= 1")
    return value


def _delta(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise KnobError(f"{name} must be a number")
    try:
        delta = Decimal(str(value))
    except InvalidOperation as exc:
        raise KnobError(f"{name} must be a number") from exc
    if not delta.is_finite():
        raise KnobError(f"{name} must be a finite number")
    return delta


def _fail_next(name: str, value: Any) -> FailNext | None:
    if value is None or isinstance(value, FailNext):
        return value
    if not isinstance(value, Mapping):
        raise KnobError(f"{name} must be an object like {{'count': 1, 'status': 503}} or null")
    unknown = set(value) - {"count", "status", "body", "retry_after", "paths"}
    if unknown:
        raise KnobError(f"{name} has unknown keys: {', '.join(sorted(unknown))}")
    count = value.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise KnobError(f"{name}.count must be an integer >= 0")
    if count == 0:
        return None
    status = value.get("status", 503)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise KnobError(f"{name}.status must be an HTTP status code")
    body = value.get("body", "json")
    if body not in FAIL_BODIES:
        raise KnobError(f"{name}.body must be one of {', '.join(FAIL_BODIES)}")
    retry_after = value.get("retry_after")
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
    ):
        raise KnobError(f"{name}.retry_after must be a whole number of seconds or null")
    paths = value.get("paths") or ()
    if isinstance(paths, str):
        paths = (paths,)
    if not all(isinstance(path, str) and path for path in paths):
        raise KnobError(f"{name}.paths must be a substring or a list of substrings")
    return FailNext(count, status, body, retry_after, tuple(paths))


_PARSERS = {
    "latency": _seconds,
    "error_rate": _rate,
    "html_errors": _flag,
    "malformed_json_rate": _rate,
    "fail_next": _fail_next,
    "token_lifetime": _lifetime,
    "callback_mode": _mode,
    "callback_copies": _copies,
    "callback_delay": _seconds,
    "callback_with_ids": _flag,
    "approved_amount_delta": _delta,
    "lookup_style": _choice(LOOKUP_STYLES),
    "return_style": _choice(RETURN_STYLES),
    "online_field_errors": _flag,
    "numeric_merchant_order_ids": _flag,
    "same_transaction_id": _flag,
    "reference_id_everywhere": _flag,
    "unlimited_bypass": _flag,
    "apply_address_1_required": _flag,
    "merchant_override": _flag,
}
KNOB_NAMES = tuple(item.name for item in fields(Knobs))


def failure_response(status: int, body: str, retry_after: int | None = None) -> Response:
    """A failed API answer with the requested kind of body."""
    phrase = _phrase(status)
    if body == "html":
        response = Response(gateway_page(status), mimetype="text/html")
    elif body == "malformed":
        response = Response(MALFORMED_BODY, mimetype="application/json")
    elif body == "empty":
        response = Response(b"")
        response.headers.pop("Content-Type", None)
    else:
        payload = {"code": status, "error": "server_error", "error_description": phrase}
        response = Response(json.dumps(payload), mimetype="application/json")
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def gateway_page(status: int) -> str:
    """What a proxy in front of Flexiti answers when the service behind it is down."""
    title = f"{status} {_phrase(status)}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )


def truncate(body: bytes) -> bytes:
    """Cut a JSON body in half so it no longer parses."""
    return body[: max(1, len(body) // 2)]


MALFORMED_BODY = '{"code": 500, "error": "server_error", "error_descr'


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
