"""Each agent's notification preferences, kept with their account so they follow the agent to
any browser."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db.schema import agent_preferences


@dataclass(frozen=True)
class Preferences:
    """What the console does when a chat or message arrives while its tab is in the background.

    A sound by default; desktop notifications only once the agent turns them on (the browser then
    asks them for its permission)."""

    sound: bool = True
    desktop: bool = False

    def view(self) -> dict[str, Any]:
        return asdict(self)


PREFERENCE_NAMES = ("sound", "desktop")


class PreferenceStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, agent_id: int) -> Preferences:
        query = sa.select(agent_preferences).where(agent_preferences.c.agent_id == agent_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return Preferences(sound=bool(row.sound), desktop=bool(row.desktop)) if row else Preferences()

    async def update(self, agent_id: int, changes: dict[str, bool]) -> Preferences:
        """Apply ``changes`` (some of sound, desktop) and return the whole preferences. Only the
        switches named are written, so two tabs changing different ones at once keep both."""
        table = agent_preferences
        values: dict[str, Any] = {**changes, "updated_at": time.time()}
        where = table.c.agent_id == agent_id
        async with self._engine.begin() as conn:
            updated = (await conn.execute(sa.update(table).where(where).values(**values))).rowcount
        if updated == 0:
            try:
                async with self._engine.begin() as conn:
                    row = {**asdict(Preferences()), **values, "agent_id": agent_id}
                    await conn.execute(sa.insert(table).values(**row))
            except IntegrityError:  # another tab made the row first: change it
                async with self._engine.begin() as conn:
                    await conn.execute(sa.update(table).where(where).values(**values))
        return await self.get(agent_id)
