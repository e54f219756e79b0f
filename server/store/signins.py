"""Sign-in throttling: failed attempts counted per account and per client address, in the database.

A fixed window per key: the first attempt opens it, each attempt counts, and once a key has used its
allowance, sign-ins under it are refused until its window ends. Attempts are counted *before* the
password is checked (one upsert that returns the new count), so a burst of parallel guesses cannot
all slip past a check made before any of them was counted; a successful sign-in then gives its
attempt back (the account's count is cleared; the address's is decremented).

Why not a library: ``limits`` stores its counters in memory, Redis, Memcached or MongoDB, and
``pyrate-limiter``'s SQL buckets are synchronous (sqlite3 and psycopg), which would block the event
loop and add a second PostgreSQL driver; the one statement below does the same on both of our
backends, inside the database every process already shares.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db.schema import signin_failures as table
from server.settings import SigninLimits


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()


def address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")


class SigninThrottle:
    """Counts sign-in attempts per key and says how long a key must wait."""

    def __init__(
        self, engine: AsyncEngine, limits: SigninLimits, clock: Callable[[], float] = time.time
    ) -> None:
        self._engine = engine
        self.limits = limits
        self.clock = clock  # tests move time forward instead of waiting out a window

    async def attempt(self, email: str, address: str | None) -> int:
        """Count one attempt for the account and the address; 0 if it may go ahead, else the
        seconds until the sooner-to-open of the keys that are over their allowance reopens."""
        now = self.clock()
        window = self.limits.window_seconds
        waits = []
        async with self._engine.begin() as conn:
            for key, allowed in (
                (account_key(email), self.limits.per_account),
                (address_key(address), self.limits.per_address),
            ):
                count, start = await self._count(conn, key, now)
                if count > allowed:
                    waits.append(start + window - now)
            # Windows that have ended mean nothing any more: keep the table small.
            await conn.execute(sa.delete(table).where(table.c.window_start <= now - window))
        return max(1, math.ceil(max(waits))) if waits else 0

    async def succeeded(self, email: str, address: str | None) -> None:
        """A right password: the account starts afresh, and the address gets its attempt back."""
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(table).where(table.c.key == account_key(email)))
            await conn.execute(
                sa.update(table)
                .where(table.c.key == address_key(address), table.c.failures > 0)
                .values(failures=table.c.failures - 1)
            )

    async def _count(self, conn: AsyncConnection, key: str, now: float) -> tuple[int, float]:
        expired = table.c.window_start <= now - self.limits.window_seconds
        insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
        statement = (
            insert.values(key=key, window_start=now, failures=1)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "failures": sa.case((expired, 1), else_=table.c.failures + 1),
                    "window_start": sa.case((expired, now), else_=table.c.window_start),
                },
            )
            .returning(table.c.failures, table.c.window_start)
        )
        row = (await conn.execute(statement)).one()
        return int(row.failures), float(row.window_start)
