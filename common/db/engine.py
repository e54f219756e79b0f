"""Opening the database: one async engine, tuned per backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from common.db.sqlite_inline import inline_creator


def is_sqlite(url: str) -> bool:
    """True for the embedded default database."""
    return url.startswith("sqlite")


def sqlite_path(url: str) -> str:
    """The file of a SQLite URL (``:memory:`` when it names none)."""
    return make_url(url).database or ":memory:"


def open_engine(url: str, *, background_checkpoints: bool = False) -> AsyncEngine:
    """Create the engine for ``url`` (``sqlite+aiosqlite`` or ``postgresql+asyncpg``).

    ``background_checkpoints``: SQLite leaves WAL checkpoints to a :class:`Checkpointer` the
    caller runs (the server does), instead of running them inside commits.
    """
    if not is_sqlite(url):
        return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    # SQLite has one writer at a time; one connection per process serialises our transactions
    # in the pool instead of failing them with "database is locked". Its statements run on the
    # loop's thread (see common/db/sqlite_inline.py).
    database = sqlite_path(url)
    # No ROLLBACK each time the connection goes back to the pool: closing a SQLAlchemy connection
    # already rolls back a transaction it left open, and reads open none (pysqlite begins one
    # only before a write), so the pool's extra reset is a second no-op on every checkout.
    engine = create_async_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=30,
        pool_reset_on_return=None,
        async_creator=inline_creator(database),
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        # WAL keeps readers (the CLI, a second process) from blocking the writer; NORMAL sync in
        # WAL mode survives a process crash (the promise we test), not a power cut.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if background_checkpoints:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    return engine
