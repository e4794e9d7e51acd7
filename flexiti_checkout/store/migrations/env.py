"""Alembic's entry point: runs the revisions on the connection the store hands over."""

from alembic import context

from flexiti_checkout.store.tables import metadata

connection = context.config.attributes["connection"]
# Batch mode lets a later revision alter a column on SQLite too (it copies the table).
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
