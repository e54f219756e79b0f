"""MessageStore.append's paths, on SQLite and PostgreSQL: new, retried, closed, first response."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from server.store.messages import ConversationClosed
from server.store.models import Author
from tests.conftest import Running

VISITOR = Author("visitor", 1, "Ada")


async def _conversation(server: Running) -> tuple[int, Author]:
    stores = server.chat.stores
    visitor = await stores.visitors.create("127.0.0.1", None)
    conv = await stores.conversations.create(visitor.id, "127.0.0.1")
    agent = await stores.agents.add("grace@example.com", "Grace", "correct horse", capacity=3)
    assert await stores.conversations.assign(conv.id, agent) is not None
    return conv.id, Author("agent", agent.id, agent.name)


async def test_a_new_message_comes_back_with_the_conversation_it_left(any_server: Running) -> None:
    conv_id, _ = await _conversation(any_server)
    messages = any_server.chat.stores.messages
    appended = await messages.append(conv_id, VISITOR, "hello", client_id="a")
    assert appended.created
    assert appended.conversation is not None
    assert appended.conversation.last_seq == appended.message.seq == 2  # 1 is "Grace joined"
    assert appended.conversation.status == "assigned"
    stored = await any_server.chat.stores.conversations.get(conv_id)
    assert stored == appended.conversation


async def test_a_retry_returns_the_stored_message_and_allocates_nothing(any_server: Running) -> None:
    conv_id, _ = await _conversation(any_server)
    messages = any_server.chat.stores.messages
    first = await messages.append(conv_id, VISITOR, "hello", client_id="a")
    again = await messages.append(conv_id, VISITOR, "hello", client_id="a")
    assert not again.created
    assert again.conversation is None
    assert again.message == first.message
    after = await messages.append(conv_id, VISITOR, "next", client_id="b")
    assert after.message.seq == first.message.seq + 1, "the retry's increment was rolled back"


async def test_a_closed_conversation_refuses_new_messages_but_acks_retries(any_server: Running) -> None:
    conv_id, agent = await _conversation(any_server)
    stores = any_server.chat.stores
    first = await stores.messages.append(conv_id, agent, "bye", client_id="a")
    assert await stores.conversations.close(conv_id, agent) is not None
    again = await stores.messages.append(conv_id, agent, "bye", client_id="a")
    assert not again.created
    assert again.message == first.message
    with pytest.raises(ConversationClosed):
        await stores.messages.append(conv_id, agent, "one more", client_id="b")


async def test_first_response_is_the_agents_first_public_message(any_server: Running) -> None:
    conv_id, agent = await _conversation(any_server)
    stores = any_server.chat.stores
    await stores.messages.append(conv_id, VISITOR, "hello", client_id="v1")
    note = await stores.messages.append(conv_id, agent, "a note", client_id="n1", private=True)
    assert note.conversation is not None
    assert note.conversation.first_response_at is None
    reply = await stores.messages.append(conv_id, agent, "hi", client_id="a1")
    assert reply.conversation is not None
    assert reply.conversation.first_response_at == reply.message.created_at
    later = await stores.messages.append(conv_id, agent, "more", client_id="a2")
    assert later.conversation is not None
    assert later.conversation.first_response_at == reply.message.created_at


async def test_one_agent_socket_keeps_each_conversations_order(any_server: Running) -> None:
    """An agent in two chats sends 20 to each at once, interleaved: within each conversation the
    messages are stored in the order the socket sent them (the send-order lock is per chat)."""
    agent = await any_server.agent("Grace")
    conversation_ids = []
    for name in ("Ada", "Bea"):
        visitor = await any_server.visitor()
        ack = await visitor.emit("conversation.start", {"name": name})
        conversation_ids.append(ack["conversation"]["id"])
        await agent.recv("conversation.assigned")
    payloads = [
        {"conversation_id": conversation_ids[n % 2], "client_id": str(uuid.uuid4()), "text": f"{n}"}
        for n in range(40)
    ]
    acks = await asyncio.gather(*(agent.emit("message.send", p) for p in payloads))
    assert all(a["ok"] for a in acks), acks
    for conversation_id in conversation_ids:
        mine = [a["message"] for a in acks if a["message"]["conversation_id"] == conversation_id]
        assert [m["seq"] for m in mine] == list(range(2, 22))
        assert [int(m["text"]) for m in mine] == sorted(int(m["text"]) for m in mine)
