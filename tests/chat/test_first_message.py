"""The visitor's first message goes with ``conversation.start`` and is stored before any agent is
routed to the chat: the stream reads "message, then X joined", in the order it happened."""

from __future__ import annotations

from tests.chat.test_routing import expect_assigned
from tests.conftest import BOTH_LAYOUTS, Running
from tests.peers import routing_settled

pytestmark = BOTH_LAYOUTS

FIRST = {"client_id": "11111111-1111-4111-8111-111111111111", "text": "Hello, where is my card?"}


async def test_the_first_message_comes_before_the_agent_joins(server: Running) -> None:
    grace = await server.agent("Grace")
    visitor = await server.visitor()
    ack = await visitor.emit("conversation.start", {"name": "Ada", "message": FIRST})
    assert ack["ok"], ack
    conv = ack["conversation"]["id"]
    assert (ack["message"]["seq"], ack["message"]["text"]) == (1, FIRST["text"])
    assert ack["message"]["author"]["type"] == "visitor"
    await expect_assigned(grace, conv, "routed")

    joined = await visitor.recv_until("message", lambda m: m["event"] == "assigned")
    assert (joined["seq"], joined["text"]) == (2, "Grace joined the chat")
    synced = await grace.emit("sync", {"conversation_id": conv, "last_seq": 0})
    assert [(m["seq"], m["type"], m["text"]) for m in synced["messages"]] == [
        (1, "text", FIRST["text"]),
        (2, "event", "Grace joined the chat"),
    ]

    # A retry of the start (its ack was lost) stores nothing new.
    again = await visitor.emit("conversation.start", {"name": "Ada", "message": FIRST})
    assert again["ok"], again
    assert again["conversation"]["id"] == conv
    assert again["message"] == ack["message"]
    await routing_settled(grace)
    assert [
        m.seq
        for m in await server.chat.stores.messages.since(int(conv[2:]), 0, include_private=True, limit=10)
    ] == [1, 2]


async def test_a_bad_first_message_starts_nothing(server: Running) -> None:
    visitor = await server.visitor()
    for bad, code in (
        ({"client_id": "nope", "text": "hi"}, "bad_request"),
        ({"client_id": FIRST["client_id"], "text": "   "}, "bad_request"),
        ({"client_id": FIRST["client_id"], "text": "x" * 5000}, "too_long"),
        ("hello", "bad_request"),
    ):
        ack = await visitor.emit("conversation.start", {"message": bad})
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] == code, (bad, ack)
    assert await server.chat.stores.conversations.queued() == []
