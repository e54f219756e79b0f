"""Schema migrations with Alembic, run from code (no alembic.ini to find).

One linear history covers every feature's tables; each feature declares its tables on a
``MetaData`` of its own, and :func:`schema_drift` holds the migrations against all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection, metadata: Sequence[MetaData] = ()) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes["metadata"] = list(metadata)
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Create or migrate the schema to ``revision``."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(_config(sync_conn), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
        )


async def schema_drift(engine: AsyncEngine, metadata: Sequence[MetaData]) -> list[Any]:
    """How the migrated database differs from the tables the code declares (empty: none)."""

    declared = MetaData()
    unmanaged: list[str] = []
    for features_tables in metadata:
        for table in features_tables.tables.values():
            table.to_metadata(declared)
        unmanaged.extend(features_tables.info.get("unmanaged", ()))

    def include(_obj: Any, name: str | None, _type: str, _reflected: bool, _compare_to: Any) -> bool:
        # A feature's objects made by its migration alone (and, for a SQLite FTS5 table, the
        # shadow tables named after it).
        return not any(name == u or (name or "").startswith(f"{u}_") for u in unmanaged)

    def compare(sync_conn: Connection) -> list[Any]:
        opts = {"compare_type": True, "include_object": include}
        context = MigrationContext.configure(sync_conn, opts=opts)
        return list(compare_metadata(context, declared))

    async with engine.connect() as conn:
        return await conn.run_sync(compare)
