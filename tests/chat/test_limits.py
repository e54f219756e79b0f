"""Limits and validation: message length, event rate, conversations per visitor and per IP, bad payloads.

Each test starts its own server with explicit limits (the ``server`` fixture's limits are generous).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from server.store.models import Message
from tests.conftest import BOTH_LAYOUTS, Running, StartServer
from tests.peers import Peer, session_of

# On one server, and on two sharing PostgreSQL and Redis with the clients spread over both.
pytestmark = BOTH_LAYOUTS


def conv_int(conversation_id: str) -> int:
    return int(conversation_id.removeprefix("c_"))


async def start_conversation(server: Running, token: str | None = None) -> tuple[Peer, str]:
    """A visitor with an open (queued: no agent online) conversation."""
    visitor = await server.visitor(token)
    ack = await visitor.emit("conversation.start", {"name": "Ada"})
    assert ack["ok"], ack
    return visitor, ack["conversation"]["id"]


async def open_chat(server: Running) -> tuple[Peer, Peer, str]:
    """An online agent and a visitor whose conversation was routed to them; inboxes emptied."""
    agent = await server.agent("Grace")
    visitor, conversation_id = await start_conversation(server)
    assert (await agent.recv("conversation.assigned"))["conversation"]["id"] == conversation_id
    assert (await agent.recv("message"))["seq"] == 1
    assert (await visitor.recv("message"))["seq"] == 1
    return agent, visitor, conversation_id


def payload(text: str, conversation_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"client_id": str(uuid.uuid4()), "text": text}
    if conversation_id is not None:
        data["conversation_id"] = conversation_id
    return data


async def texts(server: Running, conversation_id: str) -> list[Message]:
    """The conversation's stored text messages (system events left out)."""
    messages = await server.chat.stores.messages.since(
        conv_int(conversation_id), 0, include_private=True, limit=10_000
    )
    return [m for m in messages if m.type == "text"]


def code(ack: dict[str, Any]) -> str:
    assert ack["ok"] is False, ack
    return str(ack["error"]["code"])


# --- message length -------------------------------------------------------------------------------


async def test_message_length_default_4000(start_server: StartServer) -> None:
    """4,001 characters: ``too_long`` and nothing stored or delivered; exactly 4,000: stored and delivered."""
    server = await start_server()
    assert server.settings.max_message_length == 4000
    agent, visitor, conversation_id = await open_chat(server)

    for me, other, conv in ((visitor, agent, None), (agent, visitor, conversation_id)):
        too_long = await me.emit("message.send", payload("x" * 4001, conv))
        assert code(too_long) == "too_long"
        await other.nothing("message")
        fits = await me.emit("message.send", payload("é" * 4000, conv))
        assert fits["ok"], fits
        assert len(fits["message"]["text"]) == 4000
        assert await other.recv("message") == fits["message"]

    stored = await texts(server, conversation_id)
    assert [(m.author_type, len(m.text)) for m in stored] == [("visitor", 4000), ("agent", 4000)]


async def test_message_length_follows_the_setting(start_server: StartServer) -> None:
    """TANDEM_MAX_MESSAGE_LENGTH=10: 11 characters are ``too_long``, 10 are fine."""
    server = await start_server(TANDEM_MAX_MESSAGE_LENGTH="10")
    visitor, conversation_id = await start_conversation(server)

    assert code(await visitor.emit("message.send", payload("12345678901"))) == "too_long"
    assert (await visitor.emit("message.send", payload("1234567890")))["ok"]
    assert [m.text for m in await texts(server, conversation_id)] == ["1234567890"]


# --- event rate -----------------------------------------------------------------------------------


async def flood(peer: Peer, make: Any, count: int = 30) -> list[dict[str, Any]]:
    """``count`` ``message.send`` at once on one connection; the acks in sending order."""
    return list(await asyncio.gather(*(peer.emit("message.send", make(n)) for n in range(count))))


class FakeClock:
    """A clock for the rate limits that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def test_event_flood_is_rate_limited_per_connection(start_server: StartServer) -> None:
    """2 events/s, burst 10: of 30 quick sends the first 10 are stored, the rest ``rate_limited``.

    Only the flooding connection is limited, and once time has passed it may send again, as many
    events as the time refilled. The limits run on the test's clock, so however slowly this machine
    sends, no token comes back until the test moves the clock.
    """
    server = await start_server(TANDEM_EVENTS_PER_SECOND="2", TANDEM_EVENTS_BURST="10")
    clock = FakeClock()
    for chat in server.chats:
        chat.limits.clock = clock
    agent, first_tab, conversation_id = await open_chat(server)
    # Fresh connections, so each bucket is full (connecting and going online used tokens).
    tab = await server.visitor(first_tab.token)
    console = server.peer("/agent")
    await console.connect({"token": agent.token})

    acks = await flood(tab, lambda n: payload(f"visitor flood {n}"))
    assert [ack["ok"] for ack in acks] == [True] * 10 + [False] * 20, acks
    assert {code(ack) for ack in acks[10:]} == {"rate_limited"}
    assert [m.text for m in await texts(server, conversation_id)] == [f"visitor flood {n}" for n in range(10)]
    # The visitor's other tab has its own budget.
    assert (await first_tab.emit("message.send", payload("from the other tab")))["ok"]

    agent_acks = await flood(console, lambda n: payload(f"agent flood {n}", conversation_id))
    assert [ack["ok"] for ack in agent_acks] == [True] * 10 + [False] * 20, agent_acks
    assert {code(ack) for ack in agent_acks[10:]} == {"rate_limited"}

    stored = await texts(server, conversation_id)
    ok_count = sum(ack["ok"] for ack in acks + agent_acks) + 1
    assert len(stored) == ok_count == 21
    assert sorted(m.text for m in stored if m.author_type == "agent") == sorted(
        f"agent flood {n}" for n in range(10)
    )

    clock.advance(1.6)  # 3.2 tokens back: three events, and not a fourth
    for peer, conv in ((tab, None), (console, conversation_id)):
        for n in range(3):
            ack = await peer.emit("message.send", payload(f"after the pause {n}", conv))
            assert ack["ok"], ack
        assert code(await peer.emit("message.send", payload("one too many", conv))) == "rate_limited"
    assert len(await texts(server, conversation_id)) == ok_count + 6


# --- conversations per visitor and per IP ---------------------------------------------------------


async def test_conversations_per_visitor_limit(start_server: StartServer) -> None:
    """TANDEM_CONVERSATIONS_PER_VISITOR_HOUR=2: the third conversation in an hour is refused."""
    server = await start_server(TANDEM_CONVERSATIONS_PER_VISITOR_HOUR="2")
    admin = await server.agent("Admin", role="admin", online=False)
    visitor = await server.visitor()
    started = []
    for _ in range(2):
        ack = await visitor.emit("conversation.start", {})
        assert ack["ok"], ack
        started.append(ack["conversation"]["id"])
        # Starting again while one is open returns that one: not a new conversation.
        again = await visitor.emit("conversation.start", {})
        assert again["ok"]
        assert again["conversation"]["id"] == started[-1]
        closed = await admin.emit("conversation.close", {"conversation_id": started[-1]})
        assert closed["ok"], closed

    refused = await visitor.emit("conversation.start", {})
    assert code(refused) == "limit_conversations"
    # The same visitor in another tab is the same visitor.
    tab = await server.visitor(visitor.token)
    assert code(await tab.emit("conversation.start", {})) == "limit_conversations"
    assert code(await tab.emit("message.send", payload("hello?"))) == "no_conversation"
    visitor_id = int(session_of(visitor)["visitor"]["id"].removeprefix("v_"))
    history = await server.chat.stores.conversations.for_visitor(visitor_id)
    assert sorted(f"c_{c.id}" for c in history) == sorted(started)
    assert all(c.status == "closed" for c in history)
    # Another visitor (from the same address) is not affected.
    _, other = await start_conversation(server)
    assert other not in started


async def test_conversations_per_ip_limit(start_server: StartServer) -> None:
    """TANDEM_CONVERSATIONS_PER_IP_HOUR=3: a fourth visitor from the same address is refused."""
    server = await start_server(TANDEM_CONVERSATIONS_PER_IP_HOUR="3")
    started = [await start_conversation(server) for _ in range(3)]

    fourth = await server.visitor()
    assert code(await fourth.emit("conversation.start", {"name": "Eve"})) == "limit_conversations"
    assert code(await fourth.emit("message.send", payload("hello?"))) == "no_conversation"
    assert len(await server.chat.stores.conversations.queued()) == 3
    # A visitor who has an open conversation still gets it back.
    first, first_id = started[0]
    again = await first.emit("conversation.start", {})
    assert again["ok"]
    assert again["conversation"]["id"] == first_id
    assert (await first.emit("message.send", payload("still here")))["ok"]


# --- bad payloads ---------------------------------------------------------------------------------


async def test_bad_payloads_are_bad_request_and_store_nothing(start_server: StartServer) -> None:
    """Missing client_id, non-string or empty text, a non-object payload, unknown events: ``bad_request``."""
    server = await start_server()
    agent, visitor, conversation_id = await open_chat(server)
    client_id = str(uuid.uuid4())
    bad_sends: list[Any] = [
        {"text": "no client id"},
        {"client_id": "", "text": "empty client id"},
        {"client_id": 42, "text": "client id not a string"},
        {"client_id": "x" * 65, "text": "client id too long"},
        {"client_id": client_id},
        {"client_id": client_id, "text": 42},
        {"client_id": client_id, "text": ["a list"]},
        {"client_id": client_id, "text": ""},
        {"client_id": client_id, "text": "  \n\t "},
        "a string, not an object",
        ["a", "list"],
    ]
    for me, conv in ((visitor, None), (agent, conversation_id)):
        for bad in bad_sends:
            data = {**bad, "conversation_id": conv} if isinstance(bad, dict) and conv else bad
            ack = await me.emit("message.send", data)
            assert code(ack) == "bad_request", (me.namespace, bad, ack)
        for event in ("message.sent", "messages.send", "no.such.event"):
            ack = await me.emit(event, payload("hello", conv))
            assert code(ack) == "bad_request", (me.namespace, event, ack)
        assert code(await me.emit("sync", {"conversation_id": conv, "last_seq": "1"})) == "bad_request"
        assert code(await me.emit("sync", {"conversation_id": conv, "last_seq": -1})) == "bad_request"
    private = await agent.emit("message.send", {**payload("note?", conversation_id), "private": "yes"})
    assert code(private) == "bad_request"

    assert await texts(server, conversation_id) == []
    await visitor.nothing("message")
    await agent.nothing("message")
    # The connections still work afterwards, and the client_id was not used up.
    ok = await visitor.emit("message.send", {"client_id": client_id, "text": "finally"})
    assert ok["ok"], ok
    assert ok["message"]["seq"] == 2, ok
    assert await agent.recv("message") == ok["message"]
