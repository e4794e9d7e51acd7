"""The public face, pinned so an accidental change fails.

What is public is listed once, on the API reference page (docs/api.rst): the names of
``flexiti_checkout.__all__`` and the module paths below. Every other module is internal. These
tests pin both lists, check that the documentation names no other module, and that every
exception a caller can meet is importable from ``flexiti_checkout``.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import flexiti_checkout

ROOT = Path(__file__).resolve().parents[2]

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
    # work slower than FLEXITI_REQUEST_BUDGET that goes on: a checkout's start, an action
    "CheckoutStillStartingError", "CheckoutStillStartingHTTPError", "ActionInProgressError",
    # Flexiti's answers a caller can meet: an amount outside the plans, an answer not readable
    "AmountNotFinanceableError", "UnreadableAnswerError",
    # an amount the package refuses (a price, a refund, a checkout's total)
    "AmountError",
    # the werkzeug errors FlexitiCheckout.checkout raises, which a host may restyle
    "FlexitiHTTPError", "InvalidCheckoutHTTPError", "CheckoutConflictHTTPError",
    "AmountNotFinanceableHTTPError", "CheckoutUnavailableHTTPError", "CheckoutRefusedHTTPError",
    "CheckoutMisconfiguredHTTPError", "StoreNotUpgradedHTTPError",
    # a store whose schema is behind (run flask flexiti db upgrade) or not one this code can use
    "SchemaBehindError", "StoreSchemaError",
    # a lookup Flexiti refused for the merchant order id's form (FLEXITI_NUMERIC_ORDER_IDS)
    "MerchantOrderIdRefusedError",
    # what a customer agreed to (FlexitiCheckout.agreed_terms), money as the package writes it
    "Terms", "format_money",
]  # fmt: skip

#: The module paths a caller may import from, and a name each must keep offering.
PUBLIC_MODULES = {
    "flexiti_checkout.signals": "order_approved",
    "flexiti_checkout.errors": "FlexitiError",
    "flexiti_checkout.http_errors": "CheckoutUnavailableHTTPError",
    "flexiti_checkout.client.pos.results": "Transaction",
    "flexiti_checkout.client.tokens": "TokenStore",
    "flexiti_checkout.webhooks.signing": "sign",
    "flexiti_checkout.service": "create_app",
    "flexiti_checkout.sandbox": "create_app",
}

#: Modules run as commands (``python -m …``), never imported by a caller.
COMMANDS = {"flexiti_checkout.demo", "flexiti_checkout.sandbox"}

#: The modules whose exceptions reach a caller: Flexiti's refusals, the checkout's and the
#: staff actions' errors, refused amounts, and the HTTP errors of a checkout.
ERROR_MODULES = (
    "flexiti_checkout.errors",
    "flexiti_checkout.money",
    "flexiti_checkout.http_errors",
)

PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "docs").glob("*.rst")])
MODULE_PATH = re.compile(r"\bflexiti_checkout(?:\.[a-z_]+)+")


def test_all_is_exactly_the_public_names():
    """Adding or removing a public name is a decision: update this list and CHANGES.md."""
    assert sorted(flexiti_checkout.__all__) == sorted(PUBLIC)
    assert len(set(flexiti_checkout.__all__)) == len(flexiti_checkout.__all__)


def test_every_public_name_is_importable():
    for name in PUBLIC:
        assert getattr(flexiti_checkout, name) is not None, name


@pytest.mark.parametrize("module", sorted(PUBLIC_MODULES))
def test_documented_module_paths_keep_working(module: str):
    """Each public module imports and still offers what the documentation shows of it."""
    imported = importlib.import_module(module)
    assert getattr(imported, PUBLIC_MODULES[module]) is not None


def test_the_public_modules_agree_with_the_package():
    """The same class under two public paths is the same object, and the factories are callable."""
    errors = importlib.import_module("flexiti_checkout.errors")
    http_errors = importlib.import_module("flexiti_checkout.http_errors")
    signals = importlib.import_module("flexiti_checkout.signals")
    assert errors.FlexitiError is flexiti_checkout.FlexitiError
    assert http_errors.FlexitiHTTPError is flexiti_checkout.FlexitiHTTPError
    assert signals.order_approved.name == "flexiti-order-approved"
    assert callable(importlib.import_module("flexiti_checkout.service").create_app)
    assert callable(importlib.import_module("flexiti_checkout.sandbox").create_app)


def _exception_classes(module_name: str) -> dict[str, type[BaseException]]:
    module = importlib.import_module(module_name)
    return {
        name: value
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == module_name
        and not name.startswith("_")
    }


@pytest.mark.parametrize("module", ERROR_MODULES)
def test_every_exception_a_caller_can_meet_is_importable_from_the_package(module: str):
    """A new exception in a module whose errors reach callers is exported, or made private."""
    classes = _exception_classes(module)
    assert classes, module
    for name, cls in classes.items():
        assert getattr(flexiti_checkout, name, None) is cls, f"{module}.{name} is not exported"
        assert name in flexiti_checkout.__all__, name


def test_the_documentation_names_only_public_modules():
    """A page that sends a reader to an internal module makes it public by accident."""
    allowed = set(PUBLIC_MODULES) | COMMANDS
    allowed |= {f"{module}.{name}" for module, name in PUBLIC_MODULES.items()}
    named = {
        f"{page.relative_to(ROOT)}: {path}"
        for page in PAGES
        for path in MODULE_PATH.findall(page.read_text())
        if path not in allowed and path.rpartition(".")[0] not in PUBLIC_MODULES
    }
    assert not named, "internal modules in the documentation:\n" + "\n".join(sorted(named))


def test_the_api_reference_lists_the_public_modules_and_calls_the_rest_internal():
    """docs/api.rst is the one list; the architecture page sends readers to it."""
    reference = (ROOT / "docs" / "api.rst").read_text()
    listed = reference[reference.index("What is public") : reference.index("The package\n")]
    for module in PUBLIC_MODULES:
        assert f"``{module}" in listed, module
    assert "Every other module is internal" in listed
    architecture = (ROOT / "docs" / "architecture.md").read_text()
    assert "The rooms are internal" in architecture and "(api.rst)" in architecture
