"""Staff sessions and wrong sign-in attempts of the console live in the store.

``flexiti_staff_sessions`` holds one row per key sign-in, so sign-out, a key's removal and the
idle timeout end a session on every worker and host; ``flexiti_sign_in_failures`` one row per
wrong attempt, so the sign-in limit holds across them. ``SCHEMA_VERSION`` 9.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SESSIONS = "flexiti_staff_sessions"
FAILURES = "flexiti_sign_in_failures"
FAILURES_INDEX = f"ix_{FAILURES}_scope_at"

_meta = sa.table("flexiti_meta", sa.column("key"), sa.column("value"))


def upgrade() -> None:
    op.create_table(
        SESSIONS,
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("key_fingerprint", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
    )
    op.create_table(
        FAILURES,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index(FAILURES_INDEX, FAILURES, ["scope", "at"])
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="9"))


def downgrade() -> None:
    op.drop_index(FAILURES_INDEX, FAILURES)
    op.drop_table(FAILURES)
    op.drop_table(SESSIONS)
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="8"))
