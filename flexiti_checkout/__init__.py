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
    InvalidCheckout,
    InvalidRequestError,
    NotEnoughCreditError,
    NotFoundError,
    OrderAlreadySettledError,
    OrderMismatchError,
    RateLimitedError,
    RedirectRefusedError,
    UnavailableError,
)
from flexiti_checkout.lifecycle.checkout import PROVINCES, Address, CheckoutRequest
from flexiti_checkout.lifecycle.validation import validate_checkout
from flexiti_checkout.models import CheckoutSession, Order, OrderEvent, OrderStatus
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
    "InvalidCheckout",
    "InvalidRequestError",
    "Lookup",
    "MemoryTokenStore",
    "MerchantInfo",
    "NotEnoughCreditError",
    "NotFoundError",
    "Order",
    "OrderAlreadySettledError",
    "OrderEvent",
    "OrderMismatchError",
    "OrderStatus",
    "PaymentPlan",
    "Plan",
    "PromoDetails",
    "PurchaseDetails",
    "RateLimitedError",
    "RedirectRefusedError",
    "Token",
    "TokenStore",
    "UnavailableError",
    "WidgetSession",
    "validate_checkout",
]
