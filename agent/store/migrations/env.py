"""Alembic's entry: run the migrations on the connection the caller handed over (agent/store/versioning)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
