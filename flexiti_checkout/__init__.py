"""Flexiti financing at checkout for Flask shops and a standalone checkout service.

This module only names the public surface; the work lives in the modules it imports from.
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
    AuthenticationError,
    CheckoutError,
    CheckoutInProgressError,
    ConfigurationError,
    ConflictError,
    ExceedsAmountError,
    FieldError,
    FlexitiError,
    IdempotencyKeyReused,
    InvalidCheckout,
    InvalidRequestError,
    NotEnoughCreditError,
    NotFoundError,
    OrderActionError,
    OrderAlreadySettledError,
    OrderMismatchError,
    OrderStateError,
    RateLimitedError,
    RedirectRefusedError,
    RefundTooLarge,
    UnavailableError,
    UnknownOrderError,
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
from flexiti_checkout.storefront.plans import Plan
from flexiti_checkout.web.extension import FlexitiCheckout

__all__ = [
    "PROVINCES",
    "Address",
    "ApplyDetails",
    "AuthenticationError",
    "CheckoutError",
    "CheckoutInProgressError",
    "CheckoutRequest",
    "CheckoutSession",
    "ConfigurationError",
    "ConflictError",
    "ExceedsAmountError",
    "FieldError",
    "FlexitiCheckout",
    "FlexitiClient",
    "FlexitiError",
    "IdempotencyKeyReused",
    "InvalidCheckout",
    "InvalidRequestError",
    "Lookup",
    "MemoryTokenStore",
    "MerchantInfo",
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
    "RefundTooLarge",
    "Token",
    "TokenStore",
    "UnavailableError",
    "UnknownOrderError",
    "WidgetSession",
    "validate_checkout",
]
