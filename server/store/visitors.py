"""Visitors: who is chatting, from where, on which page."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db.fast import Fast
from server.db.schema import visitors
from server.store.models import Visitor

# Read on every visitor message: built once (see conversations.py).
_BY_ID = sa.select(visitors).where(visitors.c.id == sa.bindparam("id"))


class VisitorStore:
    """Creates visitors and keeps their profile (pre-chat answers, page, browser) current."""

    def __init__(self, engine: AsyncEngine, fast: Fast) -> None:
        self._engine = engine
        self._fast = fast

    async def create(self, ip: str | None, user_agent: str | None) -> Visitor:
        now = time.time()
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.insert(visitors)
                    .values(ip=ip, user_agent=user_agent, created_at=now, last_seen_at=now)
                    .returning(visitors)
                )
            ).one()
        return Visitor.from_row(row)

    async def get(self, visitor_id: int) -> Visitor | None:
        row = await self._fast.one(_BY_ID, {"id": visitor_id})
        return Visitor.from_mapping(row) if row else None

    async def many(self, visitor_ids: list[int]) -> dict[int, Visitor]:
        if not visitor_ids:
            return {}
        async with self._engine.connect() as conn:
            rows = await conn.execute(sa.select(visitors).where(visitors.c.id.in_(visitor_ids)))
        return {r.id: Visitor.from_row(r) for r in rows}

    async def update(self, visitor_id: int, **values: object) -> Visitor | None:
        """Set profile fields; ``None`` values are left as they were."""
        changes = {k: v for k, v in values.items() if v is not None}
        changes["last_seen_at"] = time.time()
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.update(visitors)
                    .where(visitors.c.id == visitor_id)
                    .values(**changes)
                    .returning(visitors)
                )
            ).first()
        return Visitor.from_row(row) if row else None
