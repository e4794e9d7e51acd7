"""The store's tables: one schema for SQLite and PostgreSQL, and the column types it uses.

Money is stored as text (exact on every database); times as epoch seconds. Text that came from
outside is made storable on its way in: no database stores a NUL character or a lone UTF-16
surrogate (PostgreSQL refuses both, SQLite cannot encode the second), so each becomes U+FFFD,
and a value that only describes (Flexiti's status word, a token's scope, a header) is cut to its
column's length, which PostgreSQL enforces and SQLite does not. Identifiers are never cut: the
store refuses to look up one that no row can hold (``storable_key``).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

from flexiti_checkout.models import Order, OrderStatus, utc

#: Bumped with each migration that changes the tables (``store/migrations``); ``Store`` refuses a
#: database written by a newer version, as flexiti-checkout releases before migrations did too.
SCHEMA_VERSION = 9


class DecimalText(TypeDecorator[Decimal]):
    """Money stored as text: exact on every database (SQLite has no exact numeric type)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


#: NUL and lone UTF-16 surrogates: what no database stores.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: The same inside JSON text, as ``json.dumps`` escapes it (a backslash that is itself escaped
#: does not start an escape; a high surrogate followed by a low one is a character, kept).
_UNSTORABLE_ESCAPE = re.compile(
    r"(?<!\\)((?:\\\\)*)"
    r"(\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})"
    r"|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2})"
)
REPLACEMENT = "\ufffd"


def storable(value: str) -> str:
    """``value`` with each NUL and lone surrogate replaced by U+FFFD, so any database takes it."""
    return _UNSTORABLE.sub(REPLACEMENT, value)


def storable_key(value: str, length: int = 64) -> bool:
    """Whether ``value`` can be an identifier in the store (a lookup of any other finds nothing)."""
    return len(value) <= length and _UNSTORABLE.search(value) is None


def storable_json(value: Any) -> str:
    """``value`` as JSON text any database stores (the JSON columns' serializer)."""
    text = json.dumps(value, default=str, sort_keys=True)
    return _UNSTORABLE_ESCAPE.sub(lambda m: m[1] + "\\ufffd", text) if "\\u" in text else text


class CleanText(TypeDecorator[str]):
    """Text as it came, made storable (see the module's docstring)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else storable(str(value))


class Label(TypeDecorator[str]):
    """A short describing text from outside: made storable and cut to the column's length."""

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        text = storable(str(value))
        return text if len(text) <= self.length else text[: self.length - 1] + "…"


metadata = MetaData()

meta = Table(
    "flexiti_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)

orders = Table(
    "flexiti_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("merchant_order_id", String(64), nullable=False, unique=True),
    Column("online_order_id", String(64), index=True),
    Column("reference_id", String(64), nullable=False),
    Column("flow", String(16), nullable=False),
    Column("amount", DecimalText, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lang", String(8), nullable=False),
    # 32: "partially_refunded" is 18 characters (SQLite ignores lengths, PostgreSQL does not)
    Column("status", String(32), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("redirection_url", CleanText),
    Column("flexiti_status", Label(32)),
    Column("details", JSON, nullable=False),
    Column("error", CleanText),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("status_at", Float, nullable=False),  # when the current status was entered
    Column("checked_at", Float),  # last lookup at Flexiti
    Column("lookup_after", Float),  # throttle: no lookup before this time…
    Column("lookup_claimed_at", Float),  # …unless news arrived after the last one started
    # Flexiti's promo id, once a lookup granted one: what a documented callback names (0006).
    Column("promo_id", Label(64), index=True),
    # The lookup's transaction id: what POS back-office calls take, not widget init's id (0008).
    Column("transaction_id", Label(64), index=True),
    # The numeric id Flexiti is given instead of merchant_order_id, when one is used (0008).
    Column("flexiti_merchant_order_id", String(64)),
    # The reconciler's sweep: pending orders, newest status change first (revision 0002).
    Index("ix_flexiti_orders_status_status_at", "status", "status_at"),
    # The console's list, newest first, with or without a status filter (revision 0007).
    Index("ix_flexiti_orders_created_at_id", "created_at", "id"),
    Index("ix_flexiti_orders_status_created_at_id", "status", "created_at", "id"),
    # No two orders give Flexiti the same numeric merchant order id (revision 0008).
    Index("ix_flexiti_orders_flexiti_merchant_order_id", "flexiti_merchant_order_id", unique=True),
)

order_events = Table(
    "flexiti_order_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("flexiti_orders.id"), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("from_status", String(32)),
    Column("to_status", String(32), nullable=False),
    Column("source", Label(32), nullable=False),
    Column("note", CleanText, nullable=False),
)

deliveries = Table(
    "flexiti_callback_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("received_at", Float, nullable=False, index=True),  # the anonymous callback cap
    Column("method", Label(8), nullable=False),
    Column("remote_addr", Label(64)),
    Column("content_type", Label(128)),
    Column("payload", JSON, nullable=False),  # redacted of personal data before it gets here
    Column("identifiers", JSON, nullable=False),
    Column("processed_at", Float, index=True),
    Column("attempts", Integer, nullable=False),
    Column("outcome", CleanText),
    Column("last_error", CleanText),
    # When a worker should process it; NULL once processed or left for replay (revision 0004).
    Column("next_attempt_at", Float, index=True),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
)

#: Webhooks to the shop, written in the same transaction as the transition they announce.
webhook_outbox = Table(
    "flexiti_webhook_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(64), nullable=False, unique=True),  # webhook-id, kept on retries
    Column("event_type", Label(32), nullable=False),
    Column("order_id", Integer, ForeignKey("flexiti_orders.id"), nullable=False, index=True),
    Column("merchant_order_id", String(64), nullable=False),
    Column("body", CleanText, nullable=False),  # exactly the bytes that are signed and sent
    Column("created_at", Float, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # pending, delivered, failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, index=True),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
    Column("last_attempt_at", Float),
    Column("last_result", Label(64)),  # "HTTP 500" or an exception's name: never a body
    Column("delivered_at", Float),
)

#: Refunds, each written before Flexiti is called; the key makes a repeated request harmless.
refunds = Table(
    "flexiti_refunds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("flexiti_orders.id"), nullable=False, index=True),
    Column("merchant_order_id", String(64), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("amount", DecimalText, nullable=False),
    Column("full", Boolean, nullable=False),  # return_type full: all that remains at Flexiti
    Column("reason", CleanText, nullable=False),
    Column("actor", CleanText, nullable=False),  # who asked: a staff name, "api", "cli", "shop"
    # requested → succeeded | failed | unknown
    Column("status", String(16), nullable=False, index=True),
    Column("reference_id", String(64), nullable=False),  # x-reference-id of the return call
    Column("answer", JSON, nullable=False),  # Flexiti's answer, without personal data
    Column("error", CleanText),  # why it failed, or why its outcome is unknown
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("settled_at", Float),
    UniqueConstraint("order_id", "idempotency_key", name="uq_flexiti_refunds_order_key"),
)

#: What staff did in the admin console, and who: the audit trail of every action.
admin_actions = Table(
    "flexiti_admin_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    Column("actor", CleanText, nullable=False),
    Column("action", String(32), nullable=False),
    Column("merchant_order_id", String(64), nullable=False, index=True),
    Column("outcome", CleanText, nullable=False),
)

#: Staff signed in to the console with a key: one row per sign-in, found by the hash of the
#: cookie's random id (never the id itself), ended by sign-out or by idle time.
staff_sessions = Table(
    "flexiti_staff_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("actor", CleanText, nullable=False),
    Column("key_fingerprint", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False),
    Column("ended_at", Float),
)

#: Wrong sign-in attempts, one row each, by what they are counted against (``address:…`` or
#: ``key:…``): the limit holds across every worker and host sharing the store.
sign_in_failures = Table(
    "flexiti_sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(80), nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_flexiti_sign_in_failures_scope_at", "scope", "at"),
)

tokens = Table(
    "flexiti_tokens",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("access_token", CleanText),
    Column("refresh_token", CleanText),
    Column("scope", Label(16)),
    Column("expires_at", Float),
    Column("renew_at", Float),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
)

#: The storefront's answers shared by every worker and host, with a lease per key (revision 0005).
storefront_cache = Table(
    "flexiti_storefront_cache",
    metadata,
    Column("key", String(64), primary_key=True),  # "gate:49900", "calculator:49900:fr"
    Column("value", JSON),  # the encoded answer; read only when fresh_until is set
    Column("fresh_until", Float),
    Column("claim_owner", String(64)),  # the worker asking Flexiti for this key…
    Column("claim_until", Float),  # …until then, when another may take over
    Column("updated_at", Float),
)


def order_from_row(row: Any) -> Order:
    """An ``Order`` from a row of the orders table."""
    return Order(
        id=row.id,
        merchant_order_id=row.merchant_order_id,
        online_order_id=row.online_order_id,
        transaction_id=row.transaction_id,
        flexiti_merchant_order_id=row.flexiti_merchant_order_id,
        reference_id=row.reference_id,
        flow=row.flow,
        amount=row.amount,
        currency=row.currency,
        lang=row.lang,
        status=OrderStatus(row.status),
        version=row.version,
        redirection_url=row.redirection_url,
        flexiti_status=row.flexiti_status,
        details=row.details or {},
        error=row.error,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        status_since=utc(row.status_at),
        checked_at=utc(row.checked_at),
    )
