"""The service's OpenAPI 3 document, generated from the marshmallow schemas with apispec.

The request schema is ``CheckoutSchema`` itself, the one that validates every checkout, so the
document cannot drift from what the service accepts. Its fields are read by small parsers that
apispec cannot see through; ``checkout_fields`` says what each one takes, and a field missing
there fails the document's generation (and its test) rather than going undocumented.
"""

from __future__ import annotations

import importlib.metadata
from functools import lru_cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from flexiti_checkout.lifecycle.validation import AddressSchema, CheckoutSchema
from flexiti_checkout.order_json import OrderEventSchema, OrderSchema, RefundSchema
from flexiti_checkout.service.checkout_fields import any_case, parsed_field
from flexiti_checkout.service.schemas import (
    NOT_BLANK_TEXT,
    CancelRequestSchema,
    CheckoutStartedSchema,
    ErrorSchema,
    HealthSchema,
    OrderWithHistorySchema,
    RefundAnswerSchema,
    RefundRequestSchema,
    RefundsSchema,
    ReviewRequestSchema,
)
from flexiti_checkout.webhooks.events import WebhookEventSchema, WebhookOrderSchema

_COMPONENTS: list[tuple[str, type[Schema]]] = [
    ("Address", AddressSchema),
    ("CheckoutRequest", CheckoutSchema),
    ("CheckoutStarted", CheckoutStartedSchema),
    ("Refund", RefundSchema),  # before the schemas that nest it
    ("OrderEvent", OrderEventSchema),
    ("Order", OrderSchema),
    ("OrderWithHistory", OrderWithHistorySchema),
    ("RefundRequest", RefundRequestSchema),
    ("RefundAnswer", RefundAnswerSchema),
    ("Refunds", RefundsSchema),
    ("CancelRequest", CancelRequestSchema),
    ("ReviewRequest", ReviewRequestSchema),
    ("Error", ErrorSchema),
    ("Health", HealthSchema),
    ("WebhookOrder", WebhookOrderSchema),
    ("WebhookEvent", WebhookEventSchema),
]
DESCRIPTION = """\
Flexiti financing at checkout, as a service. Start a checkout, send the customer to
`redirection_url` (or open `modal_url` in a frame), and learn the outcome from a signed webhook
(see the `WebhookEvent` schema: Standard Webhooks headers `webhook-id`, `webhook-timestamp`,
`webhook-signature`) or by reading the order.
"""


def _require_addresses_for_purchases(checkout: dict[str, Any]) -> None:
    """``billing`` and ``shipping`` are required unless the flow is ``apply``, and ``buy`` also
    needs ``customer_id`` or ``vcc`` (in place); when given, each address is an ``Address`` or
    ``null`` (apispec would also allow any object)."""
    address = {"$ref": "#/components/schemas/Address"}
    for name in ("billing", "shipping"):
        checkout["properties"][name] = {"nullable": True, "default": None, "allOf": [address]}
    purchase = {"required": ["billing", "shipping"],
                "properties": {"billing": address, "shipping": address}}  # fmt: skip
    customer = [
        {"required": ["customer_id"],
         "properties": {"customer_id": {"type": "string", "pattern": NOT_BLANK_TEXT}}},
        {"required": ["vcc"], "properties": {"vcc": {"type": "string", "pattern": "[0-9]"}}},
    ]  # fmt: skip
    checkout["anyOf"] = [
        {"required": ["flow"], "properties": {"flow": {"pattern": any_case("apply")}}},
        {"allOf": [purchase, {"properties": {"flow": {"pattern": any_case("apply/buy")}}}]},
        {"allOf": [purchase, {"required": ["flow"], "properties": {"flow": {
            "pattern": any_case("buy")}}}, {"anyOf": customer}]},
    ]  # fmt: skip


def _version() -> str:
    try:
        return importlib.metadata.version("flexiti-checkout")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a bare source tree
        return "0"


def _json(schema: type[Schema], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@lru_cache(maxsize=8)
def _document(prefix: str) -> dict[str, Any]:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Flexiti checkout service",
        version=_version(),
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": DESCRIPTION},
    )
    plugin.converter.add_attribute_function(parsed_field)  # type: ignore[union-attr]
    spec.components.security_scheme(
        "apiKey",
        {"type": "http", "scheme": "bearer", "description": "One of the FLEXITI_API_KEYS"},
    )
    for name, schema in _COMPONENTS:
        spec.components.schema(name, schema=schema)
    unauthorized = _json(ErrorSchema, "No key, or not one of FLEXITI_API_KEYS")
    spec.path(
        path=f"{prefix}/api/checkouts",
        operations={
            "post": {
                "operationId": "createCheckout",
                "summary": "Start a checkout (or get the pending one for this merchant order)",
                "security": [{"apiKey": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": CheckoutSchema}},
                },
                "responses": {
                    "201": _json(CheckoutStartedSchema, "Started: a new Flexiti order"),
                    "200": _json(
                        CheckoutStartedSchema, "Already pending: the same Flexiti order again"
                    ),
                    "202": _still_working(
                        ErrorSchema,
                        "`checkout_in_progress`: Flexiti is slower than FLEXITI_REQUEST_BUDGET "
                        "and the start goes on; send the same checkout again after "
                        "`Retry-After` seconds (200 once started)",
                    ),
                    "400": _json(ErrorSchema, "Bad fields, each named in `fields`"),
                    "401": unauthorized,
                    "409": {
                        **_json(
                            ErrorSchema,
                            "The merchant order has ended (`order_settled`), or is pending for "
                            "another amount or flow (`order_mismatch`), or another request is "
                            "starting it (`checkout_in_progress`: retry after `Retry-After` "
                            "seconds); or Flexiti refused it (`flexiti_refused`, such as an "
                            "amount outside the merchant's range)",
                        ),
                        "headers": {
                            "Retry-After": {
                                "description": "With `checkout_in_progress`: seconds to wait "
                                "before starting it again",
                                "schema": {"type": "integer", "minimum": 1},
                            }
                        },
                    },
                    "405": _json(ErrorSchema, "Another method than POST; `Allow` names it"),
                    "413": _json(ErrorSchema, "A body over 64 KiB"),
                    "415": _json(ErrorSchema, "Not JSON"),
                    "422": _json(
                        ErrorSchema,
                        "`amount_not_financeable`: Flexiti does not finance this amount (outside "
                        "the merchant's plans); offer another payment method",
                    ),
                    "502": _json(ErrorSchema, "Flexiti is unreachable or its answer unreadable"),
                },
            }
        },
    )
    spec.path(
        path=f"{prefix}/api/orders/{{merchant_order_id}}",
        parameters=[
            {
                "name": "merchant_order_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
            }
        ],
        operations={
            "get": {
                "operationId": "getOrder",
                "summary": "An order and its history of transitions",
                "security": [{"apiKey": []}],
                "responses": {
                    "200": _json(OrderWithHistorySchema, "The order"),
                    "401": unauthorized,
                    "404": _json(ErrorSchema, "No such merchant order id"),
                    "405": _json(ErrorSchema, "Another method than GET; `Allow` names those"),
                },
            }
        },
    )
    _order_actions(spec, prefix, unauthorized)
    spec.path(
        path=f"{prefix}/healthz",
        operations={
            "get": {
                "operationId": "health",
                "summary": "Whether the store and Flexiti answer",
                "responses": {
                    "200": _json(HealthSchema, "The store answers (Flexiti may not: degraded)"),
                    "503": _json(HealthSchema, "The store does not answer"),
                },
            }
        },
    )
    document = spec.to_dict()
    _require_addresses_for_purchases(document["components"]["schemas"]["CheckoutRequest"])
    return document


def _still_working(schema: Any, text: str) -> dict[str, Any]:
    """A 202: Flexiti is slower than FLEXITI_REQUEST_BUDGET and the work goes on; ``Location``
    is where its outcome shows, ``Retry-After`` when to look or send it again."""
    return {
        **_json(schema, text),
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before looking again or sending it again",
                "schema": {"type": "integer", "minimum": 1},
            },
            "Location": {
                "description": "Where the outcome shows (the order, or its refunds)",
                "schema": {"type": "string", "format": "uri"},
            },
        },
    }


def _order_actions(spec: APISpec, prefix: str, unauthorized: dict[str, Any]) -> None:
    """Refunds, cancellation and review decisions of one order."""
    order_id = [
        {"name": "merchant_order_id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    not_found = _json(ErrorSchema, "No such merchant order id")
    refused = _json(
        ErrorSchema, "order_state: the order's status does not allow it; flexiti_refused: Flexiti "
        "said no (its reason in message)",
    )  # fmt: skip
    body = {"content": {"application/json": {"schema": CancelRequestSchema}}}
    in_progress = _still_working(
        ErrorSchema,
        "`action_in_progress`: Flexiti is slower than FLEXITI_REQUEST_BUDGET, or another "
        "request's cancellation or review decision of this order is under way. It goes on and "
        "is never sent to Flexiti twice: read the order (`Location`) until its status changes; "
        "meanwhile its `details.action_in_progress` names it",
    )
    spec.path(
        path=f"{prefix}/api/orders/{{merchant_order_id}}/refunds",
        parameters=order_id,
        operations={
            "post": {
                "operationId": "createRefund",
                "summary": "Refund an approved order, in part or all that remains",
                "description": "Recorded before Flexiti is called. Send an `Idempotency-Key`: "
                "the same key returns the same refund (200) and never refunds twice. The "
                "refund's `status` says what Flexiti did: succeeded, failed (with `error`) or "
                "unknown (no answer after sending: never sent again; reconcile settles it). "
                "Flexiti slower than FLEXITI_REQUEST_BUDGET: 202 with the refund `requested`; "
                "send the same request with the same key after `Retry-After` seconds to read it "
                "as it is then (202 while still requested).",
                "security": [{"apiKey": []}],
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        # What lifecycle.refunds.service accepts: printable ASCII, no spaces.
                        "schema": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 255,
                            "pattern": "^[!-~]+$",
                        },
                        "description": "Your id for this refund (1-255 printable ASCII characters, "
                        "no spaces)",
                    }
                ],
                "requestBody": {"content": {"application/json": {"schema": RefundRequestSchema}}},
                "responses": {
                    "201": _json(RefundAnswerSchema, "A new refund"),
                    "200": _json(RefundAnswerSchema, "The refund this Idempotency-Key made"),
                    "202": _still_working(
                        RefundAnswerSchema,
                        "The refund, still `requested`: Flexiti has not answered within "
                        "FLEXITI_REQUEST_BUDGET and is still being asked (once)",
                    ),
                    "400": _json(ErrorSchema, "refund_too_large (with `remaining`), or bad fields"),
                    "401": unauthorized,
                    "404": not_found,
                    "409": _json(
                        ErrorSchema,
                        "idempotency_key_reused (another amount), or order_state (not approved)",
                    ),
                },
            },
            "get": {
                "operationId": "listRefunds",
                "summary": "The order's refunds and what remains refundable",
                "security": [{"apiKey": []}],
                "responses": {
                    "200": _json(RefundsSchema, "Refunds, oldest first"),
                    "401": unauthorized,
                    "404": not_found,
                },
            },
        },
    )
    spec.path(
        path=f"{prefix}/api/orders/{{merchant_order_id}}/cancel",
        parameters=order_id,
        operations={
            "post": {
                "operationId": "cancelOrder",
                "summary": "Cancel an approved order's purchase at Flexiti",
                "security": [{"apiKey": []}],
                "requestBody": body,
                "responses": {
                    "200": _json(OrderSchema, "The cancelled order"),
                    "202": in_progress,
                    "400": _json(ErrorSchema, "Not a JSON object, or bad fields"),
                    "401": unauthorized,
                    "404": not_found,
                    "409": refused,
                    "502": _json(ErrorSchema, "Flexiti did not answer"),
                },
            }
        },
    )
    spec.path(
        path=f"{prefix}/api/orders/{{merchant_order_id}}/review",
        parameters=order_id,
        operations={
            "post": {
                "operationId": "reviewOrder",
                "summary": "Decide an order that needs review: approve, or reject (cancel or "
                "return at Flexiti)",
                "security": [{"apiKey": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ReviewRequestSchema}},
                },
                "responses": {
                    "200": _json(OrderSchema, "The order as it is now"),
                    "202": in_progress,
                    "400": _json(ErrorSchema, "Bad fields"),
                    "401": unauthorized,
                    "404": not_found,
                    "409": refused,
                    "502": _json(ErrorSchema, "Flexiti did not answer"),
                },
            }
        },
    )


def openapi_document(prefix: str, server_url: str) -> dict[str, Any]:
    """The OpenAPI document for the API mounted under ``prefix``, served from ``server_url``."""
    return {**_document(prefix), "servers": [{"url": server_url.rstrip("/") or "/"}]}
