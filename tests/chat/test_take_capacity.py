"""Take at capacity: refused for agents; an admin may take over capacity, and the conversation
records it (a private ``over_capacity`` event before the join)."""

from __future__ import annotations

from tests.chat.test_routing import db_assigned, expect_assigned, routed_chat, start_chat
from tests.conftest import BOTH_LAYOUTS, Running
from tests.peers import routing_settled

pytestmark = BOTH_LAYOUTS


async def test_an_agent_at_capacity_cannot_take(server: Running) -> None:
    grace = await server.agent("Grace", capacity=1)
    await routed_chat(grace, server)
    waiting = (await start_chat(await server.visitor()))["id"]
    await routing_settled(grace)
    ack = await grace.emit("conversation.take", {"conversation_id": waiting})
    assert ack == {"ok": False, "error": {"code": "over_capacity", "message": "You are at your capacity"}}
    ack = await grace.emit("conversation.take", {"conversation_id": waiting, "over_capacity": True})
    assert ack["error"]["code"] == "forbidden", ack
    ack = await grace.emit("conversation.take", {"conversation_id": waiting, "over_capacity": "yes"})
    assert ack["error"]["code"] == "bad_request", ack
    assert len(await db_assigned(server, grace)) == 1


async def test_an_admin_may_take_over_capacity_and_it_is_recorded(server: Running) -> None:
    boss = await server.agent("Boss", capacity=1, role="admin")
    await routed_chat(boss, server)
    visitor = await server.visitor()
    waiting = (await start_chat(visitor))["id"]
    await routing_settled(boss)
    refused = await boss.emit("conversation.take", {"conversation_id": waiting})
    assert refused["error"]["code"] == "over_capacity", refused  # only when asked for

    ack = await boss.emit("conversation.take", {"conversation_id": waiting, "over_capacity": True})
    assert ack["ok"], ack
    await expect_assigned(boss, waiting, "taken")
    assert len(await db_assigned(server, boss)) == 2
    synced = await boss.emit("sync", {"conversation_id": waiting, "last_seq": 0})
    assert [(m["event"], m["private"], m["text"]) for m in synced["messages"]] == [
        ("over_capacity", True, "Boss took the chat over their capacity (2 chats, capacity 1)"),
        ("assigned", False, "Boss joined the chat"),
    ]
    seen = await visitor.emit("sync", {"last_seq": 0})
    assert [m["event"] for m in seen["messages"]] == ["assigned"]  # the record is for agents
