"""Errors as HTTP answers: one table from the error hierarchy to a status, a code and a message.

``ERROR_ANSWERS`` is read by every surface that answers an error over HTTP: the host pages
(``FlexitiCheckout.checkout`` and the storefront raise the werkzeug errors below, which the
blueprint renders as a page the customer can read, or as JSON for ``flexiti.js``), the service's
JSON API (its ``error`` code) and the admin console (a refusal, or a failure to try again). A
host app restyles a page with ``@app.errorhandler(CheckoutUnavailableHTTPError)``.

A refusal of what was sent (by Flexiti, or by the order's own state) is a 4xx: sending the same
again will not help. Only Flexiti failing to answer usably (or refusing our own credentials) is
a 502, and a setting of ours that is wrong a 500.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import (
    BadGateway,
    BadRequest,
    Conflict,
    HTTPException,
    InternalServerError,
    ServiceUnavailable,
    UnprocessableEntity,
)

from flexiti_checkout.errors import (
    ActionInProgressError,
    AmountNotFinanceableError,
    AuthenticationError,
    CheckoutError,
    CheckoutInProgressError,
    CheckoutStillStartingError,
    ConfigurationError,
    ConflictError,
    FlexitiError,
    IdempotencyKeyReusedError,
    InvalidCheckoutError,
    InvalidRequestError,
    NotFoundError,
    OrderActionError,
    OrderAlreadySettledError,
    OrderMismatchError,
    OrderStateError,
    RedirectRefusedError,
    RefundTooLargeError,
    SchemaBehindError,
    UnavailableError,
    UnknownOrderError,
)


class FlexitiHTTPError(HTTPException):
    """Base of the extension's HTTP errors; ``original`` is the error behind it."""

    original: Exception | None = None
    #: What a JSON answer names the error (``"error"``): clients match on it, so it keeps the
    #: name these classes had before they ended in ``HTTPError``.
    error_name = "FlexitiHTTPError"
    #: What the customer reads; never a stack trace nor a secret.
    customer_message = "Flexiti financing is not available right now."


class InvalidCheckoutHTTPError(FlexitiHTTPError, BadRequest):
    """The shop sent a checkout request with bad fields (400)."""

    error_name = "InvalidCheckoutRequest"
    customer_message = "Some checkout details need correcting before Flexiti can be offered."


class CheckoutConflictHTTPError(FlexitiHTTPError, Conflict):
    """The merchant order cannot be started in the state it is in (409)."""

    error_name = "CheckoutConflict"
    customer_message = "This order cannot be financed again. Please start a new order."


class CheckoutStillStartingHTTPError(FlexitiHTTPError):
    """Flexiti is slower than ``FLEXITI_REQUEST_BUDGET`` (202, ``Retry-After``): the start goes
    on, and the same checkout sent again gets it. Not a failure: "we are still confirming"."""

    code = 202
    description = "The checkout is still starting."
    error_name = "CheckoutStillStarting"
    customer_message = "Your checkout is still starting with Flexiti. Please wait a moment."


class CheckoutRefusedHTTPError(FlexitiHTTPError, Conflict):
    """Flexiti refused the checkout as it was sent (409): not an outage, and not worth retrying."""

    error_name = "CheckoutRefused"
    customer_message = (
        "Flexiti cannot finance this order as it stands. Please choose another payment method."
    )


class AmountNotFinanceableHTTPError(FlexitiHTTPError, UnprocessableEntity):
    """Flexiti refused the amount: it is outside the merchant's plans (422). Not an outage."""

    error_name = "AmountNotFinanceable"
    customer_message = "Flexiti cannot finance this amount. Please choose another payment method."


class CheckoutUnavailableHTTPError(FlexitiHTTPError, BadGateway):
    """Flexiti could not be reached, answered unusably, or refused our credentials (502)."""

    error_name = "CheckoutUnavailable"
    customer_message = (
        "Flexiti financing is not available right now. Please choose another payment method "
        "or try again in a few minutes."
    )


class CheckoutMisconfiguredHTTPError(FlexitiHTTPError, InternalServerError):
    """A setting of the shop's is wrong, such as a store not upgraded (500)."""

    error_name = "CheckoutMisconfigured"
    customer_message = CheckoutUnavailableHTTPError.customer_message


class StoreNotUpgradedHTTPError(FlexitiHTTPError, ServiceUnavailable):
    """The store waits for ``flask flexiti db upgrade`` (503): a deploy is half done."""

    error_name = "StoreNotUpgraded"
    customer_message = CheckoutUnavailableHTTPError.customer_message


@dataclass(frozen=True)
class ErrorAnswer:
    """How one error class is answered: its status, the API's ``error`` code, the host pages'
    werkzeug error (``None``: no page shows it, the shop's own code meets it) and, if the page's
    own will not do, what the customer reads."""

    error: type[Exception]
    status: int
    code: str
    page: type[FlexitiHTTPError] | None
    customer_message: str | None = None

    @property
    def refused(self) -> bool:
        """The request was refused as it stands (4xx); otherwise it failed (try again later)."""
        return self.status < 500


#: The table, most specific class first; an error takes the row of the nearest class in its MRO.
ERROR_ANSWERS: tuple[ErrorAnswer, ...] = (
    ErrorAnswer(InvalidCheckoutError, 400, "invalid_checkout", InvalidCheckoutHTTPError),
    ErrorAnswer(CheckoutStillStartingError, 202, "checkout_in_progress",
                CheckoutStillStartingHTTPError),
    ErrorAnswer(CheckoutInProgressError, 409, "checkout_in_progress", CheckoutConflictHTTPError,
                "Your checkout is already starting. Please wait a moment."),
    ErrorAnswer(OrderAlreadySettledError, 409, "order_settled", CheckoutConflictHTTPError),
    ErrorAnswer(OrderMismatchError, 409, "order_mismatch", CheckoutConflictHTTPError),
    ErrorAnswer(RedirectRefusedError, 502, "flexiti_unavailable", CheckoutUnavailableHTTPError),
    ErrorAnswer(CheckoutError, 409, "conflict", CheckoutConflictHTTPError),
    ErrorAnswer(AmountNotFinanceableError, 422, "amount_not_financeable",
                AmountNotFinanceableHTTPError),
    ErrorAnswer(ConflictError, 409, "flexiti_refused", CheckoutRefusedHTTPError),
    ErrorAnswer(InvalidRequestError, 409, "flexiti_refused", CheckoutRefusedHTTPError),
    ErrorAnswer(NotFoundError, 409, "flexiti_refused", CheckoutRefusedHTTPError),
    ErrorAnswer(AuthenticationError, 502, "flexiti_unavailable", CheckoutUnavailableHTTPError),
    ErrorAnswer(UnavailableError, 502, "flexiti_unavailable", CheckoutUnavailableHTTPError),
    ErrorAnswer(SchemaBehindError, 503, "schema_behind", StoreNotUpgradedHTTPError),
    ErrorAnswer(ConfigurationError, 500, "misconfigured", CheckoutMisconfiguredHTTPError),
    ErrorAnswer(UnknownOrderError, 404, "not_found", None),
    ErrorAnswer(ActionInProgressError, 202, "action_in_progress", None),
    ErrorAnswer(RefundTooLargeError, 400, "refund_too_large", None),
    ErrorAnswer(IdempotencyKeyReusedError, 409, "idempotency_key_reused", None),
    ErrorAnswer(OrderStateError, 409, "order_state", None),
    ErrorAnswer(OrderActionError, 400, "invalid_request", None),
    ErrorAnswer(FlexitiError, 502, "flexiti_unavailable", CheckoutUnavailableHTTPError),
)  # fmt: skip
_BY_CLASS = {row.error: row for row in ERROR_ANSWERS}
#: Anything else that escapes: answered as Flexiti being unavailable, and logged.
_UNEXPECTED = ErrorAnswer(Exception, 502, "flexiti_unavailable", CheckoutUnavailableHTTPError)


def error_answer(exc: BaseException) -> ErrorAnswer:
    """The row of ``ERROR_ANSWERS`` for ``exc``: that of the nearest class in its MRO."""
    return next((_BY_CLASS[cls] for cls in type(exc).__mro__ if cls in _BY_CLASS), _UNEXPECTED)


def error_details(exc: BaseException) -> dict[str, Any]:
    """What an answer carries besides its code and message: the ``reference_id`` to quote to
    Flexiti, the bad ``fields`` of a checkout, what ``remaining`` a refund may take."""
    details: dict[str, Any] = {}
    if isinstance(exc, FlexitiError) and exc.reference_id:
        details["reference_id"] = exc.reference_id
    if isinstance(exc, InvalidCheckoutError):
        details["fields"] = exc.errors
    if isinstance(exc, RefundTooLargeError):
        details["remaining"] = format(exc.remaining, "f")
    return details


def error_headers(exc: BaseException) -> dict[str, str]:
    """``Retry-After`` when the error says how long to wait (a checkout another request starts,
    Flexiti's rate limit)."""
    wait = exc.retry_after if isinstance(exc, FlexitiError) else None
    return {} if wait is None else {"Retry-After": str(math.ceil(wait))}


def as_http_error(exc: Exception) -> FlexitiHTTPError:
    """The HTTP error that stands for ``exc`` in front of a customer (its row's page)."""
    answer = error_answer(exc)
    error: FlexitiHTTPError
    if answer.page is not None:
        error = answer.page(str(exc) if answer is not _UNEXPECTED else "unexpected error")
    else:  # no page expects it: the table's status all the same
        error = FlexitiHTTPError(str(exc))
        error.code, error.error_name = answer.status, answer.code
    if answer.customer_message is not None:
        error.customer_message = answer.customer_message
    error.original = exc
    return error
