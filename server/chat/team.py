"""Changes to the team that the live chat must follow: agents added, changed, disabled.

The admin API checks the request and calls ``do_*`` here; what a change means for open sockets,
sessions, the queue and every console is decided once, in this module, not in an HTTP handler.
"""

from __future__ import annotations

import logging
from typing import Any

from server.chat.broadcast import Broadcaster
from server.chat.presence import Presence
from server.chat.routing import Router
from server.chat.signals import AGENT_SIGNED_OUT, Signals
from server.chat.views import agent_view
from server.store.bundle import Stores
from server.store.models import Agent

log = logging.getLogger("tandem.team")


class Team:
    """The agents' accounts as the chat sees them."""

    def __init__(
        self, stores: Stores, presence: Presence, broadcaster: Broadcaster, router: Router, signals: Signals
    ) -> None:
        self._stores = stores
        self._signals = signals
        self._presence = presence
        self._out = broadcaster
        self._router = router

    async def view(self, agent: Agent) -> dict[str, Any]:
        """The agent as consoles show them: with their current load and whether they are connected."""
        load = len(await self._stores.conversations.assigned_to(agent.id))
        return agent_view(agent, load=load, connected=await self._presence.is_connected(agent.id))

    async def do_sign_out(self, token: str) -> None:
        """End one session, and close the sockets opened with it, on every process (the agent's
        other sessions stay)."""
        agent = await self._stores.sessions.agent_for(token)
        await self._stores.sessions.end(token)
        if agent is not None:
            await self._signals.send(
                AGENT_SIGNED_OUT, {"agent_id": agent.id, "token": token, "reason": "signed_out"}
            )

    async def do_add(self, email: str, name: str, password: str, *, role: str, capacity: int) -> Agent:
        """Create an agent (raises ``DuplicateEmail``); every console's team list hears of it."""
        agent = await self._stores.agents.add(email, name, password, role=role, capacity=capacity)
        log.info("agent a_%s added", agent.id)
        await self._out.agents_changed()
        return agent

    async def do_set_password(self, agent_id: int, password: str, *, keep: str | None = None) -> Agent | None:
        """Give an agent a new password and end their sessions, all but ``keep`` (the session of
        an agent who changed their own), closing those sockets on every process; None when there
        is no such agent."""
        agent = await self._stores.agents.update(agent_id, password=password)
        if agent is None:
            return None
        await self._stores.sessions.end_all(agent.id, keep=keep)
        await self._signals.send(
            AGENT_SIGNED_OUT,
            {"agent_id": agent.id, "token": None, "keep": keep, "reason": "password_changed"},
        )
        log.info("agent a_%s has a new password", agent.id)
        return agent

    async def do_update(self, agent_id: int, changes: dict[str, Any]) -> Agent | None:
        """Apply checked ``changes`` (name, role, capacity, disabled); None when there is no such
        agent. Disabling signs the agent out everywhere, closes their sockets and puts their chats
        back at the front of the queue, before anyone hears the agent changed."""
        stores = self._stores
        agent = (
            await stores.agents.update(agent_id, **changes) if changes else await stores.agents.get(agent_id)
        )
        if agent is None:
            return None
        if changes.get("disabled"):
            await self._stores.sessions.end_all(agent.id)
            await self._signals.send(
                AGENT_SIGNED_OUT, {"agent_id": agent.id, "token": None, "reason": "disabled"}
            )
            await self._router.requeue(agent)
            log.info("agent a_%s disabled", agent.id)
        await self._out.agents_changed()
        self._router.kick()  # more capacity, or an agent back
        return agent
