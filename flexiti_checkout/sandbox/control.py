"""The control API under ``/_sandbox/``: knobs, logs, orders and resets for tests and demos.

No authentication, no fault knobs: it is how a test arranges the sandbox, not part of Flexiti.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from flexiti_checkout.sandbox.faults import KnobError
from flexiti_checkout.sandbox.hosted import InvalidPlanError, settle_order
from flexiti_checkout.sandbox.orders import OUTCOMES, AlreadySettledError, Order
from flexiti_checkout.sandbox.shapes import iso_timestamp, json_body, money_text
from flexiti_checkout.sandbox.state import get_state

bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")
MAX_WAIT = 30.0


@bp.get("/faults")
def faults() -> ResponseReturnValue:
    """Every fault knob and its current value."""
    return jsonify(get_state().knobs.to_dict())


@bp.patch("/faults")
def change_faults() -> ResponseReturnValue:
    """Change some knobs (names case-insensitive); answers every knob after the change."""
    state = get_state()
    changes = _body()
    if changes is None:
        return _error(400, "send the knobs to change as a JSON object")
    with state.lock:
        try:
            state.knobs = state.knobs.updated(changes)
        except KnobError as exc:
            return _error(400, str(exc))
        return jsonify(state.knobs.to_dict())


@bp.get("/settings")
def settings() -> ResponseReturnValue:
    """The redirect, callback and public URLs in use."""
    return jsonify(get_state().settings.urls())


@bp.patch("/settings")
def change_settings() -> ResponseReturnValue:
    """Change ``success_url``, ``error_url``, ``callback_url`` or ``public_url``."""
    changes = _body()
    if changes is None:
        return _error(400, "send the settings to change as a JSON object")
    try:
        updated = get_state().update_settings(changes)
    except ValueError as exc:
        return _error(400, str(exc))
    return jsonify(updated.urls())


@bp.get("/requests")
def requests_log() -> ResponseReturnValue:
    """The API requests received, oldest first (no secrets, no tokens)."""
    return jsonify({"requests": get_state().requests.entries()})


@bp.delete("/requests")
def clear_requests() -> ResponseReturnValue:
    get_state().requests.clear()
    return jsonify({"requests": []})


@bp.get("/orders")
def orders() -> ResponseReturnValue:
    """Every order, oldest first."""
    return jsonify({"orders": [order_view(order) for order in get_state().orders.all()]})


@bp.get("/orders/<int:online_order_id>")
def order(online_order_id: int) -> ResponseReturnValue:
    found = get_state().orders.get(online_order_id)
    if found is None:
        return _error(404, f"no order {online_order_id}")
    return jsonify(order_view(found))


@bp.post("/orders/<int:online_order_id>/settle")
def settle(online_order_id: int) -> ResponseReturnValue:
    """Settle an order without a browser: ``{"outcome": "approve"|"decline"|"cancel"}``."""
    body = _body() or {}
    outcome = body.get("outcome")
    if outcome not in OUTCOMES:
        return _error(400, "outcome must be one of approve, decline, cancel")
    try:
        settled = settle_order(
            get_state(), online_order_id, outcome, body.get("plan_id"), body.get("term")
        )
    except KeyError:
        return _error(404, f"no order {online_order_id}")
    except AlreadySettledError as exc:
        response = jsonify({"error": str(exc), "order": order_view(exc.order)})
        response.status_code = 409
        return response
    except InvalidPlanError as exc:
        return _error(400, str(exc))
    return jsonify(order_view(settled))


@bp.get("/callbacks")
def callbacks_log() -> ResponseReturnValue:
    """Every callback delivery attempt; ``?wait=S`` first waits up to S s for in-flight ones."""
    state = get_state()
    wait = request.args.get("wait", type=float)
    if wait:
        state.callbacks.wait(min(max(wait, 0.0), MAX_WAIT))
    return jsonify({"callbacks": state.callbacks.entries(), "pending": state.callbacks.pending()})


@bp.post("/tokens/revoke")
def revoke_tokens() -> ResponseReturnValue:
    """Invalidate every issued token: the next API call answers 401 ``invalid_token``."""
    return jsonify({"revoked": get_state().tokens.revoke_all()})


@bp.post("/reset")
def reset() -> ResponseReturnValue:
    """Forget orders, tokens and logs; knobs and URLs back to their start values."""
    get_state().reset()
    return jsonify({"reset": True})


def order_view(order: Order) -> dict[str, Any]:
    """An order as the control API shows it (more than Flexiti's lookup does)."""
    return {
        "online_order_id": order.online_order_id,
        "transaction_id": order.transaction_id,
        "merchant_orderid": order.merchant_orderid,
        "flow": order.flow,
        "lang": order.lang,
        "amount": money_text(order.amount),
        "status": order.status,
        "plan_id": order.plan.plan_id if order.plan else None,
        "term": order.plan.months if order.plan else None,
        "promo_id": order.promo_id,
        "customer_id": order.customer_id,
        "approved_amount": money_text(order.approved_amount)
        if order.approved_amount is not None
        else None,
        "flow_path": f"/sandbox/flow/{order.flow_token}",
        "created_at": iso_timestamp(order.created_at),
        "settled_at": iso_timestamp(order.settled_at) if order.settled_at is not None else None,
    }


def _body() -> dict[str, Any] | None:
    body = json_body()
    return body if isinstance(body, dict) else None


def _error(status: int, message: str) -> ResponseReturnValue:
    response = jsonify({"error": message})
    response.status_code = status
    return response
