"""The grace period: an agent whose connection drops keeps their chats for a while."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from server.chat.background import Background
from server.chat.presence import Presence
from server.chat.routing import Router
from server.store.bundle import Stores

log = logging.getLogger("tandem.grace")

Sleep = Callable[[float], Awaitable[None]]


class GraceTimers:
    """Requeues an agent's chats when they stay disconnected longer than the grace period."""

    def __init__(
        self,
        seconds: float,
        stores: Stores,
        presence: Presence,
        router: Router,
        background: Background,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._seconds = seconds
        # How a grace period waits: a test puts its own here to end grace periods when it says.
        self.sleep = sleep
        self._stores = stores
        self._presence = presence
        self._router = router
        self._background = background
        self._timers: dict[int, asyncio.Task[None]] = {}

    def start(self, agent_id: int) -> None:
        self.cancel(agent_id)
        self._timers[agent_id] = self._background.spawn(self._expire(agent_id), f"grace-a_{agent_id}")

    def cancel(self, agent_id: int) -> None:
        timer = self._timers.pop(agent_id, None)
        if timer is not None:
            timer.cancel()

    async def start_for_absent(self) -> None:
        """After a restart no agent is connected yet: give each agent holding chats the grace."""
        for agent_id in await self._stores.conversations.loads():
            if not await self._presence.is_connected(agent_id):
                self.start(agent_id)

    async def _expire(self, agent_id: int) -> None:
        await self.sleep(self._seconds)
        self._timers.pop(agent_id, None)
        if await self._presence.is_connected(agent_id):
            return
        agent = await self._stores.agents.get(agent_id)
        if agent is not None:
            log.info("grace period over for a_%s", agent_id)
            await self._router.requeue(agent)
