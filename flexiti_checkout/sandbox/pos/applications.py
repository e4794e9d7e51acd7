"""POS applications and reference data (``pos-api/v2.5``): apply, terms-and-conditions, i18n,
information and the POS widget's init, from POS API v2 and v2.5."""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from markupsafe import escape

from flexiti_checkout.sandbox.auth import require_token
from flexiti_checkout.sandbox.pos import reference
from flexiti_checkout.sandbox.pos.rules import amount_field, blueprints, ledger, not_found
from flexiti_checkout.sandbox.shapes import FieldErrors, json_object_body, money_number
from flexiti_checkout.sandbox.state import get_state
from flexiti_checkout.sandbox.validation import PROVINCES, check_lang, parse_lang

_, bp = blueprints("sandbox_pos_applications")
pages = Blueprint("sandbox_pos_pages", __name__, url_prefix="/sandbox")
MAX_CREDIT = Decimal("15000.00")
#: Apply's required fields as the POS API's table marks them: ``address_2``, not ``address_1``
#: (``APPLY_ADDRESS_1_REQUIRED`` swaps the two, as an address usually has them).
REQUIRED = (
    "phone_number", "email", "salutation", "first_name", "last_name", "dob", "address_2", "city",
    "province", "postal_code", "housing_type", "occupation_id", "occupation_title",
    "security_qid", "security_answer", "piw",
)  # fmt: skip
_LINE_SWAP = {"address_2": "address_1"}
INCOMES = ("personal_income", "household_income")


@bp.post("/client-id/<cid>/apply")
@require_token()
def apply(cid: str) -> ResponseReturnValue:
    """Adjudicate an application: approved up to 15,000, with a new account and card."""
    body = json_object_body()
    errors = FieldErrors()
    amount = amount_field(errors, "amount_requested", body.get("amount_requested"))
    swap = _LINE_SWAP if get_state().knobs.apply_address_1_required else {}
    for name in (swap.get(name, name) for name in REQUIRED):
        value = body.get(name)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
            errors.add(name, f"{name} is required", value)
    province = str(body.get("province") or "").upper()
    if province and province not in PROVINCES:
        errors.add("province", f"province must be one of {', '.join(PROVINCES)}", province)
    incomes = {name: _whole(errors, name, body.get(name)) for name in INCOMES}
    housing = None
    if province == "QC" or body.get("monthly_housing_expenses") is not None:
        housing = _whole(errors, "monthly_housing_expenses", body.get("monthly_housing_expenses"))
    if body.get("salutation") not in (None, *reference.SALUTATIONS["en"]):
        errors.add("salutation", "salutation must be one of mr, ms, mrs, mss", body["salutation"])
    if body.get("tos_agreement") is not True:
        errors.add("tos_agreement", "tos_agreement must be true", body.get("tos_agreement"))
    errors.raise_if_any()
    assert amount is not None
    limit = min(amount, MAX_CREDIT).quantize(Decimal("1"), ROUND_HALF_UP)
    account = ledger().open_account(
        first_name=str(body["first_name"]).strip(),
        last_name=str(body["last_name"]).strip(),
        dob=str(body["dob"]).strip(),
        credit_limit=limit,
        province=province,
        postal_code=str(body["postal_code"]).replace(" ", "").upper(),
        address_1=str(body.get("address_1") or ""),
        address_2=str(body.get("address_2") or ""),
        city=str(body["city"]),
        email=str(body["email"]),
        phone_number=str(body["phone_number"]),
        language=str(body.get("language") or "en-CA"),
        security_qid=str(body["security_qid"]),
        security_answer=str(body["security_answer"]),
        piw=str(body["piw"]),
    )
    answer: dict[str, Any] = {
        "vcc_number": int(account.vcc_number),
        "account_number": int(account.account_number),
        "customer_id": int(account.customer_id),
        "available_credit": money_number(limit),
        "credit_limit": money_number(limit),
        "risk_rating": account.risk_rating,
    }
    if province == "QC":
        # The debt ratio must be shown to Quebec applicants, who may then close the account.
        plans = get_state().settings.plans
        answer["offer_types"] = reference.offer_types(plans, "en", terms_as_text=True)
        yearly = Decimal(housing or 0) * 12
        household = Decimal(incomes["household_income"] or 1)
        answer["debt_ratio"] = money_number(yearly / household)
    return jsonify(answer)


@bp.get("/client-id/<cid>/terms-and-conditions")
@require_token()
def terms_and_conditions(cid: str) -> ResponseReturnValue:
    """The HTML terms; Quebec's own for province QC, the rest of Canada's otherwise."""
    errors = FieldErrors()
    lang = check_lang(errors, request.args.get("lang"), required=False)
    province = request.args.get("province")
    if province is not None and province.upper() not in PROVINCES:
        errors.add("province", f"province must be one of {', '.join(PROVINCES)}", province)
    errors.raise_wrong_inputs()
    html = reference.terms_html(lang, province.upper() if province else None)
    return Response(html, mimetype="text/html")


@bp.get("/client-id/<cid>/i18n")
@bp.get("/client-id/<cid>/i18n/<key>")
@require_token()
def i18n(cid: str, key: str | None = None) -> ResponseReturnValue:
    """Form values and texts in ``lang``; with a key, only that one."""
    lang = parse_lang(request.args.get("lang", "en")) or "en"
    values = reference.i18n(get_state().settings.plans, lang)
    if key is None:
        return jsonify(values)
    if key not in values:
        raise not_found()
    return jsonify({key: values[key]})


@bp.post("/client-id/<cid>/information")
@require_token()
def information(cid: str) -> ResponseReturnValue:
    """POS API v2.5 names this endpoint without documenting it: any JSON object is accepted."""
    json_object_body(required=False)
    return jsonify({})


@bp.post("/client-id/<cid>/widget/init")
@require_token()
def widget_init(cid: str) -> ResponseReturnValue:
    """Open a POS widget session; its id travels in the redirect URL (POS API previous versions)."""
    body = json_object_body(required=False)
    errors = FieldErrors()
    if body.get("amount") is not None:
        amount_field(errors, "amount", body.get("amount"))
    errors.raise_wrong_inputs()
    session = secrets.token_hex(12)
    public = get_state().settings.public_url or request.url_root.rstrip("/")
    return jsonify({"redirect_url": f"{public}/sandbox/pos-widget?widget_session_id={session}"})


@bp.post("/client-id/<cid>/widget/authorization")
@require_token()
def widget_authorization(cid: str) -> ResponseReturnValue:
    """POS API v2.5 lists this endpoint among a customer token's, documenting no fields or
    answer: like ``information``, any JSON object is accepted and ``{}`` answered."""
    json_object_body(required=False)
    return jsonify({})


@pages.get("/pos-widget")
def pos_widget_page() -> ResponseReturnValue:
    """The page a POS widget session opens: the sandbox does not simulate the widget itself."""
    session = escape(request.args.get("widget_session_id", ""))
    return Response(
        "<!doctype html><title>Flexiti POS widget (sandbox)</title>"
        f"<p>POS widget session <code>{session}</code>. The sandbox serves the POS API calls "
        "behind the widget; it does not draw the widget.</p>",
        mimetype="text/html",
    )


def _whole(errors: FieldErrors, name: str, value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.add(name, f"{name} must be a whole number of dollars", value)
        return None
    return value
