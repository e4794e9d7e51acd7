"""Orders keep Flexiti's promo id in a column of its own, indexed.

A documented callback names no order, only the purchase's promo id: every callback asks the store
for the order that carries it, before it is stored and again when it is processed. Read out of
the ``details`` JSON that was a scan of every order; ``promo_id`` makes it one index lookup. The
revision copies the promo id of every order that has one. ``SCHEMA_VERSION`` 6.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLE = "flexiti_orders"
INDEX = f"ix_{TABLE}_promo_id"
#: Orders read per query while the promo ids are copied.
PAGE = 1000

_meta = sa.table("flexiti_meta", sa.column("key"), sa.column("value"))
_orders = sa.table(TABLE, sa.column("id"), sa.column("details", sa.JSON), sa.column("promo_id"))


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("promo_id", sa.String(64)))
    op.create_index(INDEX, TABLE, ["promo_id"])
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(
            sa.select(_orders.c.id, _orders.c.details)
            .where(_orders.c.id > after)
            .order_by(_orders.c.id)
            .limit(PAGE)
        ).all()
        for ident, details in rows:
            promo_id = details.get("promo_id") if isinstance(details, dict) else None
            if promo_id not in (None, ""):
                conn.execute(
                    _orders.update()
                    .where(_orders.c.id == ident)
                    .values(promo_id=str(promo_id)[:64])
                )
        if len(rows) < PAGE:
            break
        after = rows[-1][0]
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="6"))


def downgrade() -> None:
    op.drop_index(INDEX, TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("promo_id")
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="5"))
