"""Orders keep Flexiti's transaction id, and may have a merchant order id of their own for Flexiti.

Widget init answers an ``online_order_id``; the lookup answers a ``transaction_id`` (Online API:
the examples give 131209 and 131221) and the POS API's back-office calls take a transaction id.
Nothing says the two are equal, so each has its column: ``transaction_id`` (indexed, copied here
from the ``details`` of every order that recorded one) next to ``online_order_id``.
``flexiti_merchant_order_id`` is the numeric id sent to Flexiti instead of the shop's own when
``FLEXITI_NUMERIC_ORDER_IDS`` is on; unique. ``SCHEMA_VERSION`` 8.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "flexiti_orders"
TRANSACTION_INDEX = f"ix_{TABLE}_transaction_id"
MERCHANT_INDEX = f"ix_{TABLE}_flexiti_merchant_order_id"
#: Orders read per query while the transaction ids are copied.
PAGE = 1000

_meta = sa.table("flexiti_meta", sa.column("key"), sa.column("value"))
_orders = sa.table(
    TABLE, sa.column("id"), sa.column("details", sa.JSON), sa.column("transaction_id")
)


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("transaction_id", sa.String(64)))
        batch.add_column(sa.Column("flexiti_merchant_order_id", sa.String(64)))
    op.create_index(TRANSACTION_INDEX, TABLE, ["transaction_id"])
    op.create_index(MERCHANT_INDEX, TABLE, ["flexiti_merchant_order_id"], unique=True)
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
            found = details.get("transaction_id") if isinstance(details, dict) else None
            if found not in (None, ""):
                conn.execute(
                    _orders.update()
                    .where(_orders.c.id == ident)
                    .values(transaction_id=str(found)[:64])
                )
        if len(rows) < PAGE:
            break
        after = rows[-1][0]
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="8"))


def downgrade() -> None:
    op.drop_index(MERCHANT_INDEX, TABLE)
    op.drop_index(TRANSACTION_INDEX, TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("flexiti_merchant_order_id")
        batch.drop_column("transaction_id")
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="7"))
