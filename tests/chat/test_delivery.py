"""Delivery (docs/protocol.md, Delivery): stored then acked, idempotent send, replay, seq order.

Real Socket.IO clients against a real server, on SQLite and on PostgreSQL (``any_server``).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from server.store.messages import append_in
from server.store.models import Author, Message
from server.web.keys import ENGINE
from tests.conftest import BOTH_LAYOUTS, Running
from tests.peers import Peer, session_of

# On one server, and on two sharing PostgreSQL and Redis with the clients spread over both.
pytestmark = BOTH_LAYOUTS


def conv_int(conversation_id: str) -> int:
    """The database id of a ``c_N`` conversation id."""
    return int(conversation_id.removeprefix("c_"))


async def open_chat(server: Running, agent_name: str = "Grace") -> tuple[Peer, Peer, str]:
    """An online agent and a visitor whose new conversation was routed to them (seq 1 = joined).

    The set-up events are consumed, so each inbox starts empty.
    """
    agent = await server.agent(agent_name)
    visitor = await server.visitor()
    ack = await visitor.emit("conversation.start", {"name": "Ada"})
    assert ack["ok"], ack
    conversation_id = ack["conversation"]["id"]
    assigned = await agent.recv("conversation.assigned")
    assert assigned["conversation"]["id"] == conversation_id
    joined = await agent.recv("message")
    assert (joined["seq"], joined["event"]) == (1, "assigned")
    assert (await visitor.recv("conversation.updated"))["status"] == "assigned"
    assert await visitor.recv("message") == joined
    return agent, visitor, conversation_id


def send_payload(
    sender: str, conversation_id: str, text: str, client_id: str | None = None
) -> dict[str, Any]:
    """A ``message.send`` payload for the visitor or the agent namespace."""
    payload: dict[str, Any] = {"client_id": client_id or str(uuid.uuid4()), "text": text}
    if sender == "agent":
        payload["conversation_id"] = conversation_id
    return payload


async def stored(server: Running, conversation_id: str, *, include_private: bool = True) -> list[Message]:
    """Every message of the conversation, read straight from the database."""
    return await server.chat.stores.messages.since(
        conv_int(conversation_id), 0, include_private=include_private, limit=10_000
    )


def pick(sender: str, agent: Peer, visitor: Peer) -> tuple[Peer, Peer]:
    """(the sending peer, the other side)."""
    return (agent, visitor) if sender == "agent" else (visitor, agent)


# --- 1a. idempotent send --------------------------------------------------------------------------


async def test_same_client_id_three_times_stores_one_message(any_server: Running) -> None:
    """One client_id sent 3 times (visitor, then agent): one stored message each, same seq, heard once.

    A retry is recognised by client_id alone: even with another text it acks the stored message.
    """
    agent, visitor, conversation_id = await open_chat(any_server)
    expected: list[tuple[int, str | None, str]] = [(1, None, "Grace joined the chat")]
    for sender, seq in (("visitor", 2), ("agent", 3)):
        me, other = pick(sender, agent, visitor)
        payload = send_payload(sender, conversation_id, f"{sender}: where is my card?")

        acks = [await me.emit("message.send", payload) for _ in range(2)]
        acks.append(await me.emit("message.send", {**payload, "text": "edited on retry"}))

        assert all(ack["ok"] for ack in acks), acks
        assert acks[0]["message"]["seq"] == seq
        assert acks[0]["message"]["text"] == payload["text"]
        assert acks[1] == acks[0]
        assert acks[2] == acks[0]
        expected.append((seq, payload["client_id"], payload["text"]))
        assert [(m.seq, m.client_id, m.text) for m in await stored(any_server, conversation_id)] == expected
        assert await other.recv("message") == acks[0]["message"]
        await other.nothing("message")
        await me.nothing("message")


async def test_concurrent_sends_of_one_client_id_store_one_message(any_server: Running) -> None:
    """3 concurrent sends of one client_id (visitor, then agent): one stored message, one seq in all acks."""
    agent, visitor, conversation_id = await open_chat(any_server)
    expected: list[tuple[int, str | None]] = [(1, None)]
    for sender, seq in (("visitor", 2), ("agent", 3)):
        me, other = pick(sender, agent, visitor)
        payload = send_payload(sender, conversation_id, f"{sender} sent three times at once")

        acks = await asyncio.gather(*(me.emit("message.send", payload) for _ in range(3)))

        assert all(ack["ok"] for ack in acks), acks
        assert {ack["message"]["seq"] for ack in acks} == {seq}
        assert acks[1] == acks[0]
        assert acks[2] == acks[0]
        expected.append((seq, payload["client_id"]))
        assert [(m.seq, m.client_id) for m in await stored(any_server, conversation_id)] == expected
        assert await other.recv("message") == acks[0]["message"]
        await other.nothing("message")
        await me.nothing("message")


async def test_retry_after_the_conversation_closed_still_gets_its_ack(any_server: Running) -> None:
    """A message stored just before the chat closed: its retry is acked with it, nothing new stored."""
    agent, visitor, conversation_id = await open_chat(any_server)
    from_visitor = send_payload("visitor", conversation_id, "last words")
    from_agent = send_payload("agent", conversation_id, "bye")
    first = [await visitor.emit("message.send", from_visitor), await agent.emit("message.send", from_agent)]
    assert all(ack["ok"] for ack in first), first
    assert (await agent.emit("conversation.close", {"conversation_id": conversation_id}))["ok"]

    assert await visitor.emit("message.send", from_visitor) == first[0]
    assert await agent.emit("message.send", from_agent) == first[1]
    assert [m.seq for m in await stored(any_server, conversation_id)] == [1, 2, 3, 4]
    # A new client_id is refused, as the conversation is closed.
    assert (await visitor.emit("message.send", send_payload("visitor", conversation_id, "hello?")))["error"][
        "code"
    ] == "no_conversation"
    late = await agent.emit("message.send", send_payload("agent", conversation_id, "one more thing"))
    assert late["error"]["code"] == "conversation_closed"
    assert [m.seq for m in await stored(any_server, conversation_id)] == [1, 2, 3, 4]


# --- 1b. stored then acked; replay; who receives what ----------------------------------------------


async def test_acked_message_is_already_stored(any_server: Running) -> None:
    """When the ack (or the other side's event) arrives, the message is already in the database."""
    agent, visitor, conversation_id = await open_chat(any_server)
    messages = any_server.chat.stores.messages
    for n in range(8):
        sender = ("visitor", "agent")[n % 2]
        me, other = pick(sender, agent, visitor)
        payload = send_payload(sender, conversation_id, f"message {n}")
        ack = await me.emit("message.send", payload)
        assert ack["ok"], ack
        row = await messages.by_client_id(conv_int(conversation_id), payload["client_id"])
        assert row is not None, f"acked but not stored: {ack}"
        assert (f"m_{row.id}", row.seq, row.text) == (ack["message"]["id"], n + 2, payload["text"])
        assert ack["message"]["seq"] == n + 2
        assert await other.recv("message") == ack["message"]


async def test_replay_after_reconnect_returns_exactly_what_was_missed(any_server: Running) -> None:
    """Visitor offline while the agent sends 20: sync from its last seq returns those 20, in order."""
    agent, visitor, conversation_id = await open_chat(any_server)
    token = visitor.token
    await visitor.close()

    texts = [f"while you were away #{n}" for n in range(20)]
    acks = [await agent.emit("message.send", send_payload("agent", conversation_id, t)) for t in texts]
    assert [ack["message"]["seq"] for ack in acks] == list(range(2, 22))

    back = await any_server.visitor(token)
    session = session_of(back)
    assert session["token"]
    assert session["conversation"]["id"] == conversation_id
    assert session["conversation"]["last_seq"] == 21
    ack = await back.emit("sync", {"last_seq": 1})

    assert ack["ok"], ack
    assert ack["more"] is False, ack
    assert ack["conversation"]["id"] == conversation_id
    replayed = ack["messages"]
    assert [m["seq"] for m in replayed] == list(range(2, 22))
    assert [m["text"] for m in replayed] == texts
    assert replayed == [a["message"] for a in acks]
    await back.nothing("message")
    # Caught up: nothing more to replay, and live delivery continues on the new connection.
    assert (await back.emit("sync", {"last_seq": 21}))["messages"] == []
    live = await agent.emit("message.send", send_payload("agent", conversation_id, "welcome back"))
    assert await back.recv("message") == live["message"]
    await back.nothing("message")


async def test_sender_socket_skipped_other_tabs_receive(any_server: Running) -> None:
    """A sender's own socket gets no echo; its other tabs and every other party get the message."""
    agent, tab1, conversation_id = await open_chat(any_server)
    tab2 = await any_server.visitor(tab1.token)
    assert session_of(tab2)["conversation"]["id"] == conversation_id
    console2 = any_server.peer("/agent")
    await console2.connect({"token": agent.token})

    from_visitor = await tab1.emit("message.send", send_payload("visitor", conversation_id, "from tab 1"))
    assert from_visitor["ok"], from_visitor
    assert await tab2.recv("message") == from_visitor["message"]
    assert await agent.recv("message") == from_visitor["message"]
    assert await console2.recv("message") == from_visitor["message"]

    from_agent = await agent.emit("message.send", send_payload("agent", conversation_id, "from console 1"))
    assert from_agent["ok"], from_agent
    assert await tab1.recv("message") == from_agent["message"]
    assert await tab2.recv("message") == from_agent["message"]
    assert await console2.recv("message") == from_agent["message"]

    for peer in (tab1, tab2, agent, console2):
        await peer.nothing("message")
    assert [m.seq for m in await stored(any_server, conversation_id)] == [1, 2, 3]


# --- 1c. private notes and sync pagination ---------------------------------------------------------


async def test_private_notes_reach_agents_only(any_server: Running) -> None:
    """A private note is in the agents' sync and events, never in the visitor's."""
    agent, visitor, conversation_id = await open_chat(any_server)
    console2 = any_server.peer("/agent")
    await console2.connect({"token": agent.token})

    note = await agent.emit(
        "message.send", {**send_payload("agent", conversation_id, "VIP customer"), "private": True}
    )
    assert note["ok"], note
    assert (note["message"]["seq"], note["message"]["type"], note["message"]["private"]) == (2, "note", True)
    assert await console2.recv("message") == note["message"]
    public = await agent.emit("message.send", send_payload("agent", conversation_id, "Hello Ada"))
    assert public["message"]["seq"] == 3

    assert await visitor.recv("message") == public["message"]
    await visitor.nothing("message")
    visitor_sync = await visitor.emit("sync", {"last_seq": 0})
    assert [m["seq"] for m in visitor_sync["messages"]] == [1, 3]
    assert not any(m["private"] for m in visitor_sync["messages"])
    assert visitor_sync["conversation"]["last_seq"] == 3
    agent_sync = await agent.emit("sync", {"conversation_id": conversation_id, "last_seq": 0})
    assert [m["seq"] for m in agent_sync["messages"]] == [1, 2, 3]
    assert agent_sync["messages"][1] == note["message"]
    # A second tab opened later does not get it either, neither live nor by replay.
    tab2 = await any_server.visitor(visitor.token)
    assert [m["seq"] for m in (await tab2.emit("sync", {"last_seq": 1}))["messages"]] == [3]
    await tab2.nothing("message")


async def insert_messages(server: Running, conversation_id: str, count: int, *, every_private: int) -> None:
    """Append ``count`` messages in one transaction (every ``every_private``-th one private)."""
    author = Author("agent", None, "Bulk")
    async with server.app[ENGINE].begin() as conn:
        for n in range(count):
            private = n % every_private == 0
            await append_in(
                conn,
                conv_int(conversation_id),
                author,
                f"bulk {n}",
                type="note" if private else "text",
                private=private,
                client_id=f"bulk-{n}",
            )


async def test_sync_pages_at_500(any_server: Running) -> None:
    """Over 500 missed messages: pages of 500 with ``more: true``, then the rest; exactly 500: no more."""
    agent, visitor, conversation_id = await open_chat(any_server)
    await insert_messages(any_server, conversation_id, 620, every_private=10)  # seqs 2..621
    everything = [m.seq for m in await stored(any_server, conversation_id)]
    public = [m.seq for m in await stored(any_server, conversation_id, include_private=False)]
    assert everything == list(range(1, 622))
    assert len(public) == 621 - 62

    first = await agent.emit("sync", {"conversation_id": conversation_id, "last_seq": 0})
    assert first["more"] is True
    assert [m["seq"] for m in first["messages"]] == list(range(1, 501))
    rest = await agent.emit("sync", {"conversation_id": conversation_id, "last_seq": 500})
    assert rest["more"] is False
    assert [m["seq"] for m in rest["messages"]] == list(range(501, 622))
    exactly = await agent.emit("sync", {"conversation_id": conversation_id, "last_seq": 121})
    assert exactly["more"] is False
    assert len(exactly["messages"]) == 500

    page1 = await visitor.emit("sync", {"last_seq": 0})
    assert page1["more"] is True
    assert [m["seq"] for m in page1["messages"]] == public[:500]
    page2 = await visitor.emit("sync", {"last_seq": page1["messages"][-1]["seq"]})
    assert page2["more"] is False
    assert [m["seq"] for m in page2["messages"]] == public[500:]
    assert not any(m["private"] for m in page1["messages"] + page2["messages"])


# --- 1d. gap-free sequence numbers under concurrency -------------------------------------------------


async def test_concurrent_senders_get_gap_free_ordered_seqs(any_server: Running) -> None:
    """30 sends from each side at once: stored seqs are exactly 1..61, each side's in its sending order.

    Each side hears the other's messages once each, in increasing seq order.
    """
    agent, visitor, conversation_id = await open_chat(any_server)
    from_visitor = [send_payload("visitor", conversation_id, f"visitor {n}") for n in range(30)]
    from_agent = [send_payload("agent", conversation_id, f"agent {n}") for n in range(30)]

    acks = await asyncio.gather(
        *(visitor.emit("message.send", p) for p in from_visitor),
        *(agent.emit("message.send", p) for p in from_agent),
    )

    assert all(ack["ok"] for ack in acks), [a for a in acks if not a["ok"]]
    visitor_acks, agent_acks = acks[:30], acks[30:]
    assert [a["message"]["text"] for a in visitor_acks] == [p["text"] for p in from_visitor]
    assert [a["message"]["text"] for a in agent_acks] == [p["text"] for p in from_agent]
    messages = await stored(any_server, conversation_id)
    assert [m.seq for m in messages] == list(range(1, 62))
    # Each connection's messages are stored in the order it sent them.
    for side in (visitor_acks, agent_acks):
        side_seqs = [a["message"]["seq"] for a in side]
        assert side_seqs == sorted(side_seqs), side_seqs
    assert sorted(a["message"]["seq"] for a in acks) == list(range(2, 62))
    by_seq = {m.seq: m for m in messages}
    for ack in acks:
        row = by_seq[ack["message"]["seq"]]
        assert (row.client_id, row.text) == (ack["message"]["client_id"], ack["message"]["text"])

    heard_by_agent = [await agent.recv("message") for _ in range(30)]
    heard_by_visitor = [await visitor.recv("message") for _ in range(30)]
    assert heard_by_agent == sorted((a["message"] for a in visitor_acks), key=lambda m: m["seq"])
    assert heard_by_visitor == sorted((a["message"] for a in agent_acks), key=lambda m: m["seq"])
    await agent.nothing("message")
    await visitor.nothing("message")
