"""One error hierarchy for everything that can go wrong talking to Flexiti.

``FlexitiError`` is the root. Each error carries what an engineer on call needs to find the call
in Flexiti's logs and ours: the HTTP status, Flexiti's ``error`` code and description, its field
errors and the ``x-reference-id`` of the flow. ``str(err)`` is a sentence a merchant can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One entry of Flexiti's ``field_errors``: which parameter, and what was wrong with it.

    The rejected value is kept for debugging but never shown by ``str``: it may be personal data.
    """

    param: str
    msg: str
    value: Any = None

    def __str__(self) -> str:
        return f"{self.param}: {self.msg}"


class FlexitiError(Exception):
    """Root of every error this package raises about Flexiti."""

    #: What the merchant can do about it; subclasses say something more precise.
    advice = "Try again later; if it persists, contact Flexiti with the reference id."

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        description: str | None = None,
        field_errors: tuple[FieldError, ...] = (),
        reference_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.description = description
        self.field_errors = field_errors
        self.reference_id = reference_id
        self.retry_after = retry_after

    def __str__(self) -> str:
        parts = [self.message.rstrip(".") + "."]
        if self.field_errors:
            parts.append("Fields: " + "; ".join(str(e) for e in self.field_errors) + ".")
        parts.append(self.advice)
        if self.reference_id:
            parts.append(f"(reference id {self.reference_id})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"reference_id={self.reference_id!r})"
        )


class AuthenticationError(FlexitiError):
    """Flexiti refused the credentials or the token (invalid client, scope, or token)."""

    advice = "Check the Flexiti client id, secret and environment (training or production)."


class InvalidRequestError(FlexitiError):
    """Flexiti rejected the request's content; ``field_errors`` names the bad fields."""

    advice = "Correct the request and send it again."


class MerchantOrderIdRefusedError(InvalidRequestError):
    """Flexiti refused a merchant order id for its form (an account whose merchant order ids
    are integers, say): not an outage, and asking again will not change it."""

    advice = (
        "Set FLEXITI_NUMERIC_ORDER_IDS = True so that new orders give Flexiti a numeric "
        "merchant order id of their own; orders already started are looked up by Flexiti's "
        "order id."
    )

    @classmethod
    def from_refusal(
        cls, refusal: InvalidRequestError, merchant_order_id: str
    ) -> MerchantOrderIdRefusedError:
        """The refusal of a lookup by ``merchant_order_id``, said as what it is."""
        return cls(
            f"Flexiti refused the merchant order id {merchant_order_id!r} as an identifier "
            f"({refusal.description or refusal.code or refusal.status})",
            status=refusal.status,
            code=refusal.code,
            description=refusal.description,
            reference_id=refusal.reference_id,
        )


class NotFoundError(FlexitiError):
    """Flexiti knows no such order, promo or resource."""

    advice = "Check the identifier; training data is wiped daily."


class ConflictError(FlexitiError):
    """A business refusal (HTTP 409), such as ``not_enough_credit`` or an amount out of range."""

    advice = "This is Flexiti's answer for this request; retrying will not change it."


class NotEnoughCreditError(ConflictError):
    """The customer's available credit does not cover the amount (``not_enough_credit``)."""

    advice = "Ask the customer for a smaller amount or another way to pay."


class ExceedsAmountError(ConflictError):
    """A return asks for more than what can still be returned on the transaction."""

    advice = "Return at most what remains on the transaction (its balance, from Flexiti)."


class AmountNotFinanceableError(ConflictError):
    """Flexiti refused the amount: it is outside every plan the merchant offers (HTTP 409).

    Permanent for this amount: asking again will not change it, and Flexiti is not down.
    """

    advice = (
        "Offer Flexiti only for amounts within the merchant's plans (check "
        "payment_availability first), or let the customer choose another payment method."
    )


class UnavailableError(FlexitiError):
    """Flexiti could not be reached or answered with something that is not a usable response.

    ``never_sent`` is true when no connection was made, so the request certainly did not reach
    Flexiti and even a call that opens an order may be sent again.
    """

    advice = "Flexiti may be down or slow; try again later."

    def __init__(self, message: str, *, never_sent: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.never_sent = never_sent


class UnreadableAnswerError(UnavailableError):
    """Flexiti answered 2xx with JSON we cannot read: a field we rely on is missing or odd.

    Not transient like a timeout: the same question will likely get the same answer, so an order
    in this state goes to a person rather than being asked about forever.
    """

    advice = (
        "Flexiti's answer was not in a shape this version understands; a person should check "
        "the order with Flexiti, quoting the reference id."
    )


class RateLimitedError(UnavailableError):
    """Flexiti asked us to slow down (HTTP 429); ``retry_after`` says for how long, if it said."""


class ConfigurationError(FlexitiError, ValueError):
    """A setting is missing or malformed; the message names it."""

    advice = "Fix the setting and restart."


class StoreSchemaError(ConfigurationError):
    """The store's schema is not one this flexiti-checkout can use: newer than it, or a schema
    version that is not a number (the message says which)."""

    advice = "Upgrade flexiti-checkout, or point FLEXITI_STORE_URL at this version's store."
    #: What ``/healthz`` says of the store.
    health = "schema unusable"


class SchemaBehindError(StoreSchemaError):
    """The store was made by an older flexiti-checkout and needs its migrations."""

    advice = "Back the database up, then run `flask flexiti db upgrade`."
    health = "schema behind, run flask flexiti db upgrade"


def _field_errors(raw: Any) -> tuple[FieldError, ...]:
    if not isinstance(raw, list):
        return ()
    found = []
    for item in raw:
        if isinstance(item, Mapping):
            param = str(item.get("param") or item.get("field") or "?")
            found.append(
                FieldError(
                    param, str(item.get("msg") or item.get("message") or ""), item.get("value")
                )
            )
    return tuple(found)


#: Flexiti's codes for a request whose fields are wrong; it answers them with 400 or 409.
_INVALID_INPUT_CODES = frozenset({"wrong_inputs", "wrong_input", "invalid_request"})


def _is_amount_refusal(code: str | None) -> bool:
    """Whether a 409's code says the amount is outside the merchant's plans.

    Flexiti documents no code for it; the sandbox says ``amount_out_of_range``, and any code
    naming the amount is read the same way.
    """
    return code is not None and "amount" in code.lower()


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def error_from_response(
    status: int,
    body: Any,
    *,
    reference_id: str | None,
    retry_after: float | None = None,
) -> FlexitiError:
    """Map one failed Flexiti response to the error class that says what happened.

    Understands both of Flexiti's error shapes (``{code, error, error_description}`` and
    ``{url, message, error, field_errors}``), and its habit of answering "not found" with a 409
    whose body says ``"code": 404``.
    """
    body = body if isinstance(body, Mapping) else {}
    code = body.get("error") if isinstance(body.get("error"), str) else None
    description = body.get("error_description") or body.get("message")
    description = str(description) if description else None
    field_errors = _field_errors(body.get("field_errors"))
    body_code = _as_int(body.get("code"))
    summary = f"{code}: {description}" if code and description else (code or description or "")
    detail = f" ({summary})" if summary else ""
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "description": description,
        "field_errors": field_errors,
        "reference_id": reference_id,
        "retry_after": retry_after,
    }

    if status in (401, 403) or code in ("invalid_client", "invalid_token", "invalid_grant"):
        return AuthenticationError(f"Flexiti refused the credentials{detail}", **kwargs)
    # POS API v2 titles no_returns_found (no purchase left to return) "409 - Not Found".
    if status == 404 or body_code == 404 or code in ("not_found", "no_returns_found"):
        return NotFoundError(f"Flexiti found nothing for this request{detail}", **kwargs)
    if status == 429:
        return RateLimitedError(f"Flexiti is rate limiting requests{detail}", **kwargs)
    if status >= 500:
        return UnavailableError(f"Flexiti answered with server error {status}{detail}", **kwargs)
    if code in _INVALID_INPUT_CODES or (status == 409 and field_errors):
        # Flexiti answers bad input with 409 as often as 400; either way the request is at fault.
        return InvalidRequestError(f"Flexiti rejected the request{detail}", **kwargs)
    if status == 409 and code == "not_enough_credit":
        return NotEnoughCreditError(f"Flexiti declined the amount{detail}", **kwargs)
    if status == 409 and code and "exceed" in code:
        # Flexiti's pages name this refusal "Refund - Exceeds Amount" without its body; Flexiti's
        # other pages spell it capture_amount_exceeded or refunds_limit_exceeded_amount.
        return ExceedsAmountError(f"Flexiti refused the return amount{detail}", **kwargs)
    if status == 409 and _is_amount_refusal(code):
        return AmountNotFinanceableError(f"Flexiti does not finance this amount{detail}", **kwargs)
    if status == 409:
        return ConflictError(f"Flexiti declined the request{detail}", **kwargs)
    if 400 <= status < 500:
        return InvalidRequestError(f"Flexiti rejected the request{detail}", **kwargs)
    return UnavailableError(f"Flexiti answered with unexpected status {status}{detail}", **kwargs)


class InvalidCheckoutError(ValueError):
    """The shop asked for a checkout that cannot be started as given.

    Not a ``FlexitiError``: nothing was sent to Flexiti, the shop's own input is at fault.
    ``errors`` maps each bad field, dotted for nested ones (``"billing.postal_code"``), to what is
    wrong with it. Messages never repeat the rejected value: it may be personal data.
    """

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors: dict[str, list[str]] = {field: list(msgs) for field, msgs in errors.items()}
        super().__init__(str(self))

    def __str__(self) -> str:
        problems = "; ".join(
            f"{field} {message}" for field, messages in self.errors.items() for message in messages
        )
        return (
            f"The checkout request is invalid: {problems}. "
            "Correct these fields and start the checkout again."
        )


class CheckoutError(FlexitiError):
    """A checkout cannot start, or an order cannot change, in the state the order is in."""

    advice = "Start the checkout again with a new merchant order id."


class OrderAlreadySettledError(CheckoutError):
    """The merchant order id belongs to an order that has already ended."""


class OrderMismatchError(CheckoutError):
    """A pending order has this merchant order id, but for another amount or flow."""


class CheckoutInProgressError(CheckoutError):
    """Another request is starting this very checkout right now."""

    advice = "Try again in a few seconds."


class CheckoutStillStartingError(CheckoutInProgressError):
    """Flexiti is slower than the request's budget: the start goes on without the request."""

    advice = (
        "Send the same checkout again after Retry-After seconds: it answers the started "
        "checkout, never a second Flexiti order."
    )


class RedirectRefusedError(CheckoutError):
    """Flexiti's ``redirection_url`` points at a host that is not Flexiti's: never sent on."""

    advice = (
        "Check FLEXITI_ONLINE_API_URL; add the host to FLEXITI_ALLOWED_REDIRECT_HOSTS only if it "
        "really is Flexiti's."
    )


class OrderActionError(FlexitiError):
    """The shop asked for a refund, a cancellation or a review decision that cannot be done.

    Not Flexiti's answer: the order's own state or the request is at fault, nothing was sent.
    """

    advice = "Check the order's status and its refunds, then ask again."


class UnknownOrderError(OrderActionError, LookupError):
    """No order has this merchant order id."""

    advice = "Check the merchant order id."


class OrderStateError(OrderActionError):
    """The order is in a status that does not allow this (a refund of a declined order, ...)."""


class ActionInProgressError(OrderActionError):
    """A cancellation or review decision of this order is under way at Flexiti (slower than the
    request's budget, or asked for by another request): it is not done twice."""

    advice = (
        "Read the order in a few seconds: its status and history show the outcome. Asking "
        "again meanwhile does not call Flexiti again."
    )


class RefundTooLargeError(OrderActionError, ValueError):
    """A refund asks for more than what remains refundable; ``remaining`` says how much does."""

    advice = "Refund at most what remains."

    def __init__(self, message: str, *, remaining: Any, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.remaining = remaining


class IdempotencyKeyReusedError(OrderActionError, ValueError):
    """The idempotency key was used for another refund of this order (another amount)."""

    advice = "Use a new idempotency key for a different refund."
