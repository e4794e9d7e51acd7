"""Which webhook event a transition sends, and its body: exactly what is signed and sent."""

from __future__ import annotations

import json

from marshmallow import fields
from marshmallow.validate import OneOf

from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.order_json import STATUSES, AnswerSchema, OrderSchema

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


class WebhookOrderSchema(OrderSchema):
    """The order in a webhook event, with the status it left."""

    previous_status = fields.String(required=True, validate=OneOf(STATUSES))


class WebhookEventSchema(AnswerSchema):
    """The body of a webhook to the shop (Standard Webhooks headers sign it)."""

    type = fields.String(required=True, validate=OneOf(EVENT_TYPES))
    timestamp = fields.DateTime(required=True, metadata={"description": "When it happened"})
    data = fields.Nested(WebhookOrderSchema, required=True)


_SCHEMA = WebhookEventSchema()


def event_type(order: Order) -> str | None:
    """The webhook event a transition into ``order``'s status sends, if any."""
    if order.status is OrderStatus.APPROVED and order.flow == "apply":
        return "application.approved"
    if order.status in (
        OrderStatus.APPROVED,
        OrderStatus.DECLINED,
        OrderStatus.CANCELLED,
        OrderStatus.EXPIRED,
        OrderStatus.NEEDS_REVIEW,
    ):
        return f"order.{order.status.value}"
    return None


def event_body(kind: str, before: Order, after: Order) -> str:
    """The JSON text of an event: exactly what is signed and sent on every attempt."""
    order = {name: getattr(after, name) for name in after.__dataclass_fields__}
    data = {**order, "previous_status": before.status.value}
    payload = _SCHEMA.dump({"type": kind, "timestamp": after.status_since, "data": data})
    # default=str: an odd value in ``details`` must not make the transition itself fail.
    return json.dumps(payload, separators=(",", ":"), default=str)
