"""Webhook events: their types (the notifications catalogue's) and bodies, as signed and sent."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from marshmallow import fields
from marshmallow.validate import OneOf

from flexiti_checkout.models import Order, OrderStatus, Refund
from flexiti_checkout.order_json import STATUSES, AnswerSchema, OrderSchema, RefundSchema
from flexiti_checkout.signals import NOTIFICATIONS, Notification
from flexiti_checkout.store.refunds import order_with_refunds

#: Every webhook event type, in the order of the notifications catalogue.
EVENT_TYPES = list(dict.fromkeys(row.webhook for row in NOTIFICATIONS))


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


def event_body(
    row: Notification,
    previous: OrderStatus,
    order: Order,
    found: Sequence[Refund],
    *,
    refund: Refund | None = None,
    at: datetime | None = None,
) -> str:
    """The JSON text of ``row``'s event about ``order`` (which was ``previous``), with its
    refunds ``found``: exactly what is signed and sent on every attempt."""
    data = {**order_with_refunds(order, found), "previous_status": previous.value}
    if row.carries_refund:
        data["refund"] = refund
    when = at if at is not None else order.status_since
    payload = _SCHEMA.dump({"type": row.webhook, "timestamp": when, "data": data})
    # default=str: an odd value in ``details`` must not make the transition itself fail.
    return json.dumps(payload, separators=(",", ":"), default=str)
