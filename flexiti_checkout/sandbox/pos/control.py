"""The control API's POS part under ``/_sandbox/pos``: the ledger for tests and demos.

Shows every account (with the verification code last sent by SMS or e-mail) and transaction,
and switches what purchases approved in the hosted flow become (``online_purchases``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from flexiti_checkout.sandbox.pos.ledger import ONLINE_STATUSES, Account, Purchase
from flexiti_checkout.sandbox.pos.rules import ledger
from flexiti_checkout.sandbox.shapes import iso_timestamp, json_body, money_text

bp = Blueprint("sandbox_pos_control", __name__, url_prefix="/_sandbox/pos")


@bp.get("")
def overview() -> ResponseReturnValue:
    """Every account and transaction the POS API knows, online purchases included."""
    book = ledger()
    with book.lock:
        return jsonify(
            {
                "online_purchases": book.online_status,
                "accounts": [_account(book.available_credit(a), a) for a in book.accounts.values()],
                "transactions": [_purchase(p) for p in book.purchases.values()],
            }
        )


@bp.patch("")
def change() -> ResponseReturnValue:
    """Change ``online_purchases`` (``posted`` or ``held``) for purchases approved from now on."""
    body = json_body()
    value = body.get("online_purchases") if isinstance(body, dict) else None
    if value not in ONLINE_STATUSES:
        message = 'send {"online_purchases": "posted" or "held"}'
        return jsonify({"error": message}), 400
    book = ledger()
    with book.lock:
        book.online_status = value
    return jsonify({"online_purchases": value})


def _account(available: Any, account: Account) -> dict[str, Any]:
    return {
        "customer_id": account.customer_id,
        "account_number": account.account_number,
        "vcc_number": account.vcc_number,
        "name": f"{account.first_name} {account.last_name}",
        "dob": account.dob,
        "province": account.province,
        "status": account.status,
        "active": account.active,
        "closed": account.closed,
        "credit_limit": money_text(account.credit_limit),
        "available_credit": money_text(available),
        "security_qid": account.security_qid,
        "security_answer": account.security_answer,
        "verification_code": account.verification_code,
    }


def _purchase(purchase: Purchase) -> dict[str, Any]:
    return {
        "transaction_id": str(purchase.transaction_id),
        "customer_id": purchase.customer_id,
        "account_number": purchase.account_number,
        "transaction_type": purchase.transaction_type,
        "status": purchase.status,
        "confirmed": purchase.confirmed,
        "amount": money_text(purchase.amount),
        "returned": money_text(purchase.returned),
        "balance": money_text(purchase.balance),
        "returns": [
            {"amount": money_text(amount), "at": iso_timestamp(at)}
            for amount, at in purchase.returns
        ],
        "plan_id": purchase.plan_id,
        "term": purchase.term,
        "reference": purchase.reference,
        "online": purchase.online,
        "created_at": iso_timestamp(purchase.created_at),
    }
