"""The POS API v2.5 routes the project uses: the token call and the merchant login."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from flexiti_checkout.sandbox.auth import require_token, token_view
from flexiti_checkout.sandbox.shapes import FieldErrors, json_object_body
from flexiti_checkout.sandbox.state import get_state
from flexiti_checkout.sandbox.validation import PROVINCES, parse_lang

POS_API_PREFIX = "/flexiti/pos-api/v2.5"
bp = Blueprint("sandbox_pos", __name__, url_prefix=POS_API_PREFIX)
bp.add_url_rule("/oauth/token", "token", token_view, methods=["POST"])

MERCHANT_NAME = "Sandbox Store"
MERCHANT_ID = 1
PROVINCE_NAMES = {
    "en": (
        "Alberta", "British Columbia", "Manitoba", "New Brunswick", "Newfoundland & Labrador",
        "Nova Scotia", "Northwest Territories", "Nunavut", "Ontario", "Prince Edward Island",
        "Quebec", "Saskatchewan", "Yukon Territory",
    ),
    "fr": (
        "Alberta", "Colombie-Britannique", "Manitoba", "Nouveau-Brunswick",
        "Terre-Neuve-et-Labrador", "Nouvelle-Écosse", "Territoires du Nord-Ouest", "Nunavut",
        "Ontario", "Île-du-Prince-Édouard", "Québec", "Saskatchewan", "Yukon",
    ),
}  # fmt: skip
SALUTATIONS = {
    "en": {"mr": "Mr.", "ms": "Ms.", "mrs": "Mrs.", "mss": "Miss."},
    "fr": {"mr": "M.", "ms": "Mme", "mrs": "Mme", "mss": "Mlle"},
}
PLAN_NAMES = {"en": "Equal Payments, {apr} Interest", "fr": "Paiements égaux, intérêt {apr}"}


@bp.post("/client-id/<cid>/merchants/login")
@require_token()  # seed 001 lists it among the customer-scope calls; merchant tokens work too
def merchant_login(cid: str) -> ResponseReturnValue:
    """The merchant's form values and offer types (plans and their terms), in ``lang``."""
    json_object_body(required=False)  # optional merchant_username/merchant_password, unused
    raw_lang = request.args.get("lang", "en")
    lang = parse_lang(raw_lang)
    if lang is None:
        errors = FieldErrors()
        errors.add("lang", "lang must be en or fr", raw_lang)
        errors.raise_if_any()
    lang = lang or "en"
    offer_types = []
    for plan in get_state().settings.plans:
        apr = f"{plan.apr.normalize():f}%" if plan.apr else ("No" if lang == "en" else "sans")
        terms = [plan.months]
        offer_types.append(
            {
                "plan_name": PLAN_NAMES[lang].format(apr=apr),
                "plan_id": plan.plan_id,
                "offer_category": "equal_billing",
                # The seeds spell it both ways; send both so either reader finds it.
                "term_options": terms,
                "terms_options": terms,
            }
        )
    return jsonify(
        {
            "merchant_name": MERCHANT_NAME,
            "merchant_id": MERCHANT_ID,
            "form_values": {
                "salutation": {"options": SALUTATIONS[lang]},
                "province": {"options": dict(zip(PROVINCES, PROVINCE_NAMES[lang], strict=True))},
            },
            "offer_types": offer_types,
        }
    )
