"""POS transactions (POS API v2, ``pos-api/v2``): create, ``PUT``, held ones, post, cancel, return,
and a customer's returnable purchases. The ledger module says how a transaction moves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from flexiti_checkout.sandbox.auth import require_token
from flexiti_checkout.sandbox.pos.ledger import (
    CANCELLED,
    CREDIT_TYPES,
    HELD,
    PENDING,
    POSTED,
    Purchase,
)
from flexiti_checkout.sandbox.pos.rules import (
    account_avs,
    amount_field,
    apr_of,
    blueprints,
    check_code,
    check_credit,
    find_plan,
    ledger,
    not_found,
    plan_field,
    plan_name,
    require_purchasable,
    wrong_input,
)
from flexiti_checkout.sandbox.shapes import (
    ApiError,
    FieldErrors,
    UrlError,
    json_object_body,
    money_number,
    money_text,
)
from flexiti_checkout.sandbox.state import get_state

bp, _ = blueprints("sandbox_pos_transactions")
TRANSACTION_TYPES = (*CREDIT_TYPES, "instore_payment", "tradein")
#: Flexiti titles this refusal "Refund - Exceeds Amount" and cut its body off; this is the code
#: and text Flexiti's later returns page gives the same refusal.
EXCEEDS = (
    "capture_amount_exceeded",
    "Return amount is greater than the remaining captured amount.",
)
NO_RETURNS = (
    "<h1>There are no purchases available to return for this customer.</h1><p>If you\u2019ve "
    "already processed a partial return and now want to return the remainder, please email "
    "service@flexitifinancial.com or call us at "
    "<strong class='no-break'>1-877-259-3754</strong></p>"
)


@bp.post("/client-id/<cid>/transactions")
@require_token(merchant_only=True)
def create(cid: str) -> ResponseReturnValue:
    """A purchase, deposit, payment or trade-in on a card, account or customer id."""
    body = json_object_body()
    kind = body.get("transaction_type") or "promotional_purchase"
    if kind not in TRANSACTION_TYPES:
        raise ApiError(409, "invalid_transaction_type", "invalid_transaction_type")
    errors = FieldErrors()
    amount = amount_field(errors, "amount", body.get("amount"))
    plan = None
    if kind == "promotional_purchase":
        plan = plan_field(errors, body.get("plan_id"), body.get("term"), amount)
    ids = {k: _text(body.get(k)) for k in ("vcc_number", "account_number", "customer_id")}
    if not any(ids.values()):
        errors.add("account_number", "send a vcc_number, account_number or customer_id", None)
    errors.raise_wrong_inputs()
    assert amount is not None
    book = ledger()
    with book.lock:
        account = book.find(**{k: v for k, v in ids.items() if v})
        if account is None:
            raise not_found()
        require_purchasable(account)
        check_code(book, account, body.get("verification_code"), kind, amount)
        spends = kind in CREDIT_TYPES
        if spends:
            check_credit(book, account, amount, Decimal(0))
        before = book.available_credit(account)
        confirmed = body.get("customer_confirmed") is True
        if not spends:
            status = POSTED
        elif body.get("hold_authorization") is True:
            status = HELD
        else:
            status = POSTED if confirmed else PENDING
        purchase = book.add(
            account,
            transaction_type=kind,
            amount=amount,
            status=status,
            created_at=get_state().clock(),
            plan_id=plan.plan_id if plan else None,
            term=plan.months if plan else None,
            confirmed=confirmed,
        )
        if not spends:
            return jsonify(
                {
                    "transaction_id": str(purchase.transaction_id),
                    "customer_name": account.first_name,
                    "customer_lname": account.last_name,
                    "total_amount": f"{amount:.5f}",
                    "verified": True,
                }
            )
        answer = {
            "annual_fee": 0,
            "payment_protection": False,
            "transaction_id": purchase.transaction_id,
            "available_credit": money_number(before),
            "admin_fee": 0,
            "balance_after_purchase": money_number(before - amount),
            "payment_value": money_text(plan.monthly_payment(amount) if plan else amount),
            "promotional_amount": money_number(amount),
            "customer_confirmed": confirmed,
            "plan_id": plan.plan_id if plan else "",
            "term": plan.months if plan else "",
            "verified": True,
            "account_avs": account_avs(account, body.get("account_avs")),
        }
        if plan is not None:
            answer["plan_name"] = plan_name(plan)
        else:
            answer["apr"] = answer["air"] = 37.24
        return jsonify(answer)


@bp.put("/client-id/<cid>/transactions/<transaction_id>")
@require_token(merchant_only=True)
def update(cid: str, transaction_id: str) -> ResponseReturnValue:
    """Change or confirm a promotional purchase that is not posted yet."""
    body = json_object_body()
    if (body.get("transaction_type") or "promotional_purchase") != "promotional_purchase":
        raise ApiError(409, "invalid_transaction_type", "invalid_transaction_type")
    book = ledger()
    with book.lock:
        purchase = book.get(transaction_id)
        if purchase is None:
            raise not_found()
        account = book.accounts[purchase.account_number]
        require_purchasable(account)
        check_code(book, account, body.get("validation"), "promotional_purchase", None)
        if purchase.status not in (PENDING, HELD):
            raise wrong_input(
                "transaction_id", f"the transaction is {purchase.status}", transaction_id
            )
        errors = FieldErrors()
        amount = purchase.amount
        if body.get("amount") is not None:
            amount = amount_field(errors, "amount", body["amount"]) or amount
        plan = plan_field(
            errors,
            body.get("plan_id", purchase.plan_id),
            body.get("term", purchase.term),
            amount,
        )
        errors.raise_wrong_inputs()
        assert plan is not None
        hold = body.get("hold_authorization")
        status = purchase.status if hold is None else (HELD if hold is True else PENDING)
        released = purchase.amount if purchase.status == HELD else Decimal(0)
        if status == HELD:
            check_credit(book, account, amount, released)
        purchase.amount, purchase.plan_id, purchase.term = amount, plan.plan_id, plan.months
        purchase.status = status
        if body.get("customer_confirmed") is not None:
            purchase.confirmed = body.get("customer_confirmed") is True
        available = book.available_credit(account)
        offer = {
            "promotional_amount": money_number(amount),
            "regular_amount": 0,
            "admin_fee": 0,
            "balance_after_purchase": money_number(available - (0 if status == HELD else amount)),
            "offer_category": "equal_billing",
            "plan_id": plan.plan_id,
            "term": plan.months,
            "payment_value": money_number(plan.monthly_payment(amount)),
            "offer_plan_id": f"7{plan.plan_id}{plan.months:02d}",
        }
        return jsonify(
            {
                "transaction_id": purchase.transaction_id,
                "total_amount": money_number(amount),
                "annual_fee": 0,
                "available_credit": money_number(available),
                "first_purchase": len(book.of_account(account)) == 1,
                "customer_confirmed": purchase.confirmed,
                "status": "pending",
                "payment_protection": False,
                "air": apr_of(plan),
                "apr": apr_of(plan),
                "plan_id": plan.plan_id,
                "term": plan.months,
                "offer_plan_id": offer["offer_plan_id"],
                "plan_name": plan_name(plan),
                "offer_plans": [offer],
            }
        )


@bp.get("/client-id/<cid>/transactions/authorized")
@require_token(merchant_only=True)
def authorized(cid: str) -> ResponseReturnValue:
    """The held transactions (``hold_authorization``), waiting to be posted or cancelled."""
    return jsonify({"transactions": [_row(p, "Held") for p in ledger().held()]})


@bp.post("/client-id/<cid>/transactions/<transaction_id>/post")
@require_token(merchant_only=True)
def post(cid: str, transaction_id: str) -> ResponseReturnValue:
    """Post a held purchase, or a pending one the customer confirmed."""
    book = ledger()
    with book.lock:
        purchase = _purchase(transaction_id)
        account = book.accounts[purchase.account_number]
        if purchase.status not in (PENDING, HELD):
            raise wrong_input(
                "transaction_id", f"the transaction is {purchase.status}", transaction_id
            )
        if not purchase.confirmed:
            raise wrong_input(
                "customer_confirmed",
                "the customer has not confirmed this transaction; confirm it with PUT first",
                False,
            )
        require_purchasable(account)
        if purchase.status == PENDING:
            check_credit(book, account, purchase.amount, Decimal(0))
        purchase.status = POSTED
    return jsonify({})


@bp.post("/client-id/<cid>/transactions/<transaction_id>/cancel")
@require_token(merchant_only=True)
def cancel(cid: str, transaction_id: str) -> ResponseReturnValue:
    """Cancel a pending or held purchase; a posted one can only be returned."""
    book = ledger()
    with book.lock:
        purchase = _purchase(transaction_id)
        if purchase.status not in (PENDING, HELD):
            hint = "; return it instead" if purchase.status == POSTED else ""
            raise wrong_input(
                "transaction_id", f"the transaction is {purchase.status}{hint}", transaction_id
            )
        purchase.status = CANCELLED
    return jsonify({})


@bp.post("/client-id/<cid>/transactions/<transaction_id>/return")
@require_token(merchant_only=True)
def return_(cid: str, transaction_id: str) -> ResponseReturnValue:
    """Return all that remains of a posted purchase (``full``) or part of it (``partial``)."""
    body = json_object_body()
    book = ledger()
    with book.lock:
        purchase = _purchase(transaction_id)
        if purchase.status != POSTED:
            hint = "; cancel it instead" if purchase.status in (PENDING, HELD) else ""
            raise wrong_input(
                "transaction_id", f"the transaction is {purchase.status}{hint}", transaction_id
            )
        kind = body.get("return_type")
        if kind == "full":
            amount = purchase.balance
        elif kind == "partial":
            errors = FieldErrors()
            parsed = amount_field(errors, "return_amount", body.get("return_amount"))
            errors.raise_wrong_inputs()
            assert parsed is not None
            amount = parsed
        else:
            raise wrong_input("return_type", "return_type must be partial or full", kind)
        if amount <= 0 or amount > purchase.balance:
            raise ApiError(409, *EXCEEDS)
        purchase.returned += amount
        purchase.returns.append((amount, get_state().clock()))
    return jsonify({})


@bp.get("/client-id/<cid>/customers/<customer_id>/transactions")
@require_token(merchant_only=True)
def customer_transactions(cid: str, customer_id: str) -> ResponseReturnValue:
    """The customer's posted purchases with something left to return, and what is left."""
    book = ledger()
    with book.lock:
        account = book.find(customer_id=customer_id)
        if account is None:
            raise UrlError(409, "not_found", "Customer not found")
        rows = [
            _row(p, "Posted", name=f"{account.last_name}, {account.first_name}")
            for p in book.of_account(account)
            if p.status == POSTED and p.transaction_type in CREDIT_TYPES and p.balance > 0
        ]
    if not rows:
        raise UrlError(409, "no_returns_found", NO_RETURNS)
    return jsonify({"transactions": rows})


def _purchase(transaction_id: str) -> Purchase:
    purchase = get_state().ledger.get(transaction_id)
    if purchase is None:
        raise not_found()
    return purchase


def _row(purchase: Purchase, status: str, *, name: str | None = None) -> dict[str, Any]:
    plan = find_plan(purchase.plan_id, purchase.term)
    row: dict[str, Any] = {
        "term": str(purchase.term or ""),
        "transaction_id": str(purchase.transaction_id),
        "transaction_status": status,
        "transaction_balance": money_text(purchase.balance),
        "transaction_date": purchase.date,
        "plan_name": plan_name(plan) if plan else "Regular purchase",
    }
    if name is not None:
        row["customer_name"] = name
    else:
        row.update(
            customer_id=purchase.customer_id,
            account_number=purchase.account_number,
            amount=money_text(purchase.amount),
            plan_id=purchase.plan_id or "",
        )
    return row


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    text = str(value).strip()
    return text or None
