"""Callback deliveries processed off the request path: a schedule and a lease on each row.

``next_attempt_at`` says when a delivery is due (``NULL``: processed, or left for ``flask flexiti
replay``); a worker takes a due delivery by writing ``lease_owner`` and ``lease_until``, so two
workers never process one at once and a worker that dies leaves a lease that simply runs out.
Deliveries not processed yet become due at once. ``received_at`` is indexed for the count of
recent anonymous callbacks. ``SCHEMA_VERSION`` 4.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE = "flexiti_callback_deliveries"
_meta = sa.table("flexiti_meta", sa.column("key"), sa.column("value"))
_deliveries = sa.table(
    TABLE, sa.column("received_at"), sa.column("processed_at"), sa.column("next_attempt_at")
)


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.Float))
        batch.add_column(sa.Column("lease_owner", sa.String(64)))
        batch.add_column(sa.Column("lease_until", sa.Float))
    op.create_index(f"ix_{TABLE}_next_attempt_at", TABLE, ["next_attempt_at"])
    op.create_index(f"ix_{TABLE}_received_at", TABLE, ["received_at"])
    op.execute(
        _deliveries.update()
        .where(_deliveries.c.processed_at.is_(None))
        .values(next_attempt_at=_deliveries.c.received_at)
    )
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="4"))


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_received_at", TABLE)
    op.drop_index(f"ix_{TABLE}_next_attempt_at", TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
        batch.drop_column("next_attempt_at")
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="3"))
