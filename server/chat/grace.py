"""The grace period: an agent whose connections all drop keeps their chats for a while.

Deadlines are kept in the database (``AbsenceStore``), not as timers in one process: every
process sweeps them, so the chats of an agent whose process died (their sockets expire from
presence) or of a server that restarted are still requeued on time. Deadlines are wall-clock
seconds, comparable across processes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from server.chat.presence import Presence
from server.chat.routing import Router
from server.store.bundle import Stores

log = logging.getLogger("tandem.grace")

SWEEP_SECONDS = 1.0


class GracePeriods:
    """Starts, ends and enforces agents' grace periods."""

    def __init__(
        self,
        seconds: float,
        stores: Stores,
        presence: Presence,
        router: Router,
        *,
        clock: Callable[[], float] = time.time,
        interval: float = SWEEP_SECONDS,
    ) -> None:
        self._seconds = seconds
        self._stores = stores
        self._presence = presence
        self._router = router
        # Wall-clock time; a test puts its own clock here and sweeps when it says.
        self.clock = clock
        self._interval = interval
        self._sweeping = asyncio.Lock()

    async def start(self, agent_id: int) -> None:
        """The agent's last socket closed."""
        await self._stores.absences.start(agent_id, self.clock() + self._seconds)

    async def end(self, agent_id: int) -> None:
        """The agent connected again."""
        await self._stores.absences.end(agent_id)

    async def deadline(self, agent_id: int) -> float | None:
        return await self._stores.absences.deadline(agent_id)

    async def run(self) -> None:
        """Sweep every ``interval`` seconds for as long as the app runs."""
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("grace sweep failed; trying again")
            await asyncio.sleep(self._interval)

    async def sweep(self) -> list[int]:
        """Give absent agents who hold chats a grace period, and requeue the chats of those whose
        period is over; returns those agents. One sweep at a time in a process: a caller waits
        for a sweep under way and then finds its work done."""
        async with self._sweeping:
            now = self.clock()
            # Present again without a connect here (presence came back after Redis restarted, or
            # after the agent's own process was paused): the period ends, as on a reconnect.
            for agent_id in await self._stores.absences.absent():
                if await self._presence.is_connected(agent_id):
                    await self._stores.absences.end(agent_id)
            for agent_id in await self._stores.conversations.loads():
                if not await self._presence.is_connected(agent_id):
                    await self._stores.absences.start_unless_running(agent_id, now + self._seconds)
            requeued = []
            for agent_id in await self._stores.absences.claim_due(now):
                if await self._presence.is_connected(agent_id):
                    continue
                agent = await self._stores.agents.get(agent_id)
                if agent is not None:
                    log.info("grace period over for a_%s", agent_id)
                    await self._router.requeue(agent)
                    requeued.append(agent_id)
            return requeued
