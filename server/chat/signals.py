"""Signals: "something changed, act on it" to every server process, this one included.

The database is the truth; a signal only says that some process-local state (open sockets, a
cache of admin settings, the assist's index) must follow it. Store first, then signal. On one
process the handlers run at once (:class:`LocalSignals`); with several, the same call goes through
the Socket.IO manager's Redis channel (``server/cluster/fanout.py``) and runs on every process.
A signal lost in transit (pub/sub is at-most-once) is made good by what a resubscribing process
does anyway: it tells its clients to resync and re-reads what it caches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

Handler = Callable[[dict[str, Any]], Awaitable[None]]

# The signals there are, and what their data carries.
# {"agent_id": int, "token": str | None, "keep"?: str | None, "reason"?: "signed_out" | "disabled" |
# "password_changed"}: close those sockets (token None: all of the agent's, except those opened with
# ``keep``), each told why first
AGENT_SIGNED_OUT = "agent.signed_out"
SETTINGS_CHANGED = "settings.changed"  # {}: widget settings (allowed origins) were saved
KB_CHANGED = "kb.changed"  # {}: articles were loaded or removed
CANNED_CHANGED = "canned.changed"  # {}: canned responses were added, edited or removed
RESYNC = "resync"  # {}: events may have been lost between processes; every client calls ``sync``


class Signals(Protocol):
    def on(self, kind: str, handler: Handler) -> None:
        """Run ``handler(data)`` on every ``kind`` signal, from any process."""
        ...

    async def send(self, kind: str, data: dict[str, Any]) -> None:
        """Tell every process, this one first."""
        ...


class Dispatch:
    """Handlers by kind; what both implementations share."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers.setdefault(kind, []).append(handler)

    async def dispatch(self, kind: str, data: dict[str, Any]) -> None:
        for handler in self._handlers.get(kind, []):
            await handler(data)


class LocalSignals(Dispatch):
    """One process: a signal is a call."""

    async def send(self, kind: str, data: dict[str, Any]) -> None:
        await self.dispatch(kind, data)
