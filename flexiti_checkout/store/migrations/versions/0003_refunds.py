"""Refunds: their own table, and status columns wide enough for ``partially_refunded``.

``flexiti_refunds`` records each refund before Flexiti is called (amount, reason, idempotency key,
status, Flexiti's answer, who asked). Order statuses grow to 32 characters: PostgreSQL refuses
``partially_refunded`` (18) in the first release's 16. ``SCHEMA_VERSION`` 3.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_meta = sa.table("flexiti_meta", sa.column("key"), sa.column("value"))


def upgrade() -> None:
    op.create_table(
        "flexiti_refunds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("flexiti_orders.id"), nullable=False),
        sa.Column("merchant_order_id", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("full", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reference_id", sa.String(64), nullable=False),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("settled_at", sa.Float),
        sa.UniqueConstraint("order_id", "idempotency_key", name="uq_flexiti_refunds_order_key"),
    )
    op.create_index("ix_flexiti_refunds_order_id", "flexiti_refunds", ["order_id"])
    op.create_index("ix_flexiti_refunds_status", "flexiti_refunds", ["status"])
    _widen_statuses(32)
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="3"))


def downgrade() -> None:
    _widen_statuses(16)
    op.drop_index("ix_flexiti_refunds_status", "flexiti_refunds")
    op.drop_index("ix_flexiti_refunds_order_id", "flexiti_refunds")
    op.drop_table("flexiti_refunds")
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="2"))


def _widen_statuses(length: int) -> None:
    """Status columns to ``length`` characters. SQLite keeps no VARCHAR length (and would have to
    rebuild the orders table, which other tables reference), so only other databases change."""
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column("flexiti_orders", "status", type_=sa.String(length), existing_nullable=False)
    for column, nullable in (("from_status", True), ("to_status", False)):
        op.alter_column(
            "flexiti_order_events", column, type_=sa.String(length), existing_nullable=nullable
        )
