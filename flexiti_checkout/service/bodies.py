"""Reading the API's JSON bodies exactly, and answering its errors as JSON (``http_errors``).

Every JSON number with a fraction is read as ``JsonFraction`` (a ``Decimal`` that remembers it
was a number), never as a float, so an amount sent that way can be refused rather than trusted.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, NoReturn

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from flexiti_checkout._json import loads
from flexiti_checkout.errors import OrderActionError
from flexiti_checkout.http_errors import error_answer, error_details, error_headers

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
FLOAT_AMOUNT = (
    'must be a string such as "499.99", not a JSON number with a fraction: most JSON libraries '
    "turn those into binary floats, which cannot hold every amount in cents exactly"
)


class JsonFraction(Decimal):
    """A JSON number with a fraction or an exponent: read exactly, but known to have been a
    number, so an amount sent that way is refused rather than trusted."""


def json_body() -> Any:
    """The request's JSON with every fraction kept exact (``JsonFraction``), never a float."""
    if not request.is_json:
        abort_api(415, "unsupported_media_type", "Send JSON with Content-Type: application/json.")
    request.max_content_length = MAX_BODY_BYTES
    raw = request.get_data(cache=False)
    try:
        return loads(raw, fraction=JsonFraction)
    except ValueError as exc:
        abort_api(400, "invalid_json", f"The body {exc}: send UTF-8 JSON.")


def error(status: int, code: str, message: str, **extra: Any) -> ResponseReturnValue:
    """A JSON error answer: ``{"error": code, "message": ..., **extra}``."""
    return jsonify(error=code, message=message, **extra), status


def error_response(exc: Exception, *, invalid: str | None = None) -> ResponseReturnValue:
    """``exc`` answered as ``http_errors.ERROR_ANSWERS`` says: its status and ``error`` code, the
    error's own sentence as ``message``, and its details (``reference_id``, ``fields``,
    ``remaining``). ``invalid`` replaces the code of a plain ``OrderActionError`` (the request's
    own content) on routes that name it otherwise (``invalid_refund``)."""
    answer = error_answer(exc)
    code = invalid if invalid is not None and answer.error is OrderActionError else answer.code
    if not answer.refused:
        log.warning("The API answered %d %s: %r", answer.status, code, exc)
    response = jsonify(error=code, message=str(exc), **error_details(exc))
    response.headers.update(error_headers(exc))
    return response, answer.status


def abort_api(status: int, code: str, message: str) -> NoReturn:
    raise ApiError(status, code, message)


class ApiError(HTTPException):
    """An HTTP error of the API with its machine-readable ``error`` code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.code = status
        self.error_code = code
