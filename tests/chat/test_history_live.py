"""Reopening a closed conversation, reading along (admins) and looking at a waiting one before
taking it (any agent), with real clients on one server and on two."""

from __future__ import annotations

from typing import Any

from tests.chat.test_access import client_id, start_chat
from tests.conftest import BOTH_LAYOUTS, PASSWORD, Running
from tests.peers import Peer, agent_of, login, routing_settled


async def visitor_says(visitor: Peer, text: str) -> dict[str, Any]:
    ack = await visitor.emit("message.send", {"client_id": client_id(), "text": text})
    assert ack["ok"], ack
    return dict(ack["message"])


async def error(agent: Peer, event: str, conv: str) -> str:
    ack = await agent.emit(event, {"conversation_id": conv})
    assert ack["ok"] is False, ack
    return str(ack["error"]["code"])


@BOTH_LAYOUTS
async def test_the_agent_who_reopens_a_chat_holds_it_and_the_visitor_is_told(server: Running) -> None:
    grace = await server.agent("Grace")
    visitor, conv = await start_chat(server, grace)
    assert (await grace.emit("conversation.close", {"conversation_id": conv}))["ok"]
    await visitor.recv_until("conversation.updated", lambda c: c["status"] == "closed")
    assert await error(grace, "conversation.reopen", "c_999") == "not_found"

    ack = await grace.emit("conversation.reopen", {"conversation_id": conv})
    assert ack["ok"], ack
    assert (ack["conversation"]["status"], ack["conversation"]["agent"]["name"]) == ("assigned", "Grace")
    assert ack["conversation"]["closed_at"] is None
    assigned = await grace.recv_until("conversation.assigned", lambda d: d["reason"] == "reopened")
    assert assigned["conversation"]["id"] == conv
    updated = await visitor.recv_until("conversation.updated", lambda c: c["status"] != "closed")
    assert updated == {
        "id": conv,
        "status": "assigned",
        "agent": {"name": "Grace"},
        "queue_position": None,
        "last_seq": 3,
    }
    event = await visitor.recv_until("message", lambda m: m["event"] == "reopened")
    assert (event["seq"], event["text"], event["private"]) == (3, "Grace reopened the chat", False)
    sent = await visitor_says(visitor, "Thanks for coming back")
    got = await grace.recv_until("message", lambda m: m["seq"] == sent["seq"])
    assert got["text"] == "Thanks for coming back"
    assert await error(grace, "conversation.reopen", conv) == "not_closed"


@BOTH_LAYOUTS
async def test_who_may_reopen_and_when(server: Running) -> None:
    grace = await server.agent("Grace", capacity=1)
    alan = await server.agent("Alan", online=False)
    boss = await server.agent("Boss", role="admin", online=False)
    visitor, conv = await start_chat(server, grace)
    assert (await grace.emit("conversation.close", {"conversation_id": conv}))["ok"]
    assert await error(alan, "conversation.reopen", conv) == "forbidden"
    _, other = await start_chat(server, grace, "Bea")
    assert await error(grace, "conversation.reopen", conv) == "over_capacity"
    assert (await grace.emit("conversation.close", {"conversation_id": other}))["ok"]
    # The visitor has started a new chat meanwhile: one open conversation per visitor.
    started = await visitor.emit("conversation.start", {"name": "Ada"})
    assert started["ok"], started
    ack = await boss.emit("conversation.reopen", {"conversation_id": conv})
    assert ack["error"] == {
        "code": "conflict",
        "message": f"The visitor is in another open conversation ({started['conversation']['id']})",
    }
    await grace.recv_until(
        "conversation.assigned", lambda d: d["conversation"]["id"] == started["conversation"]["id"]
    )
    assert (await grace.emit("conversation.close", {"conversation_id": started["conversation"]["id"]}))["ok"]
    # An admin may reopen anyone's chat, and then holds it.
    ack = await boss.emit("conversation.reopen", {"conversation_id": conv})
    assert ack["ok"], ack
    assert ack["conversation"]["agent"]["id"] == agent_of(boss)["id"]


@BOTH_LAYOUTS
async def test_an_admin_reads_along_without_taking_and_the_visitor_is_not_told(server: Running) -> None:
    grace = await server.agent("Grace")
    boss = await server.agent("Boss", role="admin", online=False)
    visitor, conv = await start_chat(server, grace)
    watched = await boss.emit("conversation.watch", {"conversation_id": conv})
    assert watched["ok"], watched
    assert watched["conversation"]["agent"]["name"] == "Grace"
    visitor.drain("message")
    visitor.drain("conversation.updated")

    asked = await visitor_says(visitor, "Is my order late?")
    note = {"conversation_id": conv, "client_id": client_id(), "text": "Checking the depot", "private": True}
    assert (await grace.emit("message.send", note))["ok"]
    heard = [await boss.recv("message"), await boss.recv("message")]
    assert [(m["seq"], m["text"], m["private"]) for m in heard] == [
        (asked["seq"], "Is my order late?", False),
        (asked["seq"] + 1, "Checking the depot", True),
    ]
    # Nobody was assigned: Grace still holds it, Boss holds nothing; the visitor heard nothing.
    me = await boss.emit("status.set", {"status": "offline"})
    assert me["agent"]["load"] == 0
    state = await grace.emit("sync", {"conversation_id": conv, "last_seq": 0})
    assert state["conversation"]["agent"]["name"] == "Grace"
    await visitor.nothing("conversation.updated")
    await visitor.nothing("message")
    assert [
        e for e, _ in visitor.log if e not in ("session", "conversation.updated", "message", "typing")
    ] == []

    assert (await boss.emit("conversation.unwatch", {"conversation_id": conv}))["ok"]
    await visitor_says(visitor, "Hello?")
    await grace.recv_until("message", lambda m: m["text"] == "Hello?")
    await boss.nothing("message")


@BOTH_LAYOUTS
async def test_an_agent_previews_a_waiting_chat_until_it_stops_waiting(server: Running) -> None:
    alan = await server.agent("Alan", online=False)
    grace = await server.agent("Grace", online=False)
    visitor = await server.visitor()
    started = await visitor.emit("conversation.start", {"name": "Ada"})
    conv = started["conversation"]["id"]
    await visitor_says(visitor, "Anyone there?")
    ack = await alan.emit("conversation.watch", {"conversation_id": conv})
    assert ack["ok"], ack
    assert ack["conversation"]["status"] == "queued"
    sync = await alan.emit("sync", {"conversation_id": conv, "last_seq": 0})
    assert [m["text"] for m in sync["messages"]] == ["Anyone there?"]
    said = await visitor_says(visitor, "Hello??")
    heard = await alan.recv("message")
    assert (heard["seq"], heard["text"]) == (said["seq"], "Hello??")

    assert (await grace.emit("status.set", {"status": "online"}))["ok"]  # routed to her
    await grace.recv_until("conversation.assigned", lambda d: d["conversation"]["id"] == conv)
    taken = await alan.recv("message")
    assert (taken["event"], taken["text"]) == ("assigned", "Grace joined the chat")
    await visitor_says(visitor, "Ah, hi Grace")
    await grace.recv_until("message", lambda m: m["text"] == "Ah, hi Grace")
    await alan.nothing("message")  # no longer his to read
    assert await error(alan, "conversation.watch", conv) == "forbidden"


async def test_a_watch_that_loses_the_race_with_an_assignment_is_refused(server: Running) -> None:
    """The conversation is assigned between the access check and entering the room: the second
    look (after entering) refuses, and the agent is out of the room again."""
    alan = await server.agent("Alan", online=False)
    grace = await server.agent("Grace", online=False)
    visitor = await server.visitor()
    conv = (await visitor.emit("conversation.start", {"name": "Ada"}))["conversation"]["id"]
    router = server.chat.router
    stores = server.chat.stores
    grace_agent = await stores.agents.get(int(agent_of(grace)["id"][2:]))
    assert grace_agent is not None
    real_get = stores.conversations.get
    calls = 0

    async def get_then_assign(conversation_id: int) -> Any:
        nonlocal calls
        calls += 1
        found = await real_get(conversation_id)
        if calls == 1:
            await router.take(grace_agent, conversation_id)  # as Alan is let in
        return found

    stores.conversations.get = get_then_assign  # type: ignore[method-assign]
    try:
        assert await error(alan, "conversation.watch", conv) == "not_queued"
    finally:
        stores.conversations.get = real_get  # type: ignore[method-assign]
    await visitor_says(visitor, "Still here")
    await grace.recv_until("message", lambda m: m["text"] == "Still here")
    await routing_settled(alan)
    await alan.nothing("message")


@BOTH_LAYOUTS
async def test_an_observer_connection_reads_but_is_not_the_agent_at_work(server: Running) -> None:
    """A page that reads along connects with ``observe``: the agent does not count as connected
    (no chat is routed to them), it may read and watch, not act, and hears queue news."""
    boss_info = await server.add_agent("Boss", role="admin")
    _, token = await login(server.url, boss_info["email"], PASSWORD)
    observer = server.peer("/agent")
    await observer.connect({"token": token, "observe": True}, wait_session=False)
    grace = await server.agent("Grace", capacity=1)
    visitor, conv = await start_chat(server, grace)
    waiting = await server.visitor()
    queued = (await waiting.emit("conversation.start", {"name": "Bea"}))["conversation"]["id"]
    news = await observer.recv_until("queue.updated", lambda d: [c["id"] for c in d["queue"]] == [queued])
    assert news["queue"][0]["visitor"]["name"] == "Bea"

    assert (await observer.emit("conversation.watch", {"conversation_id": conv}))["ok"]
    said = await visitor_says(visitor, "Watched?")
    assert (await observer.recv_until("message", lambda m: m["seq"] == said["seq"]))["text"] == "Watched?"
    assert (await observer.emit("sync", {"conversation_id": conv, "last_seq": 0}))["ok"]
    for event, data in [
        ("status.set", {"status": "online"}),
        ("conversation.take", {"conversation_id": queued}),
        ("message.send", {"conversation_id": conv, "client_id": client_id(), "text": "hi"}),
    ]:
        ack = await observer.emit(event, data)
        assert ack["error"] == {
            "code": "forbidden",
            "message": "This connection only reads: act from the console",
        }
    team = await grace.emit("status.set", {"status": "online"})
    assert team["ok"]
    boss = await server.chat.stores.agents.get(int(boss_info["id"][2:]))
    assert boss is not None
    assert not await server.chat.presence.is_connected(boss.id)
