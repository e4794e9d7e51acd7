"""The store's tables as the first release (``SCHEMA_VERSION`` 1) created them, frozen.

Copied from ``flexiti_checkout/store/tables.py`` as released, with money as the ``VARCHAR(40)`` it
is in the database. The migration tests build a store of that release from these, fill it and
upgrade it; the package's own tables move on, these never change.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

DecimalText = String(40)

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
    Column("status", String(16), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("redirection_url", Text),
    Column("flexiti_status", String(32)),
    Column("details", JSON, nullable=False),
    Column("error", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("status_at", Float, nullable=False),  # when the current status was entered
    Column("checked_at", Float),  # last lookup at Flexiti
    Column("lookup_after", Float),  # throttle: no lookup before this time…
    Column("lookup_claimed_at", Float),  # …unless news arrived after the last one started
)

order_events = Table(
    "flexiti_order_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("flexiti_orders.id"), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("source", String(32), nullable=False),
    Column("note", Text, nullable=False),
)

deliveries = Table(
    "flexiti_callback_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("received_at", Float, nullable=False),
    Column("method", String(8), nullable=False),
    Column("remote_addr", String(64)),
    Column("content_type", String(128)),
    Column("payload", JSON, nullable=False),  # redacted of personal data before it gets here
    Column("identifiers", JSON, nullable=False),
    Column("processed_at", Float, index=True),
    Column("attempts", Integer, nullable=False),
    Column("outcome", Text),
    Column("last_error", Text),
)

#: Webhooks to the shop, written in the same transaction as the transition they announce.
webhook_outbox = Table(
    "flexiti_webhook_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(64), nullable=False, unique=True),  # webhook-id, kept on retries
    Column("event_type", String(32), nullable=False),
    Column("order_id", Integer, ForeignKey("flexiti_orders.id"), nullable=False, index=True),
    Column("merchant_order_id", String(64), nullable=False),
    Column("body", Text, nullable=False),  # exactly the bytes that are signed and sent
    Column("created_at", Float, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # pending, delivered, failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, index=True),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
    Column("last_attempt_at", Float),
    Column("last_result", String(64)),  # "HTTP 500" or an exception's name: never a body
    Column("delivered_at", Float),
)

#: What staff did in the admin console, and who: the audit trail of every action.
admin_actions = Table(
    "flexiti_admin_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("merchant_order_id", String(64), nullable=False, index=True),
    Column("outcome", Text, nullable=False),
)

tokens = Table(
    "flexiti_tokens",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("access_token", Text),
    Column("refresh_token", Text),
    Column("scope", String(16)),
    Column("expires_at", Float),
    Column("renew_at", Float),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
)
