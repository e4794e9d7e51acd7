"""Rules the POS routes share: finding accounts, who may buy, codes, plans, Flexiti's refusals.

Each refusal is the body POS API v2 documents for it, including the ``409`` whose body says
``"code": 404`` for an unknown customer, account or transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint

from flexiti_checkout.sandbox.plans import Plan, grouped
from flexiti_checkout.sandbox.pos import reference
from flexiti_checkout.sandbox.pos.ledger import Account, Ledger
from flexiti_checkout.sandbox.shapes import ApiError, FieldErrors, money_number
from flexiti_checkout.sandbox.state import get_state
from flexiti_checkout.sandbox.validation import parse_amount

POS_V2_PREFIX = "/flexiti/pos-api/v2"
POS_V25_PREFIX = "/flexiti/pos-api/v2.5"
AVS_FIELDS = (
    "first_name",
    "last_name",
    "dob",
    "address_1",
    "address_2",
    "city",
    "postal_code",
    "province",
)
NOT_ACTIVE = (
    "Before proceeding with the purchase transaction, we need to activate your account. To "
    "activate your account or for more information visit my.flexiti.com."
)
NOT_ABLE = (
    "We\u2019re sorry, we aren\u2019t able to proceed with your request right now. If you were "
    "trying to process a transaction on an existing account, please call us at 1-877-259-3750. "
    "Otherwise, please check your internet connectivity or restart your device before trying "
    "again."
)
NOT_ENOUGH_CREDIT = "We're sorry, there doesn't seem to be enough credit for this purchase amount."
#: The regular-purchase bypass (POS API, calculate-interest's ``regular_purchase.verify``): for
#: an account that made at most 3 regular purchases in the past 24 hours, for at most $200.
BYPASS_MAX_AMOUNT = Decimal("200.00")
BYPASS_MAX_PURCHASES = 3
BYPASS_WINDOW = 24 * 3600.0


def blueprints(name: str) -> tuple[Blueprint, Blueprint]:
    """A blueprint on the v2 prefix and one on the v2.5 prefix, for one module of routes."""
    return (
        Blueprint(f"{name}_v2", __name__, url_prefix=POS_V2_PREFIX),
        Blueprint(f"{name}_v25", __name__, url_prefix=POS_V25_PREFIX),
    )


def ledger() -> Ledger:
    """The ledger, with every purchase approved online so far already in it."""
    state = get_state()
    state.ledger.import_online(state.orders.all())
    return state.ledger


def not_found() -> ApiError:
    """POS API v2's unknown customer, account or transaction: HTTP 409, body code 404."""
    return ApiError(409, "not_found", "not_found", code=404)


def wrong_input(param: str, msg: str, value: Any) -> ApiError:
    """A ``wrong_inputs`` refusal naming one field (``field_errors`` says what to fix)."""
    errors = FieldErrors()
    errors.add(param, msg, value)
    return ApiError(409, "wrong_inputs", "Some inputs are wrong!", field_errors=errors.items)


def require_purchasable(account: Account) -> None:
    """Refuse accounts whose card is not activated or whose status is not Normal."""
    if not account.active:
        raise ApiError(409, "user_not_active", NOT_ACTIVE)
    if account.status != "N" or account.closed:
        raise ApiError(409, "user_not_able_to_purchase", NOT_ABLE)


def check_code(
    book: Ledger, account: Account, given: Any, kind: str, amount: Decimal | None
) -> None:
    """The verification code from ``verify`` must come with the transaction; a bypass code is
    good only for a regular purchase the bypass allows (``UNLIMITED_BYPASS``: any)."""
    if given in (None, ""):
        raise ApiError(409, "verification_code_required", "verification_code_required")
    if account.verification_code is None or str(given).strip() != account.verification_code:
        raise ApiError(409, "wrong_verification_code", "wrong_verification_code")
    regular = kind == "regular_purchase" or get_state().knobs.unlimited_bypass
    if account.bypass_code and not (regular and bypass_allowed(book, account, amount)):
        raise ApiError(409, "wrong_verification_code", "wrong_verification_code")


def bypass_allowed(book: Ledger, account: Account, amount: Decimal | None = None) -> bool:
    """Whether the regular-purchase bypass serves ``account`` (and ``amount``, when known)."""
    state = get_state()
    if state.knobs.unlimited_bypass:
        return True
    made = book.regular_purchases_since(account, state.clock() - BYPASS_WINDOW)
    return made <= BYPASS_MAX_PURCHASES and (amount is None or amount <= BYPASS_MAX_AMOUNT)


def check_credit(book: Ledger, account: Account, amount: Decimal, released: Decimal) -> None:
    """Refuse an amount over the available credit (plus what this transaction already holds)."""
    if amount > book.available_credit(account) + released:
        raise ApiError(409, "not_enough_credit", NOT_ENOUGH_CREDIT)


def amount_field(errors: FieldErrors, param: str, value: Any) -> Decimal | None:
    amount, problem = parse_amount(value)
    if problem:
        errors.add(param, f"{param} {problem}", value)
    return amount


def plan_field(errors: FieldErrors, plan_id: Any, term: Any, amount: Decimal | None) -> Plan | None:
    """The merchant plan ``plan_id`` with ``term`` months that ``amount`` qualifies for."""
    by_id = grouped(get_state().settings.plans)
    terms = by_id.get(str(plan_id).strip())
    if terms is None:
        ids = ", ".join(by_id)
        errors.add("plan_id", f"plan_id must be one of the merchant's plans: {ids}", plan_id)
        return None
    plan = next((p for p in terms if str(term).strip() == str(p.months)), None)
    if plan is None:
        months = " or ".join(str(p.months) for p in terms)
        errors.add("term", f"plan {terms[0].plan_id} runs for {months} months", term)
        return None
    if amount is not None and amount < plan.min_amount:
        errors.add("amount", f"plan {plan.plan_id} starts at {plan.min_amount}", str(amount))
        return None
    return plan


def plan_name(plan: Plan | None, lang: str = "en") -> str:
    return reference.plan_name(plan, lang) if plan is not None else ""


def find_plan(plan_id: str | None, term: int | None) -> Plan | None:
    """The merchant's plan ``plan_id`` running ``term`` months (its first term without one)."""
    terms = grouped(get_state().settings.plans).get(plan_id or "", [])
    return next((p for p in terms if term is None or p.months == term), None)


def account_avs(account: Account, given: Any) -> dict[str, dict[str, int]]:
    """1/0 match scores of the billing and shipping data against the account on file."""
    given = given if isinstance(given, dict) else {}
    on_file = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "dob": account.dob.replace("-", "/"),
        "address_1": account.address_1,
        "address_2": account.address_2,
        "city": account.city,
        "postal_code": account.postal_code,
        "province": account.province,
    }
    result = {}
    for section in ("billing_information", "shipping_information"):
        data = given.get(section) if isinstance(given.get(section), dict) else {}
        scores = {}
        for name in AVS_FIELDS:
            value = data.get(name, data.get(name.replace("_", "-")))
            expected = on_file[name]
            scores[name] = int(bool(value) and _normal(value) == _normal(expected))
        result[section] = scores
    return result


def apr_of(plan: Plan | None) -> float:
    return money_number(plan.apr) / 100 if plan is not None else 0.0


def _normal(value: Any) -> str:
    return "".join(str(value).replace("-", "/").split()).lower()
