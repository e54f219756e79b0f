"""The grace period: an agent whose connections all drop keeps their chats for a while.

The same holds for an agent who says they are gone: status offline gives the same grace, status
away a longer one (``TANDEM_AGENT_AWAY_SECONDS``); only a connected, online agent keeps chats for
good. When the period is over the chats go back to the front of the queue.

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
from server.store.models import Agent

log = logging.getLogger("tandem.grace")

SWEEP_SECONDS = 1.0


class GracePeriods:
    """Starts, ends and enforces agents' grace periods."""

    def __init__(
        self,
        seconds: float,
        away_seconds: float,
        stores: Stores,
        presence: Presence,
        router: Router,
        *,
        clock: Callable[[], float] = time.time,
        interval: float = SWEEP_SECONDS,
    ) -> None:
        self._seconds = seconds
        self._away_seconds = away_seconds
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

    async def connected(self, agent: Agent) -> None:
        """The agent connected again: an online agent's period ends; one who said they are away
        or offline keeps the period running."""
        if agent.status == "online":
            await self._stores.absences.end(agent.id)

    async def status_changed(self, agent_id: int, status: str) -> None:
        """The agent set their status: online ends a period, away and offline start one."""
        if status == "online":
            await self._stores.absences.end(agent_id)
        else:
            await self._stores.absences.start(agent_id, self.clock() + self._period(status))

    def _period(self, status: str) -> float:
        return self._away_seconds if status == "away" else self._seconds

    async def _status_if_gone(self, agent_id: int) -> str | None:
        """None for a connected, online agent (they keep their chats); else the status whose
        period applies ("offline" for one who is not connected at all)."""
        if not await self._presence.is_connected(agent_id):
            return "offline"
        agent = await self._stores.agents.get(agent_id)
        if agent is None or agent.disabled:
            return "offline"
        return None if agent.status == "online" else agent.status

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
                if await self._status_if_gone(agent_id) is None:
                    await self._stores.absences.end(agent_id)
            for agent_id in await self._stores.conversations.loads():
                if (status := await self._status_if_gone(agent_id)) is not None:
                    await self._stores.absences.start_unless_running(agent_id, now + self._period(status))
            requeued = []
            for agent_id in await self._stores.absences.claim_due(now):
                if await self._status_if_gone(agent_id) is None:
                    continue
                agent = await self._stores.agents.get(agent_id)
                if agent is not None:
                    log.info("grace period over for a_%s", agent_id)
                    await self._router.requeue(agent)
                    requeued.append(agent_id)
            return requeued
