"""The statements every chat message runs, compiled once per dialect and run on the driver itself.

SQLAlchemy Core's execution layer (a connection checkout, execution contexts, result objects) costs
~40–60 µs per statement and ~50 µs per checkout, several times what SQLite spends running a small
indexed statement (docs/performance.md). The few statements on a message's path are still written
as Core expressions against the schema; :class:`Fast` compiles each once for the engine's dialect
and runs the SQL on the DBAPI driver's own connection:

* SQLite: reads on a connection of their own in autocommit mode (WAL lets readers run beside the
  writer, and each read sees what was committed before it); writes on the engine's one pooled
  connection, so they queue with every other writer of this process instead of failing with
  "database is locked".
* PostgreSQL: a small asyncpg pool of its own, whose connections prepare each statement once (its
  statement cache) and need no pre-ping: a broken connection is dropped by the pool on its error.

Everything else goes through SQLAlchemy as before; both paths see one database.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from common.db.engine import is_sqlite, sqlite_path

Row = dict[str, Any]

log = logging.getLogger("tandem.db")
# How long closing waits for PostgreSQL connections in use (see PostgresFast.close).
CLOSE_SECONDS = 5.0


@dataclass(frozen=True)
class Prepared:
    """One statement compiled for one dialect: its SQL, its parameters in order, its columns."""

    sql: str
    binds: tuple[str, ...]
    defaults: Mapping[str, Any]
    columns: tuple[str, ...]

    @classmethod
    def compile(cls, statement: sa.Executable, dialect: Dialect) -> Prepared:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        columns = tuple(c.key for c in getattr(statement, "exported_columns", ()))
        return cls(compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params), columns)

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        # Literals of the expression (``status != 'closed'``) are binds with values of their own.
        return tuple(params[name] if name in params else self.defaults[name] for name in self.binds)

    def row(self, values: Any) -> Row | None:
        return None if values is None else dict(zip(self.columns, values, strict=True))


class Statements:
    """Core statements compiled on first use, one cache per dialect (statements are their keys)."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: dict[sa.Executable, Prepared] = {}

    def __call__(self, statement: sa.Executable) -> Prepared:
        prepared = self._compiled.get(statement)
        if prepared is None:
            prepared = self._compiled[statement] = Prepared.compile(statement, self._dialect)
        return prepared


class Transaction(Protocol):
    """Statements inside one transaction on the driver's connection."""

    async def one(self, statement: sa.Executable, params: Mapping[str, Any]) -> Row | None: ...


class Fast(Protocol):
    """Single reads, and transactions, below SQLAlchemy's execution layer."""

    dialect: str

    async def one(self, statement: sa.Executable, params: Mapping[str, Any]) -> Row | None: ...

    def transaction(self) -> Any:  # an async context manager of a :class:`Transaction`
        ...

    async def close(self) -> None: ...


class _SqliteTransaction:
    __slots__ = ("_conn", "_statements")

    def __init__(self, conn: sqlite3.Connection, statements: Statements) -> None:
        self._conn, self._statements = conn, statements

    async def one(self, statement: sa.Executable, params: Mapping[str, Any]) -> Row | None:
        prepared = self._statements(statement)
        return prepared.row(self._conn.execute(prepared.sql, prepared.args(params)).fetchone())


class SqliteFast:
    """SQLite: reads on a read-only connection of their own, writes on the engine's connection."""

    dialect = "sqlite"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._statements = Statements(engine.dialect)
        path = sqlite_path(str(engine.url))
        # An in-memory database exists only on the engine's connection: read there too.
        self._reader: sqlite3.Connection | None = None
        if path != ":memory:":
            self._reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._reader.execute("PRAGMA query_only=ON")
            self._reader.execute("PRAGMA busy_timeout=10000")

    async def one(self, statement: sa.Executable, params: Mapping[str, Any]) -> Row | None:
        if self._reader is None:
            async with self.transaction() as tx:
                return await tx.one(statement, params)
        prepared = self._statements(statement)
        return prepared.row(self._reader.execute(prepared.sql, prepared.args(params)).fetchone())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        raw = await self._engine.raw_connection()
        try:
            conn: sqlite3.Connection = raw.driver_connection.sqlite  # type: ignore[union-attr]
            # IMMEDIATE: take the write lock now, so nothing between two statements can fail on it.
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(conn, self._statements)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            await greenlet_spawn(raw.close)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()


class _PostgresTransaction:
    __slots__ = ("_conn", "_statements")

    def __init__(self, conn: Any, statements: Statements) -> None:
        self._conn, self._statements = conn, statements

    async def one(self, statement: sa.Executable, params: Mapping[str, Any]) -> Row | None:
        prepared = self._statements(statement)
        return prepared.row(await self._conn.fetchrow(prepared.sql, *prepared.args(params)))


class PostgresFast:
    """PostgreSQL: an asyncpg pool of its own beside the engine's."""

    dialect = "postgresql"

    def __init__(self, pool: Any, dialect: Dialect) -> None:
        self._pool = pool
        self._statements = Statements(dialect)

    @classmethod
    async def open(cls, engine: AsyncEngine, size: int = 5) -> PostgresFast:
        import asyncpg  # only PostgreSQL installations need the driver loaded

        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=size)
        return cls(pool, engine.dialect)

    async def one(self, statement: sa.Executable, params: Mapping[str, Any]) -> Row | None:
        prepared = self._statements(statement)
        return prepared.row(await self._pool.fetchrow(prepared.sql, *prepared.args(params)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield _PostgresTransaction(conn, self._statements)

    async def close(self) -> None:
        # Bounded: close() waits for every connection to come back, and one held by a task that
        # never returns it (or whose database was dropped) would hold up the server's shutdown;
        # asyncpg terminates the pool when close() is cancelled.
        try:
            await asyncio.wait_for(self._pool.close(), CLOSE_SECONDS)
        except TimeoutError:
            log.warning("PostgreSQL connections still busy after %s s; closed them anyway", CLOSE_SECONDS)


async def open_fast(engine: AsyncEngine) -> Fast:
    """The fast path for the engine's database."""
    if is_sqlite(str(engine.url)):
        return SqliteFast(engine)
    return await PostgresFast.open(engine)
