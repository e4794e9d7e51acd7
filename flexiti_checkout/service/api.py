"""The standalone service's JSON API, for shops not written in Flask.

``POST {prefix}/api/checkouts`` starts a checkout (201; 200 when the merchant order is already
pending and its Flexiti order is reused) and ``GET {prefix}/api/orders/<merchant_order_id>`` reads
an order with its history. Both need ``Authorization: Bearer <key>`` with one of
``FLEXITI_API_KEYS``; ``GET {prefix}/api/openapi.json`` describes them and needs no key.

``service.create_app`` registers it with ``register_api``; the extension alone does not, because a
Flask shop uses the Python API instead (it may call ``register_api`` itself to offer both).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from urllib.parse import urljoin

from flask import Blueprint, Flask, jsonify, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from flexiti_checkout.errors import (
    ConfigurationError,
    FlexitiError,
    InvalidCheckoutError,
)
from flexiti_checkout.lifecycle.validation import ROUTE_WORDS, validate_checkout
from flexiti_checkout.models import OrderStatus
from flexiti_checkout.service.bodies import (
    FLOAT_AMOUNT,
    JsonFraction,
    error,
    error_response,
    json_body,
    limit_body,
)
from flexiti_checkout.service.openapi import openapi_document
from flexiti_checkout.service.order_actions import add_order_actions
from flexiti_checkout.service.schemas import CheckoutStartedSchema, OrderWithHistorySchema
from flexiti_checkout.web.headers import security_headers
from flexiti_checkout.web.state import flexiti_state


def register_api(app: Flask) -> None:
    """Serve the JSON API at ``{prefix}/api`` of an app that has ``FlexitiCheckout``.

    The keys are ``FLEXITI_API_KEYS``; the service's settings (``read_environment``) require
    them, or in sandbox mode fall back to the public sandbox key.
    """
    state = flexiti_state(app)
    keys = state.settings.api_keys
    if not keys:
        raise ConfigurationError("FLEXITI_API_KEYS is required for the service's JSON API")
    prefix = f"{state.url_prefix}/api"
    app.register_blueprint(make_api_blueprint(keys), url_prefix=prefix)

    def routing_error(error: HTTPException) -> ResponseReturnValue:
        # A path or method no route takes never reaches the blueprint's own handler.
        if request.path.startswith(prefix + "/"):
            return _http_error(error)
        return error

    for code in (404, 405):
        app.register_error_handler(code, routing_error)


def make_api_blueprint(keys: Sequence[str]) -> Blueprint:
    """The ``flexiti_api`` blueprint, accepting any of ``keys`` as a bearer token."""
    if not keys:
        raise ValueError("the API needs at least one key")
    accepted = tuple(key.encode() for key in keys)
    bp = Blueprint("flexiti_api", __name__)

    @bp.record_once  # before the routes: they name it in their paths
    def add_converter(setup: BlueprintSetupState) -> None:
        setup.app.url_map.converters.setdefault("order_id", OrderIdConverter)

    @bp.before_request
    def authenticate() -> ResponseReturnValue | None:
        limit_body()
        if request.endpoint == "flexiti_api.openapi":
            return None
        if _presents_a_key(accepted):
            return None
        given = request.headers.get("Authorization") is not None
        response = jsonify(
            error="unauthorized",
            message="Send Authorization: Bearer <key>, with one of the service's FLEXITI_API_KEYS.",
        )
        challenge = 'Bearer realm="flexiti-checkout"'
        if given:
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
        return response, 401

    bp.add_url_rule("/checkouts", view_func=create_checkout, methods=["POST"])
    bp.add_url_rule("/orders/<order_id:merchant_order_id>", view_func=read_order)
    add_order_actions(bp)
    bp.add_url_rule("/openapi.json", view_func=openapi, endpoint="openapi")
    bp.after_request(security_headers)
    bp.register_error_handler(HTTPException, _http_error)
    # A store behind its migrations (503 schema_behind) or a setting wrong: JSON, not a 500 page.
    bp.register_error_handler(ConfigurationError, error_response)
    return bp


class OrderIdConverter(PathConverter):
    """A merchant order id in a path, whose segments are never a word the order's own routes
    use: ``…/orders/A/cancel`` is the cancel route of order ``A`` alone (its ``Allow`` says so).
    """

    _segment = f"(?!(?:{'|'.join(sorted(ROUTE_WORDS))})(?:/|$))[^/]+"
    regex = f"{_segment}(?:/{_segment})*"


def _presents_a_key(accepted: tuple[bytes, ...]) -> bool:
    """Whether the request carries one of ``accepted`` as a bearer token, in constant time."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    presented = token.strip().encode()
    if scheme.lower() != "bearer" or not presented:
        return False
    found = False
    for key in accepted:  # every key, always: how long this takes says nothing about which
        found |= hmac.compare_digest(presented, key)
    return found


# -- the routes ----------------------------------------------------------------------------


def create_checkout() -> ResponseReturnValue:
    """Start a checkout: 201 with where to send the customer (200 when it was already pending)."""
    state = flexiti_state()
    body = json_body()
    fraction = isinstance(body, dict) and isinstance(body.get("amount"), JsonFraction)
    if fraction:
        # Checked with its digits as text, so that every other bad field is named as well.
        body = {**body, "amount": format(body["amount"], "f")}
    errors: dict[str, list[str]] = {}
    try:
        checkout = validate_checkout(body)
    except InvalidCheckoutError as exc:
        errors = exc.errors
    if fraction:
        errors = {**errors, "amount": [FLOAT_AMOUNT]}
    if errors:
        return error_response(InvalidCheckoutError(errors))
    before = state.store.get_order(checkout.merchant_order_id)
    try:
        started = state.orders.start_within(checkout, state.settings.request_budget)
    except (FlexitiError, InvalidCheckoutError) as exc:
        # A 202 (``CheckoutStillStartingError``): the start goes on; the same checkout sent
        # again answers it once done (200), and the order's URL shows its status meanwhile.
        order_url = url_for(
            ".read_order", merchant_order_id=checkout.merchant_order_id, _external=True
        )
        return error_response(exc, location=order_url)
    # Another request made the order (pending, or still starting when this one came): 200.
    reused = before is not None and before.status in (OrderStatus.PENDING, OrderStatus.CREATED)
    merchant_order_id = started.merchant_order_id
    order_url = url_for(".read_order", merchant_order_id=merchant_order_id, _external=True)
    token = state.modal_signer.dumps({"m": merchant_order_id})
    response = jsonify(
        CheckoutStartedSchema().dump(
            {
                "merchant_order_id": merchant_order_id,
                "online_order_id": started.online_order_id,
                "status": started.status.value,
                "reference_id": started.reference_id,
                # The embedded sandbox answers with a path: the shop needs a whole URL.
                "redirection_url": urljoin(request.url_root, started.redirection_url),
                "modal_url": url_for("flexiti.modal", token=token, _external=True),
                "redirect_url": url_for(
                    "flexiti.modal", token=token, mode="redirect", _external=True
                ),
                "order_url": order_url,
            }
        )
    )
    if reused:
        return response, 200
    response.headers["Location"] = order_url
    return response, 201


def read_order(merchant_order_id: str) -> ResponseReturnValue:
    """The order with its history of transitions, as the store knows it (no Flexiti call)."""
    state = flexiti_state()
    # Never a merchant order id (they are printable), and no database could look it up.
    order = state.store.get_order(merchant_order_id) if merchant_order_id.isprintable() else None
    if order is None:
        return error(404, "not_found", f"No order has merchant order id {merchant_order_id!r}.")
    fields = state.refunds.refunds.with_refunds(order)
    fields["history"] = state.store.history(order)
    return jsonify(OrderWithHistorySchema().dump(fields))


def openapi() -> ResponseReturnValue:
    """The OpenAPI 3 document of this API, for generating a client."""
    return jsonify(openapi_document(flexiti_state().url_prefix, request.url_root))


# -- reading requests and answering errors -------------------------------------------------


def _http_error(error: HTTPException) -> ResponseReturnValue:
    """Every HTTP error under ``/api`` as JSON (405, 413, ...), never an HTML page."""
    code = getattr(error, "error_code", None) or (error.name or "error").lower().replace(" ", "_")
    response = jsonify(error=code, message=error.description or error.name)
    # Keep the error's own headers: a 405 must say which methods are allowed (Allow).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code or 500
