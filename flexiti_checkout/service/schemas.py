"""What the service answers and what its webhooks carry, as marshmallow schemas.

They dump ``Order`` objects for the JSON API and the webhook events alike, so both always say the
same thing the same way, and ``openapi.py`` turns them into the OpenAPI document shops generate
their clients from. Money is a string with its exact digits, never a JSON number.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields
from marshmallow.validate import OneOf

from flexiti_checkout.lifecycle.checkout import FLOWS
from flexiti_checkout.models import OrderStatus

STATUSES = [status.value for status in OrderStatus]
#: Every webhook event type; ``application.approved`` stands for ``order.approved`` in the
#: apply flow, as the ``application_approved`` signal does.
EVENT_TYPES = [
    "order.approved",
    "order.declined",
    "order.cancelled",
    "order.expired",
    "order.needs_review",
    "application.approved",
]
_AMOUNT = {
    "description": "Exact amount in dollars, always a string (never a JSON number).",
    "pattern": r"^[0-9]+(\.[0-9]+)?$",
    "example": "499.00",
}


class _Answer(Schema):
    """What the service sends: clients must accept fields added in later versions."""

    class Meta:
        unknown = EXCLUDE  # also leaves additionalProperties out of the OpenAPI document


class OrderEventSchema(_Answer):
    """One transition in an order's history."""

    at = fields.DateTime(required=True)
    from_status = fields.String(allow_none=True, validate=OneOf(STATUSES))
    to_status = fields.String(required=True, validate=OneOf(STATUSES))
    source = fields.String(
        required=True, metadata={"description": "checkout, callback, return, reconcile or shop"}
    )
    note = fields.String(required=True)


class OrderSchema(_Answer):
    """An order as the store keeps it: no personal data, only what settles and audits it."""

    merchant_order_id = fields.String(required=True)
    online_order_id = fields.String(allow_none=True, metadata={"description": "Flexiti's order id"})
    status = fields.String(required=True, validate=OneOf(STATUSES))
    amount = fields.String(required=True, metadata=_AMOUNT)
    currency = fields.String(required=True, metadata={"example": "CAD"})
    flow = fields.String(required=True, validate=OneOf(FLOWS))
    lang = fields.String(required=True, validate=OneOf(["en", "fr"]))
    reference_id = fields.String(
        required=True, metadata={"description": "x-reference-id to quote to Flexiti's support"}
    )
    flexiti_status = fields.String(
        allow_none=True, metadata={"description": "What Flexiti last said (SUCCESS, ...)"}
    )
    details = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={
            "description": "What Flexiti granted once settled: promo_id, plan_id, term, "
            "administrative_fee, purchase_amount, transaction_total_amount, customer_id, "
            "address_match"
        },
    )
    error = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    status_since = fields.DateTime(required=True)
    checked_at = fields.DateTime(
        allow_none=True, metadata={"description": "When Flexiti was last asked"}
    )


class OrderWithHistorySchema(OrderSchema):
    """``GET /api/orders/<merchant_order_id>``: the order and every transition, oldest first."""

    history = fields.List(fields.Nested(OrderEventSchema), required=True)


class CheckoutStartedSchema(_Answer):
    """``POST /api/checkouts``: where to send the customer, in a modal or by redirect."""

    merchant_order_id = fields.String(required=True)
    online_order_id = fields.String(required=True, metadata={"description": "Flexiti's order id"})
    status = fields.String(required=True, validate=OneOf(STATUSES))
    reference_id = fields.String(required=True)
    redirection_url = fields.URL(
        required=True,
        metadata={
            "description": "Flexiti's hosted flow itself. Send customers to redirect_url "
            "instead, so that this service recognises them when they come back"
        },
    )
    redirect_url = fields.URL(
        required=True,
        metadata={
            "description": "A page of this service that sends the customer on to Flexiti in "
            "the whole window; signed, valid while the order may stay pending"
        },
    )
    modal_url = fields.URL(
        required=True,
        metadata={
            "description": "A page of this service that frames Flexiti's flow in a modal; "
            "signed, valid while the order may stay pending"
        },
    )
    order_url = fields.URL(required=True, metadata={"description": "GET it to read the order"})


class ErrorSchema(_Answer):
    """Every error answer of the API."""

    error = fields.String(
        required=True,
        metadata={
            "description": "unauthorized, invalid_json, invalid_checkout, order_settled, "
            "order_mismatch, checkout_in_progress, flexiti_unavailable, not_found, ..."
        },
    )
    message = fields.String(required=True)
    reference_id = fields.String(metadata={"description": "x-reference-id, for Flexiti's support"})
    field_errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        data_key="fields",
        metadata={"description": 'Each bad field (dotted when nested: "billing.postal_code")'},
    )


class HealthSchema(_Answer):
    """``GET /healthz``: 200 while the store answers (Flexiti down is degraded), else 503."""

    status = fields.String(required=True, validate=OneOf(["ok", "degraded", "down"]))
    store = fields.String(required=True, validate=OneOf(["ok", "unreachable"]))
    flexiti = fields.String(
        required=True,
        validate=OneOf(["ok", "unreachable", "unknown"]),
        metadata={"description": "unknown when the store is down (tokens live there)"},
    )


class WebhookOrderSchema(OrderSchema):
    """The order in a webhook event, with the status it left."""

    previous_status = fields.String(required=True, validate=OneOf(STATUSES))


class WebhookEventSchema(_Answer):
    """The body of a webhook to the shop (Standard Webhooks headers sign it)."""

    type = fields.String(required=True, validate=OneOf(EVENT_TYPES))
    timestamp = fields.DateTime(required=True, metadata={"description": "When it happened"})
    data = fields.Nested(WebhookOrderSchema, required=True)
