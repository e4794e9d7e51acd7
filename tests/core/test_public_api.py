"""The public face: the names the README documents, pinned so an accidental change fails."""

from __future__ import annotations

import importlib

import flexiti_checkout

PUBLIC = [
    "PROVINCES", "Address", "ApplyDetails", "AuthenticationError", "CheckoutError",
    "CheckoutInProgressError", "CheckoutRequest", "CheckoutSession", "ConfigurationError",
    "ConflictError", "ExceedsAmountError", "FieldError", "FlexitiCheckout", "FlexitiClient",
    "FlexitiError", "InvalidCheckoutError", "InvalidRequestError", "Lookup", "MemoryTokenStore",
    "MerchantInfo", "NotEnoughCreditError", "NotFoundError", "Order", "OrderAlreadySettledError",
    "OrderEvent", "OrderMismatchError", "OrderStatus", "PaymentPlan", "Plan", "PromoDetails",
    "PurchaseDetails", "RateLimitedError", "RedirectRefusedError", "Token", "TokenStore",
    "UnavailableError", "WidgetSession", "validate_checkout",
    # refunds, cancellations and review decisions
    "IdempotencyKeyReusedError", "OrderActionError", "OrderStateError", "Refund", "RefundStatus",
    "RefundTooLargeError", "UnknownOrderError",
    # Flexiti's answers a caller can meet: an amount outside the plans, an answer not readable
    "AmountNotFinanceableError", "UnreadableAnswerError",
    # a lookup Flexiti refused for the merchant order id's form (FLEXITI_NUMERIC_ORDER_IDS)
    "MerchantOrderIdRefusedError",
]  # fmt: skip


def test_all_is_exactly_the_public_names():
    """Adding or removing a public name is a decision: update this list and CHANGES.md."""
    assert sorted(flexiti_checkout.__all__) == sorted(PUBLIC)
    assert len(set(flexiti_checkout.__all__)) == len(flexiti_checkout.__all__)


def test_every_public_name_is_importable():
    for name in PUBLIC:
        assert getattr(flexiti_checkout, name) is not None, name


def test_documented_import_paths_keep_working():
    """Paths the README shows: signals, errors, the sandbox app and the service factory."""
    signals = importlib.import_module("flexiti_checkout.signals")
    errors = importlib.import_module("flexiti_checkout.errors")
    sandbox = importlib.import_module("flexiti_checkout.sandbox")
    service = importlib.import_module("flexiti_checkout.service")
    assert signals.order_approved.name == "flexiti-order-approved"
    assert errors.FlexitiError is flexiti_checkout.FlexitiError
    assert callable(sandbox.create_app)
    assert callable(service.create_app)
