"""Indexes for the admin console's order list: newest first, with or without a status filter.

The console lists orders by ``created_at`` (then ``id``), a page at a time by keyset
(``store.order_list``). Without an index on that order every page sorted the whole table; with
these two, the first page, a status filter and any later page are each a short index range
however many orders a shop has. ``SCHEMA_VERSION`` 7.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "flexiti_orders"
INDEXES = {
    "ix_flexiti_orders_created_at_id": ["created_at", "id"],
    "ix_flexiti_orders_status_created_at_id": ["status", "created_at", "id"],
}

_meta = sa.table("flexiti_meta", sa.column("key"), sa.column("value"))


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, TABLE, columns)
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="7"))


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, TABLE)
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="6"))
