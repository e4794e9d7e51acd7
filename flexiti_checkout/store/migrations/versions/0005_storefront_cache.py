"""The storefront's shared cache: availability and plans kept once for every worker and host.

``flexiti_storefront_cache`` holds each answer with its expiry and a lease per key, so one worker
asks Flexiti per key per TTL while the others wait briefly or serve what they have.
``SCHEMA_VERSION`` 5.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_meta = sa.table("flexiti_meta", sa.column("key"), sa.column("value"))


def upgrade() -> None:
    op.create_table(
        "flexiti_storefront_cache",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.JSON),
        sa.Column("fresh_until", sa.Float),
        sa.Column("claim_owner", sa.String(64)),
        sa.Column("claim_until", sa.Float),
        sa.Column("updated_at", sa.Float),
    )
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="5"))


def downgrade() -> None:
    op.drop_table("flexiti_storefront_cache")
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="4"))
