"""One routing pass at a time across processes, settled by PostgreSQL.

A transaction-scoped advisory lock: held while the pass runs, released by the commit, or by
PostgreSQL itself when the connection or the process holding it dies, so a crashed process never
leaves the queue locked. Conditional updates and the per-agent capacity check under a row lock
(``ConversationStore.assign``) keep the data right even if two passes were ever to overlap; the
lock is what keeps the queue first in, first out across processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

# Any 64-bit number of our own: advisory locks are named by numbers, per database.
ROUTING_LOCK_KEY = 0x54414E44454D  # "TANDEM"


class AdvisoryRoutingLock:
    """:class:`~server.chat.locks.RoutingLock` over ``pg_advisory_xact_lock``."""

    def __init__(self, engine: AsyncEngine, key: int = ROUTING_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        # This process's own passes queue here first: one database connection waits, not many.
        self._local = asyncio.Lock()

    def __call__(self) -> AbstractAsyncContextManager[None]:
        return self._held()

    @asynccontextmanager
    async def _held(self) -> AsyncIterator[None]:
        async with self._local, self._engine.begin() as conn:
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(self._key)))
            yield
