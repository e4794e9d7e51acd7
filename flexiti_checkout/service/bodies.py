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


def limit_body() -> None:
    """Refuse a body over ``MAX_BODY_BYTES`` before any of it is read (every API route).

    A declared ``Content-Length`` over the limit is a 413 at once; a chunked body is read only up
    to the limit (``body_bytes``).
    """
    request.max_content_length = MAX_BODY_BYTES
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        _too_large(f"The body has {length} bytes")


def body_bytes() -> bytes:
    """The request's body, at most ``MAX_BODY_BYTES`` of it (``limit_body``).

    werkzeug stops reading a chunked body at the limit without saying so: one that reaches it
    is refused rather than read cut short.
    """
    raw = request.get_data(cache=True)
    if request.content_length is None and len(raw) >= MAX_BODY_BYTES:
        _too_large("The body, sent without Content-Length, reached the limit")
    return raw


def json_body() -> Any:
    """The request's JSON with every fraction kept exact (``JsonFraction``), never a float."""
    if not request.is_json:
        abort_api(415, "unsupported_media_type", "Send JSON with Content-Type: application/json.")
    try:
        return loads(body_bytes(), fraction=JsonFraction)
    except ValueError as exc:
        abort_api(400, "invalid_json", f"The body {exc}: send UTF-8 JSON.")


def _too_large(what: str) -> NoReturn:
    abort_api(
        413,
        "request_entity_too_large",
        f"{what}; the API takes at most {MAX_BODY_BYTES} bytes (64 KiB): send less.",
    )


def error(status: int, code: str, message: str, **extra: Any) -> ResponseReturnValue:
    """A JSON error answer: ``{"error": code, "message": ..., **extra}``."""
    return jsonify(error=code, message=message, **extra), status


def error_response(
    exc: Exception, *, invalid: str | None = None, location: str | None = None
) -> ResponseReturnValue:
    """``exc`` answered as ``http_errors.ERROR_ANSWERS`` says: its status and ``error`` code, the
    error's own sentence as ``message``, and its details (``reference_id``, ``fields``,
    ``remaining``). ``invalid`` replaces the code of a plain ``OrderActionError`` (the request's
    own content) on routes that name it otherwise (``invalid_refund``); ``location``, where the
    outcome of work still in progress (a 202) will show."""
    answer = error_answer(exc)
    code = invalid if invalid is not None and answer.error is OrderActionError else answer.code
    if not answer.refused:
        log.warning("The API answered %d %s: %r", answer.status, code, exc)
    response = jsonify(error=code, message=str(exc), **error_details(exc))
    response.headers.update(error_headers(exc))
    if location is not None and answer.status == 202:
        response.headers["Location"] = location
    return response, answer.status


def abort_api(status: int, code: str, message: str) -> NoReturn:
    raise ApiError(status, code, message)


class ApiError(HTTPException):
    """An HTTP error of the API with its machine-readable ``error`` code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.code = status
        self.error_code = code
