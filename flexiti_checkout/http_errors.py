"""Checkout failures as werkzeug HTTP errors, so a host app can restyle them.

``FlexitiCheckout.checkout`` raises these instead of the underlying errors; the blueprint
renders them as a page the customer can read (``flexiti_checkout/error.html``), or as JSON for
the service's API. A host app takes over with ``@app.errorhandler(CheckoutUnavailableHTTPError)``.
"""

from __future__ import annotations

from werkzeug.exceptions import (
    BadGateway,
    BadRequest,
    Conflict,
    HTTPException,
    UnprocessableEntity,
)

from flexiti_checkout.errors import (
    AmountNotFinanceableError,
    CheckoutError,
    CheckoutInProgressError,
    FlexitiError,
    InvalidCheckoutError,
    RedirectRefusedError,
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


class AmountNotFinanceableHTTPError(FlexitiHTTPError, UnprocessableEntity):
    """Flexiti refused the amount: it is outside the merchant's plans (422). Not an outage."""

    error_name = "AmountNotFinanceable"
    customer_message = "Flexiti cannot finance this amount. Please choose another payment method."


class CheckoutUnavailableHTTPError(FlexitiHTTPError, BadGateway):
    """Flexiti refused or could not be reached (502)."""

    error_name = "CheckoutUnavailable"
    customer_message = (
        "Flexiti financing is not available right now. Please choose another payment method "
        "or try again in a few minutes."
    )


def as_http_error(exc: Exception) -> FlexitiHTTPError:
    """The HTTP error that stands for ``exc`` in front of a customer."""
    error: FlexitiHTTPError
    if isinstance(exc, InvalidCheckoutError):
        error = InvalidCheckoutHTTPError(str(exc))
    elif isinstance(exc, CheckoutInProgressError):
        error = CheckoutConflictHTTPError(str(exc))
        error.customer_message = "Your checkout is already starting. Please wait a moment."
    elif isinstance(exc, CheckoutError) and not isinstance(exc, RedirectRefusedError):
        error = CheckoutConflictHTTPError(str(exc))
    elif isinstance(exc, AmountNotFinanceableError):
        error = AmountNotFinanceableHTTPError(str(exc))
    elif isinstance(exc, FlexitiError):
        error = CheckoutUnavailableHTTPError(str(exc))
    else:
        error = CheckoutUnavailableHTTPError("unexpected error")
    error.original = exc
    return error
