"""Orders as JSON: the one shape the service's API answers with and the webhooks carry.

Money is a string with its exact digits, never a JSON number; ``service.openapi`` turns these
schemas into the OpenAPI document shops generate their clients from.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields
from marshmallow.validate import OneOf

from flexiti_checkout.models import FLOWS, OrderStatus, RefundStatus

STATUSES = [status.value for status in OrderStatus]
REFUND_STATUSES = [status.value for status in RefundStatus]
AMOUNT = {
    "description": "Exact amount in dollars, always a string (never a JSON number).",
    "pattern": r"^[0-9]+(\.[0-9]+)?$",
    "example": "499.00",
}


class AnswerSchema(Schema):
    """What the service sends: clients must accept fields added in later versions."""

    class Meta:
        unknown = EXCLUDE  # also leaves additionalProperties out of the OpenAPI document


class OrderEventSchema(AnswerSchema):
    """One transition in an order's history."""

    at = fields.DateTime(required=True)
    from_status = fields.String(allow_none=True, validate=OneOf(STATUSES))
    to_status = fields.String(required=True, validate=OneOf(STATUSES))
    source = fields.String(
        required=True, metadata={"description": "checkout, callback, return, reconcile or shop"}
    )
    note = fields.String(required=True)


class RefundSchema(AnswerSchema):
    """One refund of an order: asked before Flexiti was called, settled once."""

    id = fields.Integer(required=True)
    amount = fields.String(required=True, metadata=AMOUNT)
    full = fields.Boolean(
        required=True, metadata={"description": "Asked Flexiti to return all that remained"}
    )
    status = fields.String(
        required=True,
        validate=OneOf(REFUND_STATUSES),
        metadata={
            "description": "requested (Flexiti is being asked), succeeded, failed, or unknown "
            "(no answer after sending: never sent again; settled by reconcile or a person)"
        },
    )
    idempotency_key = fields.String(required=True)
    reason = fields.String(required=True)
    actor = fields.String(required=True, metadata={"description": "Who asked"})
    reference_id = fields.String(
        required=True, metadata={"description": "x-reference-id of the return at Flexiti"}
    )
    answer = fields.Dict(
        keys=fields.String(), required=True, metadata={"description": "Flexiti's answer"}
    )
    error = fields.String(allow_none=True, metadata={"description": "Why it failed or is unknown"})
    created_at = fields.DateTime(required=True)
    settled_at = fields.DateTime(allow_none=True)


class OrderSchema(AnswerSchema):
    """An order as the store keeps it: no personal data, only what settles and audits it."""

    merchant_order_id = fields.String(required=True)
    online_order_id = fields.String(allow_none=True, metadata={"description": "Flexiti's order id"})
    status = fields.String(required=True, validate=OneOf(STATUSES))
    amount = fields.String(required=True, metadata=AMOUNT)
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
            "address_match; while a cancellation or review decision is under way at Flexiti, "
            "action_in_progress (action, actor, since, until: epoch seconds)"
        },
    )
    error = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    status_since = fields.DateTime(required=True)
    checked_at = fields.DateTime(
        allow_none=True, metadata={"description": "When Flexiti was last asked"}
    )
    refunds = fields.List(fields.Nested(RefundSchema), metadata={"description": "Oldest first"})
    refundable = fields.String(
        metadata={**AMOUNT, "description": "What can still be refunded", "example": "250.00"}
    )
