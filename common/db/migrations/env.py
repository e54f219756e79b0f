"""Alembic environment: runs on the connection handed over by common.db.migrate.

The tables' metadata (a list: the chat's and the assist's) comes in the same way, from whoever
composes the application; migrations themselves never import a feature's schema.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=list(context.config.attributes.get("metadata", ())),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
