"""The POS API's token call and merchant login (``pos-api/v2.5``).

The other POS routes live beside it: customers (``customers``), applications and reference data
(``applications``), transactions (``transactions``) and the deprecated endpoints
(``deprecated``), each on the version Flexiti's pages write for it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from flexiti_checkout.sandbox.auth import require_token, token_view
from flexiti_checkout.sandbox.pos.reference import form_values
from flexiti_checkout.sandbox.shapes import FieldErrors, json_object_body
from flexiti_checkout.sandbox.state import get_state
from flexiti_checkout.sandbox.validation import parse_lang

POS_API_PREFIX = "/flexiti/pos-api/v2.5"
bp = Blueprint("sandbox_pos", __name__, url_prefix=POS_API_PREFIX)
bp.add_url_rule("/oauth/token", "token", token_view, methods=["POST"])

MERCHANT_NAME = "Sandbox Store"
MERCHANT_ID = 1


@bp.post("/client-id/<cid>/merchants/login")
@require_token()  # POS API v2.5 lists it among the customer-scope calls; merchant tokens work too
def merchant_login(cid: str) -> ResponseReturnValue:
    """The merchant's form values, ``offer_types`` (plans and terms) inside them, in ``lang``.

    POS API v2.5 lists merchants/login among the endpoints a customer-scope token may call.
    """
    json_object_body(required=False)  # optional merchant_username/merchant_password, unused
    raw_lang = request.args.get("lang", "en")
    lang = parse_lang(raw_lang)
    if lang is None:
        errors = FieldErrors()
        errors.add("lang", "lang must be en or fr", raw_lang)
        errors.raise_if_any()
    return jsonify(
        {
            "merchant_name": MERCHANT_NAME,
            "merchant_id": MERCHANT_ID,
            "form_values": form_values(get_state().settings.plans, lang or "en"),
        }
    )
