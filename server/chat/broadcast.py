"""Who hears what: rooms, and turning records into the events of docs/protocol.md."""

from __future__ import annotations

from typing import Any

import socketio

from server.chat.presence import Presence
from server.chat.views import (
    agent_conversation_view,
    agent_view,
    cid,
    message_view,
    visitor_conversation_view,
)
from server.store.bundle import Stores
from server.store.models import Conversation, Message

VISITOR_NS = "/visitor"
AGENT_NS = "/agent"
AGENTS_ROOM = "agents"

# What a console shows on the sign-in form after the server ended its session.
SIGNED_OUT_MESSAGES = {
    "signed_out": "You signed out in another tab or window.",
    "disabled": "An admin disabled your account, so you were signed out.",
}


def visitor_room(visitor_id: int) -> str:
    return f"visitor:{visitor_id}"


def agent_room(agent_id: int) -> str:
    return f"agent:{agent_id}"


class Broadcaster:
    """Builds views and emits them to the right rooms; private data never goes to visitors."""

    def __init__(self, sio: socketio.AsyncServer, stores: Stores, presence: Presence) -> None:
        self._sio = sio
        self._stores = stores
        self._presence = presence

    async def to_visitor(self, visitor_id: int, event: str, data: Any, skip_sid: str | None = None) -> None:
        await self._sio.emit(
            event, data, room=visitor_room(visitor_id), namespace=VISITOR_NS, skip_sid=skip_sid
        )

    async def to_agent(self, agent_id: int, event: str, data: Any, skip_sid: str | None = None) -> None:
        await self._sio.emit(event, data, room=agent_room(agent_id), namespace=AGENT_NS, skip_sid=skip_sid)

    async def to_agents(self, event: str, data: Any) -> None:
        await self._sio.emit(event, data, room=AGENTS_ROOM, namespace=AGENT_NS)

    async def disconnect_agent_here(
        self, agent_id: int, token: str | None = None, reason: str = "signed_out"
    ) -> None:
        """Close an agent's sockets on this process, or only those signed in with ``token`` (a
        sign-out): a socket without a live session must hear no more queue or agents updates.
        Each first hears ``signed_out`` with the reason, so the console can say why and show the
        sign-in form. Every process does this on the ``agent.signed_out`` signal."""
        notice = {
            "reason": reason,
            "message": SIGNED_OUT_MESSAGES.get(reason, SIGNED_OUT_MESSAGES["signed_out"]),
        }
        for sid, _ in list(self._sio.manager.get_participants(AGENT_NS, agent_room(agent_id))):
            if token is None or (await self._sio.get_session(sid, namespace=AGENT_NS)).get("token") == token:
                # Straight to this process's socket (not through Redis): it must arrive before
                # the disconnect that follows.
                await self._sio.manager.emit(
                    "signed_out", notice, namespace=AGENT_NS, room=sid, ignore_queue=True
                )
                await self._sio.disconnect(sid, namespace=AGENT_NS)

    async def message(self, conv: Conversation, message: Message, skip_sid: str | None = None) -> None:
        """A stored message to the conversation's agent and, unless private, its visitor."""
        payload = message_view(message)
        if conv.agent_id is not None:
            await self.to_agent(conv.agent_id, "message", payload, skip_sid)
        if not message.private:
            await self.to_visitor(conv.visitor_id, "message", payload, skip_sid)

    async def visitor_state(self, conv: Conversation, queue_position: int | None = None) -> None:
        await self.to_visitor(
            conv.visitor_id, "conversation.updated", await self.visitor_view(conv, queue_position)
        )

    async def visitor_view(self, conv: Conversation, queue_position: int | None = None) -> dict[str, Any]:
        agent = await self._stores.agents.get(conv.agent_id) if conv.agent_id else None
        return visitor_conversation_view(conv, agent.name if agent else None, queue_position)

    async def agent_views(self, convs: list[Conversation]) -> list[dict[str, Any]]:
        """Agent views of many conversations, with a few batched look-ups."""
        ids = [c.id for c in convs]
        visitors = await self._stores.visitors.many(sorted({c.visitor_id for c in convs}))
        last = await self._stores.messages.last_text(ids)
        agents = {a.id: a for a in await self._stores.agents.all()} if convs else {}
        return [
            agent_conversation_view(
                c, visitors.get(c.visitor_id), agents.get(c.agent_id or -1), last.get(c.id)
            )
            for c in convs
        ]

    async def agent_view(self, conv: Conversation) -> dict[str, Any]:
        return (await self.agent_views([conv]))[0]

    async def agents_list(self) -> list[dict[str, Any]]:
        loads = await self._stores.conversations.loads()
        connected = await self._presence.connected()
        return [
            agent_view(a, load=loads.get(a.id, 0), connected=a.id in connected)
            for a in await self._stores.agents.all()
            if not a.disabled
        ]

    async def agents_changed(self) -> None:
        await self.to_agents("agents.updated", {"agents": await self.agents_list()})

    async def queue_changed(self, queue: list[Conversation], moved: list[tuple[Conversation, int]]) -> None:
        """The queue to every agent, and to each visitor in ``moved`` their new place."""
        await self.to_agents("queue.updated", {"queue": await self.agent_views(queue)})
        for conv, position in moved:
            await self.to_visitor(
                conv.visitor_id, "conversation.updated", visitor_conversation_view(conv, None, position)
            )

    async def removed(self, agent_id: int, conv: Conversation, reason: str) -> None:
        await self.to_agent(
            agent_id, "conversation.removed", {"conversation_id": cid(conv.id), "reason": reason}
        )
