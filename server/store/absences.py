"""Grace deadlines: an agent gone from every process keeps their chats until theirs passes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.schema import agent_absences


class AbsenceStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def start(self, agent_id: int, deadline: float) -> None:
        """The agent's last socket closed: their grace ends at ``deadline`` (a new one replaces)."""
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(agent_absences).where(agent_absences.c.agent_id == agent_id))
            await conn.execute(sa.insert(agent_absences).values(agent_id=agent_id, deadline=deadline))

    async def start_unless_running(self, agent_id: int, deadline: float) -> bool:
        """Give an absent agent a grace period unless one runs already; True if this started it."""
        try:
            async with self._engine.begin() as conn:
                await conn.execute(sa.insert(agent_absences).values(agent_id=agent_id, deadline=deadline))
        except IntegrityError:  # another process (or an earlier sweep) started it
            return False
        return True

    async def end(self, agent_id: int) -> None:
        """The agent is back."""
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(agent_absences).where(agent_absences.c.agent_id == agent_id))

    async def absent(self) -> list[int]:
        """The agents whose grace period runs."""
        async with self._engine.connect() as conn:
            return sorted(int(r.agent_id) for r in await conn.execute(sa.select(agent_absences.c.agent_id)))

    async def deadline(self, agent_id: int) -> float | None:
        async with self._engine.connect() as conn:
            query = sa.select(agent_absences.c.deadline).where(agent_absences.c.agent_id == agent_id)
            value = (await conn.execute(query)).scalar_one_or_none()
        return None if value is None else float(value)

    async def claim_due(self, now: float) -> list[int]:
        """Remove and return the agents whose grace is over: each to exactly one caller, however
        many processes sweep at once."""
        async with self._engine.begin() as conn:
            rows = await conn.execute(
                sa.delete(agent_absences)
                .where(agent_absences.c.deadline <= now)
                .returning(agent_absences.c.agent_id)
            )
            return sorted(int(r.agent_id) for r in rows)
