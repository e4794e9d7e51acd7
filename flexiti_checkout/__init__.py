"""Flexiti financing at checkout for Flask shops and a standalone checkout service.

This module only names the public surface; the work lives in the modules it imports from.
"""

from .checkout import Address, CheckoutRequest
from .client import FlexitiClient
from .errors import (
    AuthenticationError,
    CheckoutError,
    CheckoutInProgressError,
    ConfigurationError,
    ConflictError,
    FieldError,
    FlexitiError,
    InvalidCheckout,
    InvalidRequestError,
    NotFoundError,
    OrderAlreadySettledError,
    OrderMismatchError,
    RateLimitedError,
    RedirectRefusedError,
    UnavailableError,
)
from .extension import FlexitiCheckout
from .models import CheckoutSession, Order, OrderEvent, OrderStatus
from .results import (
    ApplyDetails,
    Lookup,
    MerchantInfo,
    PaymentPlan,
    PromoDetails,
    PurchaseDetails,
    WidgetSession,
)
from .tokens import MemoryTokenStore, Token, TokenStore

__all__ = [
    "Address",
    "ApplyDetails",
    "AuthenticationError",
    "CheckoutError",
    "CheckoutInProgressError",
    "CheckoutRequest",
    "CheckoutSession",
    "ConfigurationError",
    "ConflictError",
    "FieldError",
    "FlexitiCheckout",
    "FlexitiClient",
    "FlexitiError",
    "InvalidCheckout",
    "InvalidRequestError",
    "Lookup",
    "MemoryTokenStore",
    "MerchantInfo",
    "NotFoundError",
    "Order",
    "OrderAlreadySettledError",
    "OrderEvent",
    "OrderMismatchError",
    "OrderStatus",
    "PaymentPlan",
    "PromoDetails",
    "PurchaseDetails",
    "RateLimitedError",
    "RedirectRefusedError",
    "Token",
    "TokenStore",
    "UnavailableError",
    "WidgetSession",
]
