"""The chat's live state, one implementation per concept, chosen once from the settings.

What is live — which agents are connected, the Socket.IO rooms, the routing lock, signals to other
processes — is behind the interfaces below. :class:`LocalLive` keeps it in this process (the
one-process default, on SQLite or PostgreSQL); ``server/cluster/live.py`` keeps it in Redis and
PostgreSQL so several processes share it. The chat code above does not know which it has.
"""

from __future__ import annotations

from typing import Protocol

from server.chat.background import Background
from server.chat.locks import LocalRoutingLock, RoutingLock
from server.chat.presence import LocalPresence, Presence
from server.chat.queue_places import LocalQueuePlaces, QueuePlaces
from server.chat.signals import LocalSignals, Signals


class Live(Protocol):
    @property
    def presence(self) -> Presence: ...
    @property
    def routing_lock(self) -> RoutingLock: ...
    @property
    def signals(self) -> Signals: ...
    @property
    def places(self) -> QueuePlaces: ...

    def start(self, background: Background) -> None:
        """Start what keeps the live state true while the app runs (heartbeats, probes)."""
        ...

    async def health(self) -> dict[str, str]:
        """Each backend the live state needs, ``"ok"`` or ``"error"`` (empty: none)."""
        ...

    async def close(self) -> None: ...


class LocalLive:
    """All live state in this process's memory."""

    def __init__(self) -> None:
        self.presence = LocalPresence()
        self.routing_lock = LocalRoutingLock()
        self.signals = LocalSignals()
        self.places = LocalQueuePlaces()

    def start(self, background: Background) -> None:
        pass

    async def health(self) -> dict[str, str]:
        return {}

    async def close(self) -> None:
        pass
