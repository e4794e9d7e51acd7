"""The deprecated POS endpoints Flexiti's previous-versions page still serves (``pos-api/v2.5``):
``accounts/{n}/calculate-interest`` and ``authorization``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from flexiti_checkout.sandbox.auth import require_token
from flexiti_checkout.sandbox.plans import grouped
from flexiti_checkout.sandbox.pos.ledger import HELD, POSTED
from flexiti_checkout.sandbox.pos.rules import (
    account_avs,
    amount_field,
    apr_of,
    blueprints,
    bypass_allowed,
    check_code,
    check_credit,
    ledger,
    not_found,
    plan_field,
    require_purchasable,
)
from flexiti_checkout.sandbox.shapes import (
    FieldErrors,
    iso_timestamp,
    json_object_body,
    money_number,
)
from flexiti_checkout.sandbox.state import get_state

_, bp = blueprints("sandbox_pos_deprecated")
AUTHORIZATION_LIFETIME = timedelta(days=7).total_seconds()
FINANCING = ("promotional_purchase", "regular_purchase")


@bp.post("/client-id/<cid>/accounts/<account_number>/calculate-interest")
@require_token()
def calculate_interest(cid: str, account_number: str) -> ResponseReturnValue:
    """What ``amount`` costs the account's customer under each plan it qualifies for."""
    errors = FieldErrors()
    amount = amount_field(errors, "amount", json_object_body().get("amount"))
    errors.raise_wrong_inputs()
    assert amount is not None
    book = ledger()
    account = book.find(account_number=account_number)
    if account is None:
        raise not_found()
    plans = [p for p in get_state().settings.plans if amount >= p.min_amount]
    return jsonify(
        {
            "account_number": int(account.account_number),
            "account_type": account.account_type,
            "amount": money_number(amount),
            "customer": {
                "air": 0.2899,
                "available_credit": money_number(book.available_credit(account)),
                "first_name": account.first_name,
                "last_name": account.last_name,
                "category_type": "preferred",
            },
            "regular_purchase": {
                "term_amount": money_number(amount),
                "air": 0.2899,
                "fees": [],
                "verify": bypass_allowed(book, account, amount),
            },
            "promotional_purchase": [
                {
                    "plan_id": int(plan_id),
                    "terms": [
                        {
                            "term": plan.months,
                            "term_amount": money_number(plan.monthly_payment(amount)),
                            "apr": apr_of(plan),
                            "fees": [],
                        }
                        for plan in terms
                    ],
                }
                for plan_id, terms in grouped(plans).items()
            ],
        }
    )


@bp.post("/client-id/<cid>/authorization")
@require_token()
def authorization(cid: str) -> ResponseReturnValue:
    """A credit authorization; ``auto_capture`` captures it at once (a posted purchase).

    Its ``authorization_id`` is a transaction id: post, cancel and return work on it.
    """
    body = json_object_body()
    errors = FieldErrors()
    amount = amount_field(errors, "amount", body.get("amount"))
    if not isinstance(body.get("auto_capture"), bool):
        errors.add("auto_capture", "auto_capture must be true or false", body.get("auto_capture"))
    financing = body.get("financing_option")
    financing = financing if isinstance(financing, dict) else {}
    kind = financing.get("transaction_type")
    if kind not in FINANCING:
        errors.add(
            "financing_option.transaction_type", "must be one of " + ", ".join(FINANCING), kind
        )
    plan = None
    if kind == "promotional_purchase":
        plan = plan_field(errors, financing.get("plan_id"), financing.get("term"), amount)
    if not body.get("account_number"):
        errors.add("account_number", "account_number is required", body.get("account_number"))
    errors.raise_wrong_inputs()
    assert amount is not None
    book = ledger()
    with book.lock:
        account = book.find(account_number=str(body["account_number"]))
        vcc = body.get("vcc_number")
        if account is None or (vcc and str(vcc) != account.vcc_number):
            raise not_found()
        require_purchasable(account)
        if body.get("verification_code") is not None:  # in-store only; the online widget has none
            check_code(book, account, body["verification_code"], str(kind), amount)
        check_credit(book, account, amount, Decimal(0))
        now = get_state().clock()
        captured = body["auto_capture"] is True
        purchase = book.add(
            account,
            transaction_type=kind,
            amount=amount,
            status=POSTED if captured else HELD,
            created_at=now,
            plan_id=plan.plan_id if plan else None,
            term=plan.months if plan else None,
            confirmed=True,
            reference=str(body["reference"]) if body.get("reference") else None,
        )
        answer: dict[str, Any] = {
            "authorization_id": purchase.transaction_id,
            "reference": purchase.reference,
            "date": iso_timestamp(now),
            "expiration_date": iso_timestamp(now + AUTHORIZATION_LIFETIME),
            "ending_date": iso_timestamp(now) if captured else None,
            "status": "closed" if captured else "opened",
            "auto_capture": captured,
            "amount": money_number(amount),
            "apr": apr_of(plan),
            "message": "",
            "username": "sandbox",
            "financing_option": {
                "transaction_type": kind,
                "plan_id": int(plan.plan_id) if plan else None,
                "term": plan.months if plan else None,
            },
            "fees": [],
            "merchant_information": {
                "corporation_id": 1,
                "corporation_name": "Sandbox Corporation",
                "merchant_id": 1,
                "merchant_name": "Sandbox Store",
                "location_id": 1,
                "location_name": "Sandbox Store Online",
            },
            "customer": {
                "air": 0.2899,
                "available_credit": money_number(book.available_credit(account)),
                "first_name": account.first_name,
                "last_name": account.last_name,
                "category_type": "preferred",
            },
            "billing_information": body.get("billing_information") or {},
            "shipping_information": body.get("shipping_information") or {},
            "account_avs": account_avs(account, body),
        }
        if captured:
            answer["capture"] = {
                "capture_id": purchase.transaction_id,
                "reference": purchase.reference,
                "date": iso_timestamp(now),
                "status": "active",
                "term_amount": money_number(plan.monthly_payment(amount) if plan else amount),
                "amount": money_number(amount),
            }
    return jsonify(answer)
