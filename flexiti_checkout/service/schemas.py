"""What the service's JSON API answers, as marshmallow schemas.

Orders are dumped with ``order_json.OrderSchema``, the shape the webhooks carry too, so both always
say the same thing the same way; ``openapi.py`` turns these into the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields
from marshmallow.validate import Length, OneOf, Regexp

from flexiti_checkout.money import MAX_AMOUNT_TEXT
from flexiti_checkout.order_json import (
    AMOUNT,
    STATUSES,
    AnswerSchema,
    OrderEventSchema,
    OrderSchema,
    RefundSchema,
)

#: The blanks ``str.strip()`` removes that are not control characters, spelled out: in JSON
#: Schema's regexes (ECMA 262) ``\s`` means another set (without U+0085, with U+FEFF), so the
#: document's patterns never use it.
PRINTABLE_SPACES = r" \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Every blank ``str.strip()`` removes, as a character class.
SPACE = "[" + r"\t\n\v\f\r\x1c-\x1f" + PRINTABLE_SPACES + "]"
#: Text that is not blank and has no control characters (``validation._text``).
NOT_BLANK_TEXT = r"^[^\x00-\x1f\x7f]*[^" + PRINTABLE_SPACES + r"\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"

#: 0.01 to 1000000.00, at most two decimals (trailing zeros aside), no leading zero or sign,
#: blanks around: what ``money.parse_amount`` accepts from a string (up to 32 characters once
#: the blanks are stripped, which the lookahead counts).
AMOUNT_PATTERN = (
    f"^{SPACE}*(?=[0-9.]{{1,{MAX_AMOUNT_TEXT}}}{SPACE}*$)"
    r"(?:[1-9][0-9]{0,5}(?:\.[0-9]{1,2}0*)?|1000000(?:\.0+)?|0\.(?:0[1-9]|[1-9][0-9]?)0*)"
    f"{SPACE}*$"
)
#: An amount as the API takes it: that string, or a whole JSON number of dollars.
AMOUNT_IN: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": AMOUNT_PATTERN},
        {"type": "integer", "minimum": 1, "maximum": 1000000},
    ]
}


class OrderWithHistorySchema(OrderSchema):
    """``GET /api/orders/<merchant_order_id>``: the order and every transition, oldest first."""

    history = fields.List(fields.Nested(OrderEventSchema), required=True)


class CheckoutStartedSchema(AnswerSchema):
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


class ErrorSchema(AnswerSchema):
    """Every error answer of the API."""

    error = fields.String(
        required=True,
        metadata={
            "description": "unauthorized, invalid_json, invalid_checkout, order_settled, "
            "order_mismatch, checkout_in_progress, flexiti_refused, flexiti_unavailable, "
            "not_found, ..."
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


class BackgroundPartSchema(AnswerSchema):
    """One part of the process's background work (a thread pool, the callback workers…)."""

    name = fields.String(required=True, metadata={"example": "callback workers"})
    state = fields.String(
        required=True,
        validate=OneOf(["off", "idle", "running", "stopped"]),
        metadata={"description": "off: a worker process does this work; idle: no thread now"},
    )
    threads = fields.Integer(required=True, metadata={"description": "Threads alive now"})
    queued = fields.Integer(required=True, metadata={"description": "Work waiting for them"})


class HealthSchema(AnswerSchema):
    """``GET /healthz``: 200 while the store answers (Flexiti down is degraded), else 503."""

    status = fields.String(required=True, validate=OneOf(["ok", "degraded", "down"]))
    store = fields.String(required=True, validate=OneOf(["ok", "unreachable"]))
    flexiti = fields.String(
        required=True,
        validate=OneOf(["ok", "unreachable", "unknown"]),
        metadata={"description": "unknown when the store is down (tokens live there)"},
    )
    background = fields.List(
        fields.Nested(BackgroundPartSchema),
        required=True,
        metadata={"description": "This process's background work, in the order it stops in"},
    )


class _Strict(Schema):
    """What shops send: an unknown field is an error, not silently dropped."""

    class Meta:
        unknown = RAISE


#: What the API's ``actor`` may hold: a name, never the console's "Name (key #1)" format.
ACTOR_PATTERN = r"^[A-Za-z0-9._@ -]{1,100}$"
_ACTOR = fields.String(
    validate=Regexp(
        ACTOR_PATTERN,
        error="may hold only 1 to 100 letters, digits, spaces and . _ @ -",
    ),
    metadata={
        "pattern": ACTOR_PATTERN,
        "description": "Who asks, for the record: written to the order's history as "
        "api:<actor> (plain api without it), so it never reads as a staff member's sign-in",
    },
)


class RefundRequestSchema(_Strict):
    """``POST /api/orders/<id>/refunds``; send the ``Idempotency-Key`` header too."""

    amount = fields.Raw(
        allow_none=False,
        error_messages={
            "null": "must not be null: send an amount, or leave amount out to refund all that "
            "remains"
        },
        metadata={
            **AMOUNT_IN,
            "example": "12.34",
            "description": "Dollars, 0.01 to 1000000.00, as a string (or a whole JSON number); "
            "left out, the refund is all that remains (null is refused)",
        },
    )
    reason = fields.String(validate=Length(max=500))
    actor = _ACTOR


class CancelRequestSchema(_Strict):
    """``POST /api/orders/<id>/cancel``."""

    reason = fields.String(validate=Length(max=500))
    actor = _ACTOR


class ReviewRequestSchema(_Strict):
    """``POST /api/orders/<id>/review``: approve or reject a ``needs_review`` order."""

    decision = fields.String(required=True, validate=OneOf(["approve", "reject"]))
    note = fields.String(
        required=True,
        validate=Length(min=1, max=500),
        metadata={
            # Not blank, and no control characters (what the order service accepts).
            "pattern": NOT_BLANK_TEXT,
            "description": "Why (required, not blank)",
        },
    )
    actor = _ACTOR


class RefundAnswerSchema(RefundSchema):
    """A refund as the API answers it, with where its order stands now."""

    merchant_order_id = fields.String(required=True)
    order_status = fields.String(required=True, validate=OneOf(STATUSES))
    refundable = fields.String(required=True, metadata=AMOUNT)


class RefundsSchema(AnswerSchema):
    """``GET /api/orders/<id>/refunds``: every refund, oldest first, and what remains."""

    refunds = fields.List(fields.Nested(RefundSchema), required=True)
    refundable = fields.String(required=True, metadata=AMOUNT)
