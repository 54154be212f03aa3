"""Alembic's environment: migrations run on the connection `database.upgrade` hands over
(never on a URL of their own: no second configuration, no password in a file)."""

from __future__ import annotations

from alembic import context

from commonsgraph.database.tables import metadata

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    render_as_batch=True,  # SQLite changes a table by copying it
)
with context.begin_transaction():
    context.run_migrations()
