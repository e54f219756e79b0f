"""The ``/agent`` namespace: the console's side of a chat."""

from __future__ import annotations

import asyncio
import logging
from http.cookies import SimpleCookie
from typing import Any

import socketio

from server.auth.cookie import COOKIE_NAME
from server.chat.access import Action, may, require
from server.chat.broadcast import AGENTS_ROOM, OBSERVERS_ROOM, agent_room, preview_room, watch_room
from server.chat.checks import (
    check_assist_use,
    check_client_id,
    check_id,
    check_int,
    check_optional_str,
    check_str,
    check_text,
)
from server.chat.context import ChatContext
from server.chat.errors import ChatError, bad_request, not_found
from server.chat.namespace import ChatNamespace
from server.chat.views import agent_view, cid, message_view, visitor_details_view
from server.store.agents import STATUSES
from server.store.models import ASSIGNED, Agent, Author, Conversation

log = logging.getLogger("tandem.agent")


class AgentNamespace(ChatNamespace):
    role = "agent"

    def __init__(self, chat: ChatContext) -> None:
        super().__init__("/agent", chat)
        self.handlers = {
            "status.set": self._handle_status,
            "conversation.take": self._handle_take,
            "conversation.transfer": self._handle_transfer,
            "conversation.close": self._handle_close,
            "conversation.reopen": self._handle_reopen,
            "conversation.watch": self._handle_watch,
            "conversation.unwatch": self._handle_unwatch,
            "message.send": self._handle_send,
            "sync": self._handle_sync,
            "typing": self._handle_typing,
            "visitor.get": self._handle_visitor,
            "assist.search": self._handle_assist_search,
            "assist.feedback": self._handle_assist_feedback,
            "read.mark": self._handle_read_mark,
            "preferences.set": self._handle_preferences,
        }

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: dict[str, Any]) -> None:
        token = auth.get("token") or _cookie(environ, COOKIE_NAME)
        agent = await self.chat.stores.sessions.agent_for(token if isinstance(token, str) else None)
        if agent is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        if auth.get("observe") is True:
            await self._connect_observer(sid, agent, token)
            return
        await self.save_session(sid, {"agent_id": agent.id, "token": token})
        await self.enter_room(sid, agent_room(agent.id))
        await self.enter_room(sid, AGENTS_ROOM)
        first = await self.chat.presence.connect(agent.id, sid)
        await self.chat.grace.connected(agent)  # back, whichever process they were gone from
        if first:
            log.info("agent a_%s connected", agent.id)
        self.chat.background.spawn(self._after_connect(sid, agent), f"session-{sid}")

    async def _connect_observer(self, sid: str, agent: Agent, token: object) -> None:
        """A page that only reads (a transcript read along, the history's live list): the agent is
        not connected for routing or presence; it hears what it watches, the queue and team news
        (to refresh what it shows), and is signed out with the agent (their room)."""
        await self.save_session(sid, {"agent_id": agent.id, "token": token, "observer": True})
        await self.enter_room(sid, agent_room(agent.id))
        await self.enter_room(sid, OBSERVERS_ROOM)

    async def _after_connect(self, sid: str, agent: Agent) -> None:
        # Runs after the connect handler returned, so the client has its CONNECT first.
        await asyncio.sleep(0)
        await self._send_session(sid, agent)
        await self.chat.broadcaster.agents_changed()
        self.chat.router.kick()

    async def resend_sessions(self, _data: dict[str, Any]) -> None:
        """Events to this process's agents may have been lost (docs/protocol.md, ``resync``):
        besides messages, which they sync, give each a fresh ``session``: their chats, the queue
        and the team as they are now."""
        for sid, _ in list(self.server.manager.get_participants(self.namespace, AGENTS_ROOM)):
            session = await self.get_session(sid)
            agent = await self.chat.stores.agents.get(int(session["agent_id"]))
            if agent is not None:
                await self._send_session(sid, agent)

    async def _send_session(self, sid: str, agent: Agent) -> None:
        out = self.chat.broadcaster
        conversations = self.chat.stores.conversations
        load = len(mine := await conversations.assigned_to(agent.id))
        await self.emit(
            "session",
            {
                "agent": agent_view(agent, load=load, connected=True),
                "conversations": await out.agent_views(mine),
                "queue": await out.agent_views(await conversations.queued()),
                "agents": await out.agents_list(),
                **await self.chat.attention.session_part(agent, mine),
                "limits": {"max_message_length": self.chat.settings.max_message_length},
            },
            to=sid,
        )

    async def on_disconnect(self, sid: str) -> None:
        session = await self.get_session(sid)
        if session.get("observer"):
            return
        agent_id = int(session["agent_id"])
        if await self.chat.presence.disconnect(agent_id, sid):
            log.info("agent a_%s disconnected; grace period starts", agent_id)
            await self.chat.grace.start(agent_id)
            await self.chat.broadcaster.agents_changed()

    async def _agent(self, sid: str, *, reads: bool = False) -> Agent:
        """The signed-in agent, read afresh: a disabled agent or an ended session stops here; so
        does an observer's connection, unless the event only ``reads``."""
        session = await self.get_session(sid)
        agent = await self.chat.stores.sessions.agent_for(session.get("token"))
        if agent is None:
            raise ChatError("unauthorized", "Your session has ended; sign in again")
        if session.get("observer") and not reads:
            raise ChatError("forbidden", "This connection only reads: act from the console")
        return agent

    async def _conversation(self, data: dict[str, Any]) -> Conversation:
        conv = await self.chat.stores.conversations.get(check_id(data.get("conversation_id"), "c"))
        if conv is None:
            raise not_found()
        return conv

    async def _allowed(self, agent: Agent, action: Action, data: dict[str, Any]) -> Conversation:
        """The conversation ``data`` names, once the access rule lets ``agent`` do ``action``."""
        conv = await self._conversation(data)
        require(agent, action, conv)
        return conv

    async def _handle_status(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid)
        status = check_str(data, "status", max_len=10)
        if status not in STATUSES:
            raise bad_request(f"'status' must be one of {', '.join(STATUSES)}")
        updated = await self.chat.stores.agents.update(agent.id, status=status)
        if updated is None:
            raise not_found("agent")  # deleted while signed in
        log.info("agent a_%s is %s", agent.id, status)
        # Away or offline: their chats go back to the queue unless they are online again in time.
        await self.chat.grace.status_changed(agent.id, status)
        await self.chat.broadcaster.agents_changed()
        if status == "online":
            self.chat.router.kick()
        load = len(await self.chat.stores.conversations.assigned_to(agent.id))
        return {"ok": True, "agent": agent_view(updated, load=load, connected=True)}

    async def _handle_take(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid)
        require(agent, "conversation.take")
        over = data.get("over_capacity", False)
        if not isinstance(over, bool):
            raise bad_request("'over_capacity' must be true or false")
        if over:
            require(agent, "conversation.take_over_capacity")
        conv = await self.chat.router.take(
            agent, check_id(data.get("conversation_id"), "c"), over_capacity=over
        )
        return {"ok": True, "conversation": await self.chat.broadcaster.agent_view(conv)}

    async def _handle_transfer(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid)
        conv = await self._allowed(agent, "conversation.act", data)
        target = await self.chat.stores.agents.get(check_id(data.get("agent_id"), "a"))
        if target is None:
            raise not_found("agent")
        if target.id == agent.id:
            raise bad_request("The conversation is yours already")
        note = check_optional_str(data, "note", max_len=1000) or ""
        moved = await self.chat.router.transfer(agent, conv, target, note)
        return {"ok": True, "conversation": await self.chat.broadcaster.agent_view(moved)}

    async def _handle_close(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid)
        conv = await self._allowed(agent, "conversation.close", data)
        closed = await self.chat.router.close(conv, Author("agent", agent.id, agent.name))
        return {"ok": True, "conversation": await self.chat.broadcaster.agent_view(closed)}

    async def _handle_reopen(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid)
        conv = await self._allowed(agent, "conversation.reopen", data)
        reopened = await self.chat.router.reopen(agent, conv)
        return {"ok": True, "conversation": await self.chat.broadcaster.agent_view(reopened)}

    async def _handle_watch(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        """Hear a conversation's messages without taking it: an admin reads along (the visitor is
        told nothing), an agent looks at a waiting one until it stops waiting."""
        agent = await self._agent(sid, reads=True)
        conv = await self._allowed(agent, "conversation.read", data)
        room = watch_room(conv.id) if agent.is_admin else preview_room(conv.id)
        await self.enter_room(sid, room)
        # Read again once in the room: had it left the queue before we entered, the room's
        # closing missed us, and a non-admin must not go on hearing it.
        now = await self._conversation(data)
        if not may(agent, "conversation.read", now):
            await self.leave_room(sid, room)
            raise ChatError("not_queued", "The conversation is no longer waiting")
        return {"ok": True, "conversation": await self.chat.broadcaster.agent_view(now)}

    async def _handle_unwatch(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        conv_id = check_id(data.get("conversation_id"), "c")
        await self._agent(sid, reads=True)
        await self.leave_room(sid, watch_room(conv_id))
        await self.leave_room(sid, preview_room(conv_id))
        return {"ok": True}

    async def _handle_send(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid)
        client_id = check_client_id(data)
        text = check_text(data, self.chat.settings.max_message_length)
        private = data.get("private", False)
        if not isinstance(private, bool):
            raise bad_request("'private' must be true or false")
        conv = await self._conversation(data)
        if not may(agent, "conversation.act", conv):
            # A retry after a transfer still gets the ack of what it stored.
            stored = await self.chat.stores.messages.by_client_id(conv.id, client_id)
            if stored is not None and stored.author_id == agent.id:
                return {"ok": True, "message": message_view(stored)}
            raise ChatError("forbidden", "The conversation is not yours")
        used = check_assist_use(data, self.chat.settings.max_message_length)
        author = Author("agent", agent.id, agent.name)
        sent = await self.chat.delivery.do_send(conv, author, text, client_id, private=private, skip_sid=sid)
        if sent.created and not private:
            # Recorded once per stored message (a retry is not a second use), off the ack's path.
            self.chat.background.spawn(
                self.chat.suggestions.on_agent_sent(agent, conv, text, used), f"assist-sent-{sent.message.id}"
            )
        return {"ok": True, "message": message_view(sent.message)}

    async def _handle_sync(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid, reads=True)
        conv = await self._allowed(agent, "conversation.read", data)
        replay = await self.chat.delivery.replay(conv, check_int(data, "last_seq"), include_private=True)
        return {
            "ok": True,
            "conversation": await self.chat.broadcaster.agent_view(conv),
            "messages": [message_view(m) for m in replay.messages],
            "more": replay.more,
        }

    async def _handle_typing(self, sid: str, data: dict[str, Any]) -> None:
        agent = await self._agent(sid)
        conv = await self._allowed(agent, "conversation.act", data)
        if conv.status == ASSIGNED:
            payload = {
                "conversation_id": cid(conv.id),
                "typing": bool(data.get("typing")),
                "name": agent.name,
            }
            await self.chat.broadcaster.to_visitor(conv.visitor_id, "typing", payload)
        return None

    async def _handle_visitor(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid, reads=True)
        conv = await self._allowed(agent, "conversation.read", data)
        visitor = await self.chat.stores.visitors.get(conv.visitor_id)
        if visitor is None:
            raise not_found("visitor")
        history = await self.chat.stores.conversations.for_visitor(visitor.id)
        return {"ok": True, "visitor": visitor_details_view(visitor, history)}

    async def _handle_assist_search(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        require(await self._agent(sid), "kb.search")
        query = check_str(data, "query", max_len=1000)
        if not self.chat.suggestions.ready:
            raise ChatError("assist_unavailable", "The assist is starting or turned off")
        return {"ok": True, "suggestions": await self.chat.suggestions.do_search(query)}

    async def _handle_assist_feedback(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid)
        conv = await self._allowed(agent, "conversation.act", data)
        article_id = check_str(data, "article_id", max_len=200)
        action = data.get("action")
        if action not in ("inserted", "dismissed") or article_id is None:
            raise bad_request("'action' must be inserted or dismissed, with an 'article_id'")
        await self.chat.suggestions.do_feedback(agent, conv, article_id, action)
        return {"ok": True}

    async def _handle_read_mark(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid)
        conv = await self._allowed(agent, "conversation.read", data)
        return {"ok": True, "read": await self.chat.attention.do_mark_read(agent, conv, data, sid)}

    async def _handle_preferences(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        agent = await self._agent(sid)
        return {"ok": True, "preferences": await self.chat.attention.do_set_preferences(agent, data, sid)}


def _cookie(environ: dict[str, Any], name: str) -> str | None:
    raw = environ.get("HTTP_COOKIE")
    if not raw:
        return None
    morsel = SimpleCookie(raw).get(name)
    return morsel.value if morsel else None
