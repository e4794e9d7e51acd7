"""Flexiti financing at checkout for Flask shops and a standalone checkout service.

This module only names the public surface; the work lives in the modules it imports from. The
public surface is ``__all__`` below and the module paths docs/api.rst lists (``signals``,
``errors``, ``http_errors``, ``client.pos.results``, ``webhooks.signing``, the two
``create_app``); every other module is internal.
"""

from flexiti_checkout.client import FlexitiClient, MemoryTokenStore, Token, TokenStore
from flexiti_checkout.client.results import (
    ApplyDetails,
    Lookup,
    MerchantInfo,
    PaymentPlan,
    PromoDetails,
    PurchaseDetails,
    WidgetSession,
)
from flexiti_checkout.errors import (
    AmountNotFinanceableError,
    AuthenticationError,
    CheckoutError,
    CheckoutInProgressError,
    ConfigurationError,
    ConflictError,
    ExceedsAmountError,
    FieldError,
    FlexitiError,
    IdempotencyKeyReusedError,
    InvalidCheckoutError,
    InvalidRequestError,
    MerchantOrderIdRefusedError,
    NotEnoughCreditError,
    NotFoundError,
    OrderActionError,
    OrderAlreadySettledError,
    OrderMismatchError,
    OrderStateError,
    RateLimitedError,
    RedirectRefusedError,
    RefundTooLargeError,
    UnavailableError,
    UnknownOrderError,
    UnreadableAnswerError,
)
from flexiti_checkout.http_errors import (
    AmountNotFinanceableHTTPError,
    CheckoutConflictHTTPError,
    CheckoutMisconfiguredHTTPError,
    CheckoutRefusedHTTPError,
    CheckoutUnavailableHTTPError,
    FlexitiHTTPError,
    InvalidCheckoutHTTPError,
)
from flexiti_checkout.lifecycle.checkout import PROVINCES, Address, CheckoutRequest
from flexiti_checkout.lifecycle.validation import validate_checkout
from flexiti_checkout.models import (
    CheckoutSession,
    Order,
    OrderEvent,
    OrderStatus,
    Refund,
    RefundStatus,
)
from flexiti_checkout.money import AmountError, format_money
from flexiti_checkout.storefront.plans import Plan
from flexiti_checkout.storefront.terms import Terms
from flexiti_checkout.web.extension import FlexitiCheckout

__all__ = [
    "PROVINCES",
    "Address",
    "AmountError",
    "AmountNotFinanceableError",
    "AmountNotFinanceableHTTPError",
    "ApplyDetails",
    "AuthenticationError",
    "CheckoutConflictHTTPError",
    "CheckoutError",
    "CheckoutInProgressError",
    "CheckoutMisconfiguredHTTPError",
    "CheckoutRefusedHTTPError",
    "CheckoutRequest",
    "CheckoutSession",
    "CheckoutUnavailableHTTPError",
    "ConfigurationError",
    "ConflictError",
    "ExceedsAmountError",
    "FieldError",
    "FlexitiCheckout",
    "FlexitiClient",
    "FlexitiError",
    "FlexitiHTTPError",
    "IdempotencyKeyReusedError",
    "InvalidCheckoutError",
    "InvalidCheckoutHTTPError",
    "InvalidRequestError",
    "Lookup",
    "MemoryTokenStore",
    "MerchantInfo",
    "MerchantOrderIdRefusedError",
    "NotEnoughCreditError",
    "NotFoundError",
    "Order",
    "OrderActionError",
    "OrderAlreadySettledError",
    "OrderEvent",
    "OrderMismatchError",
    "OrderStateError",
    "OrderStatus",
    "PaymentPlan",
    "Plan",
    "PromoDetails",
    "PurchaseDetails",
    "RateLimitedError",
    "RedirectRefusedError",
    "Refund",
    "RefundStatus",
    "RefundTooLargeError",
    "Terms",
    "Token",
    "TokenStore",
    "UnavailableError",
    "UnknownOrderError",
    "UnreadableAnswerError",
    "WidgetSession",
    "format_money",
    "validate_checkout",
]
