"""Checkout failures as werkzeug HTTP errors, so a host app can restyle them.

``FlexitiCheckout.checkout`` raises these instead of the underlying errors; the blueprint
renders them as a page the customer can read (``flexiti_checkout/error.html``), or as JSON for
the service's API. A host app takes over with ``@app.errorhandler(CheckoutUnavailable)``.
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
    InvalidCheckout,
    RedirectRefusedError,
)


class FlexitiHTTPError(HTTPException):
    """Base of the extension's HTTP errors; ``original`` is the error behind it."""

    original: Exception | None = None
    #: What the customer reads; never a stack trace nor a secret.
    customer_message = "Flexiti financing is not available right now."


class InvalidCheckoutRequest(FlexitiHTTPError, BadRequest):
    """The shop sent a checkout request with bad fields (400)."""

    customer_message = "Some checkout details need correcting before Flexiti can be offered."


class CheckoutConflict(FlexitiHTTPError, Conflict):
    """The merchant order cannot be started in the state it is in (409)."""

    customer_message = "This order cannot be financed again. Please start a new order."


class AmountNotFinanceable(FlexitiHTTPError, UnprocessableEntity):
    """Flexiti refused the amount: it is outside the merchant's plans (422). Not an outage."""

    customer_message = "Flexiti cannot finance this amount. Please choose another payment method."


class CheckoutUnavailable(FlexitiHTTPError, BadGateway):
    """Flexiti refused or could not be reached (502)."""

    customer_message = (
        "Flexiti financing is not available right now. Please choose another payment method "
        "or try again in a few minutes."
    )


def as_http_error(exc: Exception) -> FlexitiHTTPError:
    """The HTTP error that stands for ``exc`` in front of a customer."""
    error: FlexitiHTTPError
    if isinstance(exc, InvalidCheckout):
        error = InvalidCheckoutRequest(str(exc))
    elif isinstance(exc, CheckoutInProgressError):
        error = CheckoutConflict(str(exc))
        error.customer_message = "Your checkout is already starting. Please wait a moment."
    elif isinstance(exc, CheckoutError) and not isinstance(exc, RedirectRefusedError):
        error = CheckoutConflict(str(exc))
    elif isinstance(exc, AmountNotFinanceableError):
        error = AmountNotFinanceable(str(exc))
    elif isinstance(exc, FlexitiError):
        error = CheckoutUnavailable(str(exc))
    else:
        error = CheckoutUnavailable("unexpected error")
    error.original = exc
    return error
