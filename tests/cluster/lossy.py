"""Losing what one server process passes on to another, as Redis pub/sub may: it is at-most-once,
and a subscriber that was away or deaf misses what was published meanwhile (server/cluster/fanout.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from server.app import SIO
from server.cluster.fanout import EACH_NS, ClusterManager
from tests.conftest import Running
from tests.peers import DEFAULT_TIMEOUT


@dataclass
class Lost:
    """The emits a server never delivered, in the order they reached it."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self._changed.set()

    async def wait(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[Any]:
        """Return the data of the first ``count`` emits lost, once that many are."""

        async def loop() -> None:
            while len(self.messages) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(loop(), timeout)
        return [m["data"][0] for m in self.messages[:count]]


@contextlib.contextmanager
def losing(server: Running, event: str, namespace: str) -> Iterator[Lost]:
    """While inside, ``server`` drops every ``event`` on ``namespace`` that another process
    published for its clients: the emit reaches the channel, and never this server's sockets.
    What the server emits itself, signals and probes go through as ever."""
    manager = server.app[SIO].manager
    assert isinstance(manager, ClusterManager), "losing() needs a server on Redis (two_servers)"
    lost = Lost()
    deliver = manager._handle_emit

    def loses(message: dict[str, Any]) -> bool:
        if message.get("event") == event and message.get("namespace") == namespace:
            lost.record(message)
            return True
        return False

    async def handle(message: dict[str, Any]) -> None:
        if message.get("host_id") == manager.host_id:
            await deliver(message)
        elif message.get("namespace") == EACH_NS:  # several emits in one message (emit_each)
            await deliver({**message, "data": [m for m in message["data"] if not loses(m)]})
        elif not loses(message):
            await deliver(message)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manager, "_handle_emit", handle)
        yield lost
