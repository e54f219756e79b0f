"""Read marks: how far each agent has read each conversation, and what is unread after it."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db.schema import conversation_reads, messages


@dataclass(frozen=True)
class ReadState:
    """An agent's place in one conversation: the last seq they read (0: none) and how many
    visitor messages come after it."""

    conversation_id: int
    last_read_seq: int
    unread: int


_ADVANCE = (
    sa.update(conversation_reads)
    .where(conversation_reads.c.agent_id == sa.bindparam("agent"))
    .where(conversation_reads.c.conversation_id == sa.bindparam("conversation"))
    .where(conversation_reads.c.last_read_seq < sa.bindparam("seq"))
    .values(last_read_seq=sa.bindparam("seq"), updated_at=sa.bindparam("now"))
)


class ReadStore:
    """Marks move forward only, whichever of an agent's tabs (or processes) reports last."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def mark(self, agent_id: int, conversation_id: int, seq: int) -> tuple[ReadState, bool]:
        """Read up to ``seq``; the state after, and whether the mark moved."""
        params = {"agent": agent_id, "conversation": conversation_id, "seq": seq, "now": time.time()}
        async with self._engine.begin() as conn:
            moved = (await conn.execute(_ADVANCE, params)).rowcount > 0
        if not moved and seq > 0:
            moved = await self._insert(params)
        return (await self.states(agent_id, [conversation_id]))[0], moved

    async def _insert(self, params: dict[str, int | float]) -> bool:
        values = {
            "agent_id": params["agent"],
            "conversation_id": params["conversation"],
            "last_read_seq": params["seq"],
            "updated_at": params["now"],
        }
        try:
            async with self._engine.begin() as conn:
                await conn.execute(sa.insert(conversation_reads).values(**values))
            return True
        except IntegrityError:  # a mark exists: it was at or past seq, or another tab just made it
            async with self._engine.begin() as conn:
                return bool((await conn.execute(_ADVANCE, params)).rowcount > 0)

    async def states(self, agent_id: int, conversation_ids: list[int]) -> list[ReadState]:
        """Each conversation's read state for the agent, in the order given."""
        if not conversation_ids:
            return []
        async with self._engine.connect() as conn:
            marks = await _marks(conn, agent_id, conversation_ids)
            unread = await _unread(conn, agent_id, conversation_ids)
        return [ReadState(c, marks.get(c, 0), unread.get(c, 0)) for c in conversation_ids]


async def _marks(conn: AsyncConnection, agent_id: int, ids: list[int]) -> dict[int, int]:
    query = (
        sa.select(conversation_reads.c.conversation_id, conversation_reads.c.last_read_seq)
        .where(conversation_reads.c.agent_id == agent_id)
        .where(conversation_reads.c.conversation_id.in_(ids))
    )
    return {int(r.conversation_id): int(r.last_read_seq) for r in await conn.execute(query)}


async def _unread(conn: AsyncConnection, agent_id: int, ids: list[int]) -> dict[int, int]:
    """Visitor messages after the agent's mark (all of them without one), per conversation: a
    range of the (conversation_id, seq) index each."""
    read = conversation_reads
    joined = messages.outerjoin(
        read, sa.and_(read.c.conversation_id == messages.c.conversation_id, read.c.agent_id == agent_id)
    )
    query = (
        sa.select(messages.c.conversation_id, sa.func.count().label("n"))
        .select_from(joined)
        .where(messages.c.conversation_id.in_(ids))
        .where(messages.c.author_type == "visitor")
        .where(messages.c.seq > sa.func.coalesce(read.c.last_read_seq, 0))
        .group_by(messages.c.conversation_id)
    )
    return {int(r.conversation_id): int(r.n) for r in await conn.execute(query)}
