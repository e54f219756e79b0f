"""Test clients: real Socket.IO clients that record every event they receive, in order."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import socketio

DEFAULT_TIMEOUT = 5.0

# A sync of a conversation that cannot exist (ids start at 1): on either namespace it reads nothing
# and changes nothing (a sync of a visitor's own queued chat would make the server remember the
# place it told them), and is answered not_found.
FENCE = {"conversation_id": "c_0", "last_seq": 0}


class Peer:
    """One Socket.IO connection to a namespace, with per-event inboxes."""

    def __init__(self, base_url: str, namespace: str, *, headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url
        self.namespace = namespace
        self.headers = headers or {}
        self.sio = socketio.AsyncClient(reconnection_delay=0.2, reconnection_delay_max=1.0)
        self.inbox: dict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.log: list[tuple[str, Any]] = []
        self.sio.on("*", self._record, namespace=namespace)
        # Set by the helpers that make signed-in agents and visitors (tests/conftest.py, Running).
        self.info: dict[str, Any] | None = None  # an agent's id, email and name
        self.token: str | None = None  # an agent's session token, or a visitor's token
        self.session: dict[str, Any] | None = None  # a visitor's first session event
        # With several server processes: returns once this peer's process has handled every event
        # the others published before (see Running), so a fence also covers what they sent.
        self.barrier: Callable[[], Awaitable[None]] | None = None
        self._dropped = asyncio.Event()
        self.sio.on("disconnect", self._on_disconnect, namespace=namespace)

    async def _on_disconnect(self, *_: Any) -> None:
        self._dropped.set()

    async def disconnected(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Return once the server has closed this connection (or it dropped)."""
        await asyncio.wait_for(self._dropped.wait(), timeout)

    async def _record(self, event: str, data: Any = None) -> None:
        self.log.append((event, data))
        self.inbox[event].put_nowait(data)

    async def connect(self, auth: dict[str, Any] | None = None, *, wait_session: bool = True) -> Any:
        await self.sio.connect(
            self.base_url,
            namespaces=[self.namespace],
            auth=auth if auth is not None else {},
            headers=self.headers,
            transports=["websocket"],
            wait_timeout=DEFAULT_TIMEOUT,
        )
        return await self.recv("session") if wait_session else None

    async def emit(self, event: str, data: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Send an event and return its acknowledgement."""
        return await self.sio.call(event, data, namespace=self.namespace, timeout=timeout)

    async def send(self, event: str, data: Any = None) -> None:
        """Send an event without waiting for an acknowledgement."""
        await self.sio.emit(event, data, namespace=self.namespace)

    async def recv(self, event: str, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """The next ``event`` received (in arrival order)."""
        return await asyncio.wait_for(self.inbox[event].get(), timeout)

    async def recv_until(self, event: str, predicate: Any, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Skip ``event``s until one satisfies ``predicate``."""

        async def loop() -> Any:
            while True:
                data = await self.inbox[event].get()
                if predicate(data):
                    return data

        return await asyncio.wait_for(loop(), timeout)

    async def fence(self) -> None:
        """Return once this connection holds every event the server sent it before the fence.

        The server writes a connection's packets in order, and this client records each event
        before it handles any packet that arrived after it; so the acknowledgement of a call comes
        after every event the server sent this connection before answering the call.
        """
        if self.barrier is not None:
            await self.barrier()
        ack = await self.emit("sync", FENCE)
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] == "not_found", ack

    async def nothing(self, event: str) -> None:
        """Assert that the server sent this connection no ``event`` before now (a fence, no wait).

        This covers what the server did before the fence: call it once the action that could leak
        has completed there (its acknowledgement came back, or an event the server sends after the
        possible leak arrived, on any connection).
        """
        await self.fence()
        assert self.inbox[event].empty(), f"unexpected {event}: {self.inbox[event].get_nowait()}"

    def drain(self, event: str) -> list[Any]:
        items = []
        while not self.inbox[event].empty():
            items.append(self.inbox[event].get_nowait())
        return items

    async def close(self) -> None:
        # shutdown(), not disconnect(): a peer that is reconnecting at this moment must stop trying,
        # or it connects again later and holds the server open.
        await self.sio.shutdown()


def agent_of(peer: Peer) -> dict[str, Any]:
    """The agent (id, email, name) a console made by ``Running.agent`` is signed in as."""
    assert peer.info is not None, f"this {peer.namespace} peer is no signed-in agent"
    return peer.info


def session_of(peer: Peer) -> dict[str, Any]:
    """The ``session`` event a visitor made by ``Running.visitor`` got when it connected."""
    assert peer.session is not None, f"this {peer.namespace} peer is no connected visitor"
    return peer.session


async def routing_settled(agent: Peer) -> None:
    """Return once every routing pass the server started or was asked for has finished.

    Passes and manual takes run one at a time, in turn (server/chat/routing.py), and a pass asked
    for is under way before the server reads its next event; so the answer to a take, even of a
    conversation that does not exist, comes after those passes and all they sent.
    """
    ack = await agent.emit("conversation.take", {"conversation_id": "c_0"})
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == "not_found", ack
    await agent.fence()  # what a pass on another process sent this agent has arrived too


async def login(base_url: str, email: str, password: str) -> tuple[dict[str, Any], str]:
    """Sign in over HTTP; returns (agent, session token)."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/api/login", json={"email": email, "password": password}) as r:
            body = await r.json()
            assert r.status == 200, body
            return body["agent"], body["token"]


async def start_chat_with(agent: Peer, visitor: Peer, name: str = "Ada") -> str:
    """The visitor starts a chat, and it is routed to the (online) agent; its id."""
    started = await visitor.emit("conversation.start", {"name": name})
    assert started["ok"], started
    conversation_id = str(started["conversation"]["id"])
    assigned = await agent.recv("conversation.assigned")
    assert assigned["conversation"]["id"] == conversation_id
    return conversation_id


async def exchange(agent: Peer, visitor: Peer, conversation_id: str, asks: str, answers: str) -> None:
    """One message each way, each received by the other side with its stored ``seq``."""
    sent = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": asks})
    received = await agent.recv_until("message", lambda m: m["author"]["type"] == "visitor")
    assert (received["text"], received["seq"]) == (asks, sent["message"]["seq"])
    reply = {"conversation_id": conversation_id, "client_id": str(uuid.uuid4()), "text": answers}
    acked = await agent.emit("message.send", reply)
    answered = await visitor.recv_until("message", lambda m: m["author"]["type"] == "agent")
    assert (answered["text"], answered["seq"]) == (answers, acked["message"]["seq"])
