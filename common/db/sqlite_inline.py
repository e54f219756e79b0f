"""SQLite on the event loop's own thread, behind the interface SQLAlchemy expects of aiosqlite.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on a worker thread and wakes the
loop for each result: a chat message's transaction took ~19 such round trips, and handing work
back and forth (futex waits, self-pipe wake-ups, the GIL changing hands) cost far more CPU than
the SQL itself: ~3.6 ms per message against 55 µs of SQLite work (docs/performance.md). Our
statements are small indexed reads and single-row writes on a local file in WAL mode, where a
call takes tens of microseconds, so running them inline is cheaper than any hand-off. The
coroutines below never suspend; SQLAlchemy's async engine, pool and dialect (``sqlite+aiosqlite``)
are used unchanged, so the stores are the same code on SQLite and PostgreSQL.

What this trades: a slow statement now holds the loop. WAL checkpoints, the one periodic slow
write, run on a thread of their own (:class:`Checkpointer`), and bulk work (loading a knowledge
base) is batched by its callers.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from typing import Any

log = logging.getLogger("tandem.db")


class InlineCursor:
    """An aiosqlite-style cursor whose coroutines run the sqlite3 call at once."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        self._cursor.execute(sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, seq_of_parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """An aiosqlite-style connection over one ``sqlite3`` connection used from the loop's thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._open = True

    @property
    def _connection(self) -> sqlite3.Connection | None:
        """aiosqlite's name for the open sqlite3 connection (None once closed): the dialect skips
        COMMIT and ROLLBACK on a closed one."""
        return self._conn if self._open else None

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for statements run below SQLAlchemy (common/db/fast.py)."""
        return self._conn

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """What SQLAlchemy calls to drop a connection without waiting."""
        self._open = False
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level


def inline_creator(path: str) -> Any:
    """An ``async_creator`` for ``create_async_engine``: opens ``path`` for use on the loop's thread."""

    async def connect() -> InlineConnection:
        # check_same_thread off: SQLAlchemy may close a dropped connection from the garbage
        # collector, on whatever thread runs it; all statements come from the loop's thread.
        return InlineConnection(sqlite3.connect(path, check_same_thread=False))

    return connect


class Checkpointer:
    """Copies the write-ahead log back into the database file on a thread of its own.

    SQLite's automatic checkpoint runs inside whichever commit crosses the threshold and syncs
    the file to disk: milliseconds on the loop for one unlucky message. With automatic
    checkpoints off on the serving connection, this thread runs a PASSIVE checkpoint (it never
    blocks writers) every ``interval`` seconds.
    """

    def __init__(self, path: str, interval: float = 1.0) -> None:
        self._path = path
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.to_thread(self._thread.join)

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=10000")
            while not self._stop.wait(self._interval):
                self.checkpoint(conn)
            self.checkpoint(conn)
        finally:
            conn.close()

    @staticmethod
    def checkpoint(conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            log.warning("WAL checkpoint failed", exc_info=True)
