"""Live state of agents: who is connected, and when each was last given a chat.

This is the in-process implementation; a Redis one keeps the same interface so several server
processes share it.
"""

from __future__ import annotations

import time
from typing import Protocol


class PresenceUnavailable(RuntimeError):
    """Who is connected cannot be read now (its store, Redis, is away)."""


class Presence(Protocol):
    """Which agents are connected, counted by socket."""

    async def connect(self, agent_id: int, sid: str) -> bool:
        """Record a socket; True when it is the agent's first."""
        ...

    async def disconnect(self, agent_id: int, sid: str) -> bool:
        """Forget a socket; True when it was the agent's last."""
        ...

    async def connected(self) -> set[int]: ...

    async def is_connected(self, agent_id: int) -> bool: ...

    async def mark_assigned(self, agent_id: int) -> None: ...

    async def idle_since(self, agent_ids: list[int]) -> dict[int, float]:
        """When each agent last got a chat (or connected, if later)."""
        ...


class LocalPresence:
    """Presence kept in this process's memory."""

    def __init__(self) -> None:
        self._sids: dict[int, set[str]] = {}
        self._idle_since: dict[int, float] = {}

    async def connect(self, agent_id: int, sid: str) -> bool:
        sids = self._sids.setdefault(agent_id, set())
        first = not sids
        sids.add(sid)
        if first:
            self._idle_since.setdefault(agent_id, time.monotonic())
        return first

    async def disconnect(self, agent_id: int, sid: str) -> bool:
        sids = self._sids.get(agent_id, set())
        sids.discard(sid)
        if sids:
            return False
        self._sids.pop(agent_id, None)
        return True

    async def connected(self) -> set[int]:
        return set(self._sids)

    async def is_connected(self, agent_id: int) -> bool:
        return bool(self._sids.get(agent_id))

    async def mark_assigned(self, agent_id: int) -> None:
        self._idle_since[agent_id] = time.monotonic()

    async def idle_since(self, agent_ids: list[int]) -> dict[int, float]:
        return {a: self._idle_since.get(a, 0.0) for a in agent_ids}
