"""The API's acts on an order: refund it, list its refunds, cancel it, decide its review.

``POST …/orders/<id>/refunds`` takes the ``Idempotency-Key`` header: the same key returns the
same refund (200) instead of making another (201). Errors are JSON like the rest of the API.

Each waits for Flexiti at most ``FLEXITI_REQUEST_BUDGET``: a slower refund is answered 202 with
the refund still ``requested`` (the same key finds it as it is later), a slower cancellation or
review decision 202 ``action_in_progress`` with the order's URL, whose status tells the outcome.
Neither is ever sent to Flexiti twice.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError

from flexiti_checkout.errors import FlexitiError
from flexiti_checkout.models import Order, RefundStatus
from flexiti_checkout.money import AmountError, parse_amount
from flexiti_checkout.order_json import OrderSchema
from flexiti_checkout.service.bodies import (
    FLOAT_AMOUNT,
    JsonFraction,
    body_bytes,
    error,
    error_response,
    json_body,
)
from flexiti_checkout.service.schemas import (
    CancelRequestSchema,
    RefundAnswerSchema,
    RefundRequestSchema,
    RefundsSchema,
    ReviewRequestSchema,
)
from flexiti_checkout.store.refunds import refundable
from flexiti_checkout.web.state import flexiti_state

IDEMPOTENCY_HEADER = "Idempotency-Key"


def add_order_actions(bp: Blueprint) -> None:
    """Add the refund, cancel and review routes to the API blueprint."""
    path = "/orders/<order_id:merchant_order_id>"
    bp.add_url_rule(f"{path}/refunds", view_func=create_refund, methods=["POST"])
    bp.add_url_rule(f"{path}/refunds", view_func=list_refunds, methods=["GET"])
    bp.add_url_rule(f"{path}/cancel", view_func=cancel_order, methods=["POST"])
    bp.add_url_rule(f"{path}/review", view_func=review_order, methods=["POST"])


def create_refund(merchant_order_id: str) -> ResponseReturnValue:
    """Refund an order: 201 with the new refund, 200 with the one this Idempotency-Key made."""
    body, problem = _load(RefundRequestSchema())
    if problem is not None:
        return problem
    amount = body.get("amount")
    if isinstance(amount, JsonFraction):
        return _invalid("invalid_refund", {"amount": [FLOAT_AMOUNT]})
    if amount is not None:
        try:
            amount = parse_amount(amount, "amount")
        except AmountError as exc:
            return _invalid("invalid_refund", {"amount": [exc.reason]})
    key = request.headers.get(IDEMPOTENCY_HEADER)
    state = flexiti_state()
    try:
        result = state.refunds.refund(
            merchant_order_id, amount, reason=body.get("reason"), idempotency_key=key,
            actor=_actor(body), budget=state.settings.request_budget,
        )  # fmt: skip
    except FlexitiError as exc:
        return error_response(exc, invalid="invalid_refund")
    found = flexiti_state().refunds.refunds.for_order(merchant_order_id)
    answer = {
        **{name: getattr(result.refund, name) for name in result.refund.__dataclass_fields__},
        "merchant_order_id": merchant_order_id,
        "order_status": result.order.status.value,
        "refundable": refundable(result.order, found),
    }
    response = jsonify(RefundAnswerSchema().dump(answer))
    response.headers["Location"] = url_for(
        ".list_refunds", merchant_order_id=merchant_order_id, _external=True
    )
    if result.refund.status is RefundStatus.REQUESTED:  # Flexiti has not answered yet
        response.headers["Retry-After"] = "2"
        return response, 202
    return response, 201 if result.created else 200


def list_refunds(merchant_order_id: str) -> ResponseReturnValue:
    """The order's refunds, oldest first, and what remains refundable."""
    order = flexiti_state().store.get_order(merchant_order_id)
    if order is None:
        return error(404, "not_found", f"No order has merchant order id {merchant_order_id!r}.")
    return jsonify(RefundsSchema().dump(flexiti_state().refunds.refunds.with_refunds(order)))


def cancel_order(merchant_order_id: str) -> ResponseReturnValue:
    """Cancel an approved order's purchase at Flexiti: 200 with the cancelled order."""
    body, problem = _load(CancelRequestSchema())
    if problem is not None:
        return problem
    state = flexiti_state()
    try:
        order = state.actions.cancel(
            merchant_order_id, reason=body.get("reason"), actor=_actor(body),
            budget=state.settings.request_budget,
        )  # fmt: skip
    except FlexitiError as exc:
        return _refused(exc, merchant_order_id)
    return _order_answer(order)


def review_order(merchant_order_id: str) -> ResponseReturnValue:
    """Decide a needs_review order (approve or reject): 200 with the order as it is now."""
    body, problem = _load(ReviewRequestSchema())
    if problem is not None:
        return problem
    state = flexiti_state()
    try:
        order = state.actions.resolve_review(
            merchant_order_id, body["decision"], note=body["note"], actor=_actor(body),
            budget=state.settings.request_budget,
        )  # fmt: skip
    except FlexitiError as exc:
        return _refused(exc, merchant_order_id)
    return _order_answer(order)


def _refused(exc: FlexitiError, merchant_order_id: str) -> ResponseReturnValue:
    """``exc`` as the API answers it; ``action_in_progress`` (202) with the order's URL."""
    order_url = url_for(".read_order", merchant_order_id=merchant_order_id, _external=True)
    return error_response(exc, location=order_url)


def _actor(body: dict[str, Any]) -> str:
    """Who the history names: ``api``, or ``api:<actor>`` (``ACTOR_PATTERN``), so a caller
    cannot write a staff member's name the way the console does."""
    actor = body.get("actor")
    return f"api:{actor}" if actor else "api"


def _order_answer(order: Order) -> ResponseReturnValue:
    return jsonify(OrderSchema().dump(flexiti_state().refunds.refunds.with_refunds(order)))


def _load(schema: Schema) -> tuple[dict[str, Any], ResponseReturnValue | None]:
    """The body loaded by ``schema`` (no body at all is ``{}``), or a 400 naming bad fields."""
    raw = json_body() if body_bytes() else {}
    if not isinstance(raw, dict):
        return {}, error(400, "invalid_json", "The body must be a JSON object.")
    try:
        return schema.load(raw), None
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        return {}, _invalid("invalid_request", messages)


def _invalid(code: str, fields: dict[str, Any]) -> ResponseReturnValue:
    problems = "; ".join(f"{name} {' '.join(map(str, msgs))}" for name, msgs in fields.items())
    return error(400, code, f"The request is invalid: {problems}.", fields=fields)
