"""The ``/visitor`` namespace: the widget's side of a chat."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import socketio

from server.chat.broadcast import visitor_room
from server.chat.checks import (
    check_client_id,
    check_email,
    check_int,
    check_optional_str,
    check_text,
)
from server.chat.context import ChatContext
from server.chat.errors import ChatError, bad_request
from server.chat.namespace import ChatNamespace
from server.chat.views import cid, message_view, visitor_details_view
from server.store.models import Author, Conversation, Visitor

log = logging.getLogger("tandem.visitor")

HOUR = 3600.0
# Shown to the visitor as they are (the widget prints the error's message under the form).
_REQUIRED = {"name": "Please enter your name.", "email": "Please enter your email address so we can reply."}


class VisitorNamespace(ChatNamespace):
    role = "visitor"

    def __init__(self, chat: ChatContext) -> None:
        super().__init__("/visitor", chat)
        self.handlers = {
            "conversation.start": self._handle_start,
            "message.send": self._handle_send,
            "sync": self._handle_sync,
            "typing": self._handle_typing,
            "page.view": self._handle_page_view,
        }

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: dict[str, Any]) -> None:
        token = auth.get("token")
        stores = self.chat.stores
        if token:
            visitor_id = self.chat.tokens.visitor_id(token) if isinstance(token, str) else None
            visitor = await stores.visitors.get(visitor_id) if visitor_id is not None else None
            if visitor is None:
                raise socketio.exceptions.ConnectionRefusedError("invalid_token")
        else:
            visitor = await stores.visitors.create(self.client_ip(environ), environ.get("HTTP_USER_AGENT"))
        await self.save_session(sid, {"visitor_id": visitor.id, "ip": self.client_ip(environ)})
        await self.enter_room(sid, visitor_room(visitor.id))
        self.chat.background.spawn(self._send_session(sid, visitor), f"session-{sid}")

    async def on_disconnect(self, sid: str) -> None:
        return None

    async def _send_session(self, sid: str, visitor: Visitor) -> None:
        # Runs after the connect handler returned, so the client has its CONNECT first.
        await asyncio.sleep(0)
        conv = await self.chat.stores.conversations.open_for_visitor(visitor.id)
        settings = (await self.chat.stores.settings.widget()).public()
        settings["agents_online"] = await self.chat.router.agents_online()
        await self.emit(
            "session",
            {
                "token": self.chat.tokens.issue(visitor.id),
                "visitor": {"id": f"v_{visitor.id}"},
                "conversation": await self._view(conv) if conv else None,
                "settings": settings,
                "limits": {"max_message_length": self.chat.settings.max_message_length},
            },
            to=sid,
        )

    async def _view(self, conv: Conversation) -> dict[str, Any]:
        position = await self.chat.router.queue_position(conv)
        return await self.chat.broadcaster.visitor_view(conv, position)

    async def _visitor_id(self, sid: str) -> int:
        return int((await self.get_session(sid))["visitor_id"])

    async def _handle_start(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        session = await self.get_session(sid)
        visitor_id = int(session["visitor_id"])
        stores = self.chat.stores
        profile = await self._check_prechat(data)
        first = self._first_message(data)
        existing = await stores.conversations.open_for_visitor(visitor_id)
        await self._update_profile(visitor_id, data, profile)
        if existing is not None:
            existing, sent = await self._send_first(sid, existing, visitor_id, first)
            return {"ok": True, "conversation": await self._view(existing), **sent}
        await self._check_conversation_limits(visitor_id, session.get("ip"))
        conv = await stores.conversations.create(visitor_id, session.get("ip"))
        log.info("conversation c_%s started by v_%s", conv.id, visitor_id)
        # The first message is stored before any agent can be routed to the chat: the stream
        # reads "message, then X joined", in the order the visitor lived it.
        conv, sent = await self._send_first(sid, conv, visitor_id, first)
        await self.chat.router.queue_changed()
        view = await self._view(conv)  # after queue_changed(): a correction of this place follows the ack
        self.chat.router.kick()
        return {"ok": True, "conversation": view, **sent}

    def _first_message(self, data: dict[str, Any]) -> tuple[str, str] | None:
        """The optional ``message`` of ``conversation.start``: (client_id, text)."""
        raw = data.get("message")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise bad_request("'message' must be an object with 'client_id' and 'text'")
        return check_client_id(raw), check_text(raw, self.chat.settings.max_message_length)

    async def _send_first(
        self, sid: str, conv: Conversation, visitor_id: int, first: tuple[str, str] | None
    ) -> tuple[Conversation, dict[str, Any]]:
        """Store the first message, if any: the conversation as it left it, and the ack's part."""
        if first is None:
            return conv, {}
        visitor = await self.chat.stores.visitors.get(visitor_id)
        author = Author("visitor", visitor_id, visitor.name if visitor else None)
        appended = await self.chat.delivery.do_send(conv, author, first[1], first[0], skip_sid=sid)
        current = await self.chat.stores.conversations.get(conv.id) or conv
        return current, {"message": message_view(appended.message)}

    async def _check_prechat(self, data: dict[str, Any]) -> dict[str, str | None]:
        widget = await self.chat.stores.settings.widget()
        leave_message = data.get("leave_message", False)
        if not isinstance(leave_message, bool):
            raise bad_request("'leave_message' must be true or false")
        modes = {"name": widget.prechat.get("name", "off"), "email": widget.email_mode(leave_message)}
        profile: dict[str, str | None] = {}
        for field, max_len in (("name", 100), ("email", 254)):
            mode = modes[field]
            value = check_optional_str(data, field, max_len=max_len)
            if mode == "required" and not (value and value.strip()):
                raise bad_request(_REQUIRED[field])
            profile[field] = value.strip() if value and mode != "off" else None
        check_email(profile["email"])
        return profile

    async def _update_profile(
        self, visitor_id: int, data: dict[str, Any], profile: dict[str, str | None]
    ) -> None:
        raw_page = data.get("page")
        page: dict[str, Any] = raw_page if isinstance(raw_page, dict) else {}
        await self.chat.stores.visitors.update(
            visitor_id,
            name=profile["name"],
            email=profile["email"],
            timezone=check_optional_str(data, "timezone", max_len=64),
            page_url=check_optional_str(page, "url"),
            page_title=check_optional_str(page, "title", max_len=300),
            referrer=check_optional_str(page, "referrer"),
        )

    async def _check_conversation_limits(self, visitor_id: int, ip: str | None) -> None:
        settings = self.chat.settings
        conversations = self.chat.stores.conversations
        since = time.time() - HOUR
        if (
            await conversations.started_since(since, visitor_id=visitor_id)
            >= settings.conversations_per_visitor_hour
        ):
            raise ChatError("limit_conversations", "Too many conversations started; try again later")
        if ip and await conversations.started_since(since, ip=ip) >= settings.conversations_per_ip_hour:
            raise ChatError(
                "limit_conversations", "Too many conversations from this address; try again later"
            )

    async def _open_conversation(self, sid: str) -> Conversation:
        conv = await self.chat.stores.conversations.open_for_visitor(await self._visitor_id(sid))
        if conv is None:
            raise ChatError("no_conversation", "No open conversation: start one first")
        return conv

    async def _handle_send(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        client_id = check_client_id(data)
        text = check_text(data, self.chat.settings.max_message_length)
        visitor_id = await self._visitor_id(sid)
        conv = await self.chat.stores.conversations.open_for_visitor(visitor_id)
        if conv is None:
            # A retry of a message stored just before its conversation closed still gets its ack.
            latest = next(iter(await self.chat.stores.conversations.for_visitor(visitor_id)), None)
            stored = await self.chat.stores.messages.by_client_id(latest.id, client_id) if latest else None
            if stored is not None:
                return {"ok": True, "message": message_view(stored)}
            raise ChatError("no_conversation", "No open conversation: start one first")
        visitor = await self.chat.stores.visitors.get(visitor_id)
        author = Author("visitor", visitor_id, visitor.name if visitor else None)
        message = (await self.chat.delivery.do_send(conv, author, text, client_id, skip_sid=sid)).message
        return {"ok": True, "message": message_view(message)}

    async def _handle_sync(self, sid: str, data: dict[str, Any]) -> dict[str, Any]:
        last_seq = check_int(data, "last_seq")
        visitor_id = await self._visitor_id(sid)
        conv = await self._conversation_to_sync(visitor_id, data.get("conversation_id"))
        if conv is None:
            return {"ok": True, "conversation": None, "messages": [], "more": False}
        replay = await self.chat.delivery.replay(conv, last_seq, include_private=False)
        return {
            "ok": True,
            "conversation": await self._view(conv),
            "messages": [message_view(m) for m in replay.messages],
            "more": replay.more,
        }

    async def _conversation_to_sync(self, visitor_id: int, conversation_id: Any) -> Conversation | None:
        conversations = self.chat.stores.conversations
        if conversation_id is None:
            return await conversations.open_for_visitor(visitor_id) or next(
                iter(await conversations.for_visitor(visitor_id)), None
            )
        if not isinstance(conversation_id, str):
            raise bad_request("'conversation_id' must be a string")
        for conv in await conversations.for_visitor(visitor_id):
            if cid(conv.id) == conversation_id:
                return conv
        # Someone else's conversation looks exactly like a missing one.
        raise ChatError("not_found", "No such conversation")

    async def _handle_typing(self, sid: str, data: dict[str, Any]) -> None:
        conv = await self.chat.stores.conversations.open_for_visitor(await self._visitor_id(sid))
        if conv is not None and conv.agent_id is not None:
            await self.chat.broadcaster.to_agent(
                conv.agent_id, "typing", {"conversation_id": cid(conv.id), "typing": bool(data.get("typing"))}
            )
        return None

    async def _handle_page_view(self, sid: str, data: dict[str, Any]) -> None:
        visitor_id = await self._visitor_id(sid)
        visitor = await self.chat.stores.visitors.update(
            visitor_id,
            page_url=check_optional_str(data, "url"),
            page_title=check_optional_str(data, "title", max_len=300),
            referrer=check_optional_str(data, "referrer"),
        )
        conv = await self.chat.stores.conversations.open_for_visitor(visitor_id)
        if visitor is not None and conv is not None and conv.agent_id is not None:
            history = await self.chat.stores.conversations.for_visitor(visitor_id)
            await self.chat.broadcaster.to_agent(
                conv.agent_id,
                "visitor.updated",
                {"conversation_id": cid(conv.id), "visitor": visitor_details_view(visitor, history)},
            )
        return None
