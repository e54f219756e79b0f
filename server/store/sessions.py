"""Agent sign-in sessions: random tokens, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db.fast import Fast
from server.db.schema import agents, sessions
from server.store.models import Agent


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Read on every agent event (a signed-out or disabled agent stops at once): built once.
_AGENT_FOR = (
    sa.select(agents)
    .join(sessions, sessions.c.agent_id == agents.c.id)
    .where(sessions.c.token_hash == sa.bindparam("token_hash"))
    .where(sessions.c.expires_at > sa.bindparam("now"))
    .where(agents.c.disabled.is_(False))
)


class SessionStore:
    """Creates, resolves and ends agent sessions."""

    def __init__(self, engine: AsyncEngine, fast: Fast, lifetime_seconds: float) -> None:
        self._engine = engine
        self._fast = fast
        self._lifetime = lifetime_seconds

    async def create(self, agent_id: int) -> str:
        token = secrets.token_urlsafe(32)
        now = time.time()
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.insert(sessions).values(
                    token_hash=_digest(token),
                    agent_id=agent_id,
                    created_at=now,
                    expires_at=now + self._lifetime,
                )
            )
        return token

    async def agent_for(self, token: str | None) -> Agent | None:
        """The enabled agent behind a live session token, or None."""
        # Our tokens are URL-safe ASCII; anything else (a lone surrogate from a header's bad bytes
        # would not even hash) names no session.
        if not token or not token.isascii():
            return None
        row = await self._fast.one(_AGENT_FOR, {"token_hash": _digest(token), "now": time.time()})
        return Agent.from_mapping(row) if row else None

    async def end(self, token: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(sessions).where(sessions.c.token_hash == _digest(token)))

    async def end_all(self, agent_id: int, *, keep: str | None = None) -> None:
        """Sign an agent out everywhere (they were disabled, or their password changed), except
        in the session ``keep`` (the one that changed it)."""
        statement = sa.delete(sessions).where(sessions.c.agent_id == agent_id)
        if keep is not None:
            statement = statement.where(sessions.c.token_hash != _digest(keep))
        async with self._engine.begin() as conn:
            await conn.execute(statement)
