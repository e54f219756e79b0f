"""Who hears what: rooms, and turning records into the events of docs/protocol.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import socketio

from server.chat.emits import Emit, EmitEach
from server.chat.presence import Presence
from server.chat.views import (
    agent_conversation_view,
    agent_view,
    cid,
    message_view,
    visitor_conversation_view,
)
from server.store.bundle import Stores
from server.store.models import QUEUED, Conversation, Message

VISITOR_NS = "/visitor"
AGENT_NS = "/agent"
AGENTS_ROOM = "agents"
OBSERVERS_ROOM = "observers"  # read-only agent connections (docs/protocol.md, Observers)

# What a console shows on the sign-in form after the server ended its session.
SIGNED_OUT_MESSAGES = {
    "signed_out": "You signed out in another tab or window.",
    "disabled": "An admin disabled your account, so you were signed out.",
    "password_changed": (
        "Your password was changed, so you were signed out here. Sign in with the new password."
    ),
}


def visitor_room(visitor_id: int) -> str:
    return f"visitor:{visitor_id}"


def agent_room(agent_id: int) -> str:
    return f"agent:{agent_id}"


def watch_room(conversation_id: int) -> str:
    """Admins reading a conversation along (supervision): for as long as they like."""
    return f"watch:{conversation_id}"


def preview_room(conversation_id: int) -> str:
    """Agents reading a waiting conversation before they take it. It hears the conversation only
    while it waits (then any agent may read it, server/chat/access.py) and the event that ends
    the wait; then it is closed, so a later requeue does not bring back someone who moved on."""
    return f"preview:{conversation_id}"


# The events that take a conversation out of the queue: a previewer hears this one, then no more.
_LEAVES_QUEUE = frozenset({"assigned", "closed"})


class Broadcaster:
    """Builds views and emits them to the right rooms; private data never goes to visitors."""

    def __init__(self, sio: socketio.AsyncServer, stores: Stores, presence: Presence) -> None:
        self._sio = sio
        # create_app gives every server a manager with emit_each (LeanEmits, or the cluster's).
        self._emitter: EmitEach = sio.manager
        self._stores = stores
        self._presence = presence

    async def to_visitor(self, visitor_id: int, event: str, data: Any, skip_sid: str | None = None) -> None:
        await self._sio.emit(
            event, data, room=visitor_room(visitor_id), namespace=VISITOR_NS, skip_sid=skip_sid
        )

    async def to_agent(
        self, agent_id: int, event: str, data: Any, skip_sid: str | None = None, *, also: Sequence[str] = ()
    ) -> None:
        """To an agent's sockets, and to the rooms in ``also`` in the same emit (one publish
        between processes; a socket in several of the rooms gets it once)."""
        room: str | list[str] = [agent_room(agent_id), *also] if also else agent_room(agent_id)
        await self._sio.emit(event, data, room=room, namespace=AGENT_NS, skip_sid=skip_sid)

    async def to_agents(self, event: str, data: Any) -> None:
        await self._sio.emit(event, data, room=[AGENTS_ROOM, OBSERVERS_ROOM], namespace=AGENT_NS)

    async def disconnect_agent_here(
        self,
        agent_id: int,
        token: str | None = None,
        reason: str = "signed_out",
        *,
        keep: str | None = None,
    ) -> None:
        """Close an agent's sockets on this process, or only those signed in with ``token`` (a
        sign-out), never those signed in with ``keep`` (the session that changed the password): a
        socket without a live session must hear no more queue or agents updates. Each first hears
        ``signed_out`` with the reason, so the console can say why and show the sign-in form.
        Every process does this on the ``agent.signed_out`` signal."""
        notice = {
            "reason": reason,
            "message": SIGNED_OUT_MESSAGES.get(reason, SIGNED_OUT_MESSAGES["signed_out"]),
        }
        for sid, _ in list(self._sio.manager.get_participants(AGENT_NS, agent_room(agent_id))):
            opened_with = (await self._sio.get_session(sid, namespace=AGENT_NS)).get("token")
            if (token is None or opened_with == token) and (keep is None or opened_with != keep):
                # Straight to this process's socket (not through Redis): it must arrive before
                # the disconnect that follows.
                await self._sio.manager.emit(
                    "signed_out", notice, namespace=AGENT_NS, room=sid, ignore_queue=True
                )
                await self._sio.disconnect(sid, namespace=AGENT_NS)

    async def message(self, conv: Conversation, message: Message, skip_sid: str | None = None) -> None:
        """A stored message to the conversation's agent, those reading along (admins) or looking
        before they take it (while it waits), and, unless private, its visitor: one emit_each, so
        one PUBLISH with several processes (server/chat/emits.py)."""
        payload = message_view(message)
        watchers = [watch_room(conv.id)]
        leaves = conv.status != QUEUED and message.event in _LEAVES_QUEUE
        if conv.status == QUEUED or leaves:
            watchers.append(preview_room(conv.id))
        # A socket in several of the rooms gets it once.
        rooms = [agent_room(conv.agent_id), *watchers] if conv.agent_id is not None else watchers
        emits = [Emit("message", payload, AGENT_NS, rooms, skip_sid)]
        if not message.private:
            emits.append(Emit("message", payload, VISITOR_NS, visitor_room(conv.visitor_id), skip_sid))
        await self._emitter.emit_each(emits)
        if leaves:
            await self._sio.close_room(preview_room(conv.id), namespace=AGENT_NS)

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
