"""An index for the reconciler's sweep: orders by status, newest status change first.

``flask flexiti reconcile`` pages through every pending order, newest first; with this index each
page is a short range scan however many orders a shop has. ``SCHEMA_VERSION`` 2 tells a
flexiti-checkout from before migrations that the store is newer than it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_meta = sa.table("flexiti_meta", sa.column("key"), sa.column("value"))


def upgrade() -> None:
    op.create_index("ix_flexiti_orders_status_status_at", "flexiti_orders", ["status", "status_at"])
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="2"))


def downgrade() -> None:
    op.drop_index("ix_flexiti_orders_status_status_at", "flexiti_orders")
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="1"))
