"""Labels on conversations: short lower-case tags an agent adds and removes."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db.schema import conversation_labels

MAX_LABELS = 20  # per conversation: past that a label no longer sorts anything


class TooManyLabels(Exception):
    """The conversation has as many labels as it may."""


class LabelStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, conversation_id: int, label: str) -> list[str]:
        """Put ``label`` on the conversation (once); its labels after."""
        t = conversation_labels
        async with self._engine.begin() as conn:
            have = await _of(conn, [conversation_id])
            current = have.get(conversation_id, [])
            if label not in current:
                if len(current) >= MAX_LABELS:
                    raise TooManyLabels(conversation_id)
                await conn.execute(
                    sa.insert(t).values(conversation_id=conversation_id, label=label, created_at=time.time())
                )
                current = sorted([*current, label])
        return current

    async def remove(self, conversation_id: int, label: str) -> list[str]:
        """Take ``label`` off the conversation (if it is on); its labels after."""
        t = conversation_labels
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(t).where(t.c.conversation_id == conversation_id, t.c.label == label))
            return (await _of(conn, [conversation_id])).get(conversation_id, [])

    async def of(self, conversation_ids: list[int]) -> dict[int, list[str]]:
        """The labels of each conversation, sorted (absent: none)."""
        if not conversation_ids:
            return {}
        async with self._engine.connect() as conn:
            return await _of(conn, conversation_ids)

    async def in_use(self) -> list[tuple[str, int]]:
        """Every label on some conversation, and on how many, by name."""
        t = conversation_labels
        query = sa.select(t.c.label, sa.func.count()).group_by(t.c.label).order_by(t.c.label)
        async with self._engine.connect() as conn:
            return [(label, n) for label, n in await conn.execute(query)]


async def _of(conn: AsyncConnection, conversation_ids: list[int]) -> dict[int, list[str]]:
    t = conversation_labels
    rows = await conn.execute(
        sa.select(t.c.conversation_id, t.c.label)
        .where(t.c.conversation_id.in_(conversation_ids))
        .order_by(t.c.conversation_id, t.c.label)
    )
    out: dict[int, list[str]] = {}
    for conversation_id, label in rows:
        out.setdefault(conversation_id, []).append(label)
    return out
