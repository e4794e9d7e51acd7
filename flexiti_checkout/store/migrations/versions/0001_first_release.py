"""The schema of the first release (``SCHEMA_VERSION`` 1), exactly as its code created it.

A store created before migrations existed is at this revision: ``flask flexiti db upgrade`` marks
it so (from its ``flexiti_meta`` row) before applying the later ones.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flexiti_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(255), nullable=False),
    )
    op.create_table(
        "flexiti_orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("merchant_order_id", sa.String(64), nullable=False, unique=True),
        sa.Column("online_order_id", sa.String(64)),
        sa.Column("reference_id", sa.String(64), nullable=False),
        sa.Column("flow", sa.String(16), nullable=False),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("redirection_url", sa.Text),
        sa.Column("flexiti_status", sa.String(32)),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("status_at", sa.Float, nullable=False),
        sa.Column("checked_at", sa.Float),
        sa.Column("lookup_after", sa.Float),
        sa.Column("lookup_claimed_at", sa.Float),
    )
    op.create_index("ix_flexiti_orders_online_order_id", "flexiti_orders", ["online_order_id"])
    op.create_index("ix_flexiti_orders_status", "flexiti_orders", ["status"])
    op.create_table(
        "flexiti_order_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("flexiti_orders.id"), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_flexiti_order_events_order_id", "flexiti_order_events", ["order_id"])
    op.create_table(
        "flexiti_callback_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("remote_addr", sa.String(64)),
        sa.Column("content_type", sa.String(128)),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("identifiers", sa.JSON, nullable=False),
        sa.Column("processed_at", sa.Float),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("last_error", sa.Text),
    )
    op.create_index(
        "ix_flexiti_callback_deliveries_processed_at",
        "flexiti_callback_deliveries",
        ["processed_at"],
    )
    op.create_table(
        "flexiti_webhook_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("flexiti_orders.id"), nullable=False),
        sa.Column("merchant_order_id", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", sa.Float),
        sa.Column("last_attempt_at", sa.Float),
        sa.Column("last_result", sa.String(64)),
        sa.Column("delivered_at", sa.Float),
    )
    for column in ("order_id", "status", "next_attempt_at"):
        op.create_index(f"ix_flexiti_webhook_outbox_{column}", "flexiti_webhook_outbox", [column])
    op.create_table(
        "flexiti_admin_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("merchant_order_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_flexiti_admin_actions_merchant_order_id",
        "flexiti_admin_actions",
        ["merchant_order_id"],
    )
    op.create_table(
        "flexiti_tokens",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("access_token", sa.Text),
        sa.Column("refresh_token", sa.Text),
        sa.Column("scope", sa.String(16)),
        sa.Column("expires_at", sa.Float),
        sa.Column("renew_at", sa.Float),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", sa.Float),
    )
    op.bulk_insert(
        sa.table("flexiti_meta", sa.column("key"), sa.column("value")),
        [{"key": "schema_version", "value": "1"}],
    )


def downgrade() -> None:
    raise NotImplementedError("the first release's schema is where every store begins")
