"""The Online API routes, on the same paths as ``onlineapi.flexiti.fi/flexiti/online-api``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from flexiti_checkout.sandbox import notify, payloads, plans
from flexiti_checkout.sandbox.auth import FORM_MIMETYPE, require_token, token_view
from flexiti_checkout.sandbox.orders import Order
from flexiti_checkout.sandbox.shapes import ApiError, FieldErrors, json_object_body, money_text
from flexiti_checkout.sandbox.state import Settings, get_state
from flexiti_checkout.sandbox.validation import (
    check_address,
    check_amount,
    check_lang,
    check_prefill,
)

ONLINE_API_PREFIX = "/flexiti/online-api"
bp = Blueprint("sandbox_online", __name__, url_prefix=ONLINE_API_PREFIX)
bp.add_url_rule("/oauth/token", "token", token_view, methods=["POST"])

FLOWS = ("apply", "buy", "apply/buy")
V2_FLOWS = ("buy", "apply/buy")


@bp.post("/online/v2/client-id/<cid>/systems/init")
@require_token()
def init_purchase(cid: str) -> ResponseReturnValue:
    """Start a ``buy`` or ``apply/buy`` hosted flow."""
    return _init(cid, allowed=V2_FLOWS)


@bp.post("/online/client-id/<cid>/systems/init")
@require_token()
def init_apply(cid: str) -> ResponseReturnValue:
    """Start an ``apply`` hosted flow (the path without ``/v2``)."""
    return _init(cid, allowed=("apply",))


def _init(cid: str, *, allowed: tuple[str, ...]) -> ResponseReturnValue:
    state = get_state()
    body = _init_body()
    errors = FieldErrors()
    lang = check_lang(errors, body.get("lang"), required=True)
    flow = body.get("flow")
    if flow not in FLOWS:
        errors.add("flow", "flow must be one of apply, buy, apply/buy", flow)
    elif flow not in allowed:
        path = (
            "/online/v2/client-id/{clientId}"
            if flow in V2_FLOWS
            else "/online/client-id/{clientId}"
        )
        errors.add("flow", f"flow '{flow}' must be started with POST {path}/systems/init", flow)
    amount = check_amount(errors, "amount_requested", body.get("amount_requested"))
    check_prefill(errors, body)
    if flow in V2_FLOWS:
        check_address(errors, "billing_information", body.get("billing_information"))
        check_address(errors, "shipping_information", body.get("shipping_information"))
    if flow == "buy" and not any(_given(body.get(name)) for name in ("customer_id", "vcc")):
        # Online API, widget init: each "Required for Buy & Apply/Buy Flow if [the other] is not
        # provided"; its apply/buy example sends neither, so only buy is refused.
        errors.add("customer_id", "customer_id or vcc is required for the buy flow", None)
    merchant_orderid = _merchant_orderid(body)
    _check_merchant_orderid(errors, merchant_orderid)
    refuse_fields(errors)
    assert amount is not None
    settings = state.settings
    _check_range(settings, amount)
    order = state.orders.create(
        flow=str(flow),
        lang=lang,
        amount=amount,
        merchant_orderid=merchant_orderid,
        client_id=cid,
        details=body,
        now=state.clock(),
        same_transaction_id=state.knobs.same_transaction_id,
    )
    return jsonify(
        {
            "online_order_id": order.online_order_id,
            "redirection_url": f"{_public_url(settings)}/sandbox/flow/{order.flow_token}",
        }
    )


@bp.post("/online/client-id/<cid>/systems/learn-more")
@require_token()
def learn_more(cid: str) -> ResponseReturnValue:
    """A link to the informational page about the merchant's plans."""
    body = json_object_body(required=False)
    errors = FieldErrors()
    lang = check_lang(errors, body.get("lang"), required=False)
    query = {"lang": lang}
    if body.get("amount_requested") not in (None, ""):
        amount = check_amount(errors, "amount_requested", body["amount_requested"])
        if amount is not None:
            query["amount"] = money_text(amount)
    refuse_fields(errors)
    url = f"{_public_url(get_state().settings)}/sandbox/learn-more?{urlencode(query)}"
    return jsonify({"redirection_url": url})


@bp.get("/online/v2/client-id/<cid>/systems/payment-calculator")
@require_token()
def payment_calculator(cid: str) -> ResponseReturnValue:
    """The monthly payment of the longest plan ``price`` qualifies for, with its HTML."""
    errors = FieldErrors()
    price = check_amount(errors, "price", request.args.get("price"))
    lang = check_lang(errors, request.args.get("lang"), required=False)
    refuse_fields(errors)
    assert price is not None
    settings = get_state().settings
    _check_range(settings, price)
    plan = plans.longest(settings.plans, price)
    assert plan is not None
    return jsonify(
        {
            "htmlRender": plans.render_calculator(plan, price, lang),
            "paymentPlan": {
                "monthlyPayment": money_text(plan.monthly_payment(price)),
                "months": str(plan.months),
            },
        }
    )


@bp.post("/online/client-id/<cid>/merchants/payment-availability")
@require_token()
def payment_availability(cid: str) -> ResponseReturnValue:
    """Whether the total falls within the merchant's plan range."""
    body = json_object_body()
    errors = FieldErrors()
    amount = check_amount(errors, "amount_requested", body.get("amount_requested"))
    refuse_fields(errors)
    assert amount is not None
    return jsonify({"enable_payment_gateway": get_state().settings.in_range(amount)})


@bp.get("/online/client-id/<cid>/notifications/order-id/<order_id>")
@require_token(merchant_only=True)
def lookup_order(cid: str, order_id: str) -> ResponseReturnValue:
    """An order's status by Flexiti's ``online_order_id``."""
    state = get_state()
    order = state.orders.get(int(order_id)) if order_id.isdigit() else None
    return _lookup_answer(order)


@bp.get("/online/client-id/<cid>/notifications/merchant-order-id/<merchant_orderid>")
@require_token(merchant_only=True)
def lookup_merchant_order(cid: str, merchant_orderid: str) -> ResponseReturnValue:
    """The latest order opened with this ``merchant_orderid``."""
    errors = FieldErrors()
    _check_merchant_orderid(errors, merchant_orderid, name="merchantOrderId")
    refuse_fields(errors)
    return _lookup_answer(get_state().orders.latest_for_merchant(merchant_orderid))


@bp.get("/online/client-id/<cid>/notifications/promo-id/<promo_id>")
@require_token(merchant_only=True)
def lookup_promo(cid: str, promo_id: str) -> ResponseReturnValue:
    """An approved purchase by its ``promo_id``."""
    order = get_state().orders.by_promo(promo_id)
    if order is None:
        raise _not_found()
    return jsonify(payloads.promo(order))


@bp.post("/online/client-id/<cid>/notifications/test")
@require_token(merchant_only=True)
def send_test_notification(cid: str) -> ResponseReturnValue:
    """Send a sample notification to CALLBACK_URL and return it."""
    state = get_state()
    body = json_object_body()
    errors = FieldErrors()
    # The Online API writes "Event" and "Notification_type"; any casing of keys and values is read.
    fields = {str(key).lower().replace("_", ""): value for key, value in body.items()}
    raw_event, raw_kind = fields.get("event"), fields.get("notificationtype")
    event, kind = str(raw_event or "").lower(), str(raw_kind or "").lower()
    if event not in ("purchase", "apply"):
        errors.add("Event", "Event must be one of Purchase, Apply", raw_event)
    if kind not in payloads.TEST_TYPES:
        errors.add(
            "Notification_type",
            "Notification_type must be one of Success, Error, Cancelled",
            raw_kind,
        )
    refuse_fields(errors)
    settings = state.settings
    notification = payloads.sample_notification(
        event,
        kind,
        client_id=settings.client_id,
        callback_url=settings.callback_url or "",
        plan=plans.longest(settings.plans, payloads.SAMPLE_AMOUNT),
    )
    notify.send_sample(state, notification)
    return jsonify(notification)


def _lookup_answer(order: Order | None) -> ResponseReturnValue:
    if order is None:
        raise _not_found()
    state = get_state()
    return jsonify(payloads.lookup(order, state.settings.callback_url, state.knobs.lookup_style))


def _init_body() -> dict[str, Any]:
    """Widget init's body: JSON (the public connectors) or form fields (Flexiti's proof of
    concept and JS SDK), with ``billing_information[first_name]`` read as a nested field."""
    if request.mimetype != FORM_MIMETYPE:
        return json_object_body()
    body: dict[str, Any] = {}
    for key, value in request.form.items():
        outer, _, inner = key.partition("[")
        if inner.endswith("]") and outer:
            section = body.setdefault(outer, {})
            if isinstance(section, dict):
                section[inner[:-1]] = value
        else:
            body[key] = value
    return body


def _merchant_orderid(body: dict[str, Any]) -> str | None:
    """The merchant's order id as the Online API or the SDK spells it (``merchant_order_id``)."""
    for name in ("merchant_orderid", "merchant_order_id"):
        value = body.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def refuse_fields(errors: FieldErrors) -> None:
    """Refuse a request with bad fields in the Online API's documented failure shape,
    ``{"code", "error", "error_description"}`` (400 ``invalid_request``, every problem named in
    the description), or in the POS API's ``wrong_inputs`` shape with ``ONLINE_FIELD_ERRORS``."""
    if not errors:
        return
    if get_state().knobs.online_field_errors:
        errors.raise_if_any()
    problems = "; ".join(str(item["msg"]) for item in errors.items)
    raise ApiError(400, "invalid_request", f"{problems}.")


def _check_merchant_orderid(
    errors: FieldErrors, value: str | None, *, name: str = "merchant_orderid"
) -> None:
    """With ``NUMERIC_MERCHANT_ORDER_IDS``, refuse an id that is not an integer, as an account
    whose merchant order id is typed Integer (Online API, merchant-order-id lookup) would."""
    if value is None or not get_state().knobs.numeric_merchant_order_ids:
        return
    if not (value.isascii() and value.isdigit()):
        errors.add(name, f"{name} must be an integer", value)


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _not_found() -> ApiError:
    # Flexiti's own shape: HTTP 409 with a body that says 404.
    return ApiError(409, "not_found", "Order not found", code=404)


def _check_range(settings: Settings, amount: Decimal) -> None:
    if not settings.in_range(amount):
        raise ApiError(
            409,
            "amount_out_of_range",
            f"The amount {money_text(amount)} is outside this merchant's range "
            f"({money_text(settings.min_amount)} to {money_text(settings.max_amount)}).",
        )


def _public_url(settings: Settings) -> str:
    # url_root keeps a mount prefix (SCRIPT_NAME), so the hosted pages resolve when mounted.
    return settings.public_url or request.url_root.rstrip("/")
