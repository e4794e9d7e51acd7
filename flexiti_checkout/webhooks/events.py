"""Which webhook event a transition sends, and its body: exactly what is signed and sent."""

from __future__ import annotations

import json

from marshmallow import fields
from marshmallow.validate import OneOf

from flexiti_checkout.models import Order, OrderStatus, Refund
from flexiti_checkout.order_json import STATUSES, AnswerSchema, OrderSchema, RefundSchema

#: Every webhook event type; ``application.approved`` stands for ``order.approved`` in the
#: apply flow, as the ``application_approved`` signal does.
EVENT_TYPES = [
    "order.approved",
    "order.declined",
    "order.cancelled",
    "order.expired",
    "order.needs_review",
    "application.approved",
    "order.partially_refunded",
    "order.refunded",
    "refund.failed",
]
#: A refund's events carry it in ``data.refund``.
REFUND_EVENTS = ("order.partially_refunded", "order.refunded", "refund.failed")


class WebhookOrderSchema(OrderSchema):
    """The order in a webhook event, with the status it left."""

    previous_status = fields.String(required=True, validate=OneOf(STATUSES))
    refund = fields.Nested(
        RefundSchema,
        metadata={"description": "The refund this event is about (refund events only)"},
    )


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
        OrderStatus.PARTIALLY_REFUNDED,
        OrderStatus.REFUNDED,
    ):
        return f"order.{order.status.value}"
    return None


def event_body(
    kind: str,
    before: Order,
    after: Order,
    *,
    refunds: list[Refund] | None = None,
    refundable: object = None,
    refund: Refund | None = None,
    at: object = None,
) -> str:
    """The JSON text of an event: exactly what is signed and sent on every attempt."""
    order = {name: getattr(after, name) for name in after.__dataclass_fields__}
    data = {**order, "previous_status": before.status.value}
    if refunds is not None:
        data.update(refunds=refunds, refundable=refundable)
    if refund is not None:
        data["refund"] = refund
    when = at if at is not None else after.status_since
    payload = _SCHEMA.dump({"type": kind, "timestamp": when, "data": data})
    # default=str: an odd value in ``details`` must not make the transition itself fail.
    return json.dumps(payload, separators=(",", ":"), default=str)
