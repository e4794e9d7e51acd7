"""Flexiti financing at checkout for Flask shops and a standalone checkout service.

This module only names the public surface; the work lives in the modules it imports from.
"""

from .client import FlexitiClient
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    FieldError,
    FlexitiError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
)
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
    "ApplyDetails",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "FieldError",
    "FlexitiClient",
    "FlexitiError",
    "InvalidRequestError",
    "Lookup",
    "MemoryTokenStore",
    "MerchantInfo",
    "NotFoundError",
    "PaymentPlan",
    "PromoDetails",
    "PurchaseDetails",
    "RateLimitedError",
    "Token",
    "TokenStore",
    "UnavailableError",
    "WidgetSession",
]
