"""What both namespaces share: dispatch by event name, origin checks, rate limits, error acks."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from server.chat.checks import check_id, check_payload
from server.chat.context import ChatContext
from server.chat.errors import ChatError, bad_request
from server.chat.packets import UNDECODABLE

log = logging.getLogger("tandem.chat")

Handler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any] | None]]


class ChatNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Dispatches ``"message.send"``-style events to ``_handle_*`` methods listed in ``handlers``."""

    role = "visitor"

    def __init__(self, namespace: str, chat: ChatContext) -> None:
        super().__init__(namespace)
        self.chat = chat
        self._limits = chat.connection_limits()
        self.handlers: dict[str, Handler] = {}
        # One lock per connection while it has a message.send in progress (see _dispatch).
        self._send_order: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect") and self.server.manager.is_connected(args[0], self.namespace):
            # A client's own event by a reserved name: python-socketio hands it on like any other,
            # but the real handshake runs while the socket is still pending (not yet, or no longer,
            # connected). Taken for the handshake it would let a client re-run connect with an
            # "environ" of its making, or be marked gone (grace, requeue) while connected.
            return await self._dispatch(event, args[0], args[1] if len(args) > 1 else None)
        if event == "connect":
            sid, environ, auth = args[0], args[1], args[2] if len(args) > 2 else None
            self.check_origin(environ)
            await self.on_connect(sid, environ, auth if isinstance(auth, dict) else {})
            self.chat.metrics.connected.labels(role=self.role).inc()
            return None
        if event == "disconnect":
            self._limits.forget(args[0])
            self.chat.metrics.connected.labels(role=self.role).dec()
            return await self.on_disconnect(args[0])
        return await self._dispatch(event, args[0], args[1] if len(args) > 1 else None)

    async def _dispatch(self, event: str, sid: str, data: Any) -> dict[str, Any] | None:
        try:
            if not self._limits.allow(sid):
                raise ChatError("rate_limited", "Too many events; slow down and retry")
            if event == UNDECODABLE:
                raise bad_request("The payload is no JSON we read (an integer of over 100 digits, too deep)")
            handler = self.handlers.get(event)
            if handler is None:
                raise ChatError("bad_request", f"Unknown event {event!r}")
            if event == "message.send":
                # A connection's messages to a conversation are stored in the order it sent them: the
                # handler reads the database before it takes the conversation lock, so without this a
                # later send can overtake an earlier one. Taken before any await, so waiters queue in
                # arrival order. Per conversation, so an agent's sends to different chats don't queue.
                lock = self._send_order.setdefault(_send_key(sid, data), asyncio.Lock())
                async with lock:
                    return await handler(sid, check_payload(data))
            return await handler(sid, check_payload(data))
        except ChatError as error:
            self.chat.metrics.rejected.labels(code=error.code).inc()
            return error.ack()
        except Exception:
            log.exception("%s failed on %s", event, self.namespace)
            return ChatError("internal", "Something went wrong on the server").ack()

    def check_origin(self, environ: dict[str, Any]) -> None:
        origins = self.chat.origins
        scheme = origins.proxies.scheme(environ.get("aiohttp.request"))
        if not origins.allows(environ.get("HTTP_ORIGIN"), environ.get("HTTP_HOST"), scheme):
            log.info("refused a %s connection from origin %s", self.role, environ.get("HTTP_ORIGIN"))
            raise socketio.exceptions.ConnectionRefusedError("origin_not_allowed")

    def client_ip(self, environ: dict[str, Any]) -> str | None:
        """The visitor's address, through the proxies the operator trusts (server/forwarded.py)."""
        return self.chat.origins.proxies.client_ip(environ.get("aiohttp.request"))

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: dict[str, Any]) -> None:
        raise NotImplementedError

    async def on_disconnect(self, sid: str) -> None:
        raise NotImplementedError


def _send_key(sid: str, data: Any) -> str:
    """The ordering key of a ``message.send``: the connection, and the conversation when named
    (agents); a conversation id that does not parse falls back to the connection alone."""
    conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
    if conversation_id is None:
        return sid
    try:
        return f"{sid}/{check_id(conversation_id, 'c')}"
    except ChatError:
        return sid
