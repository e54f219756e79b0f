"""A visitor on one server chats with an agent on another, exactly as on one."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import pytest
import redis.asyncio

from server.app import SIO
from server.cluster.fanout import EACH_NS, SIGNALS_NS
from tests.conftest import PASSWORD, Running
from tests.peers import agent_of, exchange, login, start_chat_with


async def test_a_chat_across_two_servers(two_servers: tuple[Running, Running]) -> None:
    a, b = two_servers
    agent = await b.agent("Grace")
    visitor = await a.visitor()
    conversation_id = await start_chat_with(agent, visitor)
    await exchange(agent, visitor, conversation_id, "where is my card?", "on its way")


async def test_disabling_an_agent_closes_their_sockets_on_every_server(
    two_servers: tuple[Running, Running],
) -> None:
    a, b = two_servers
    await a.add_agent("Root", role="admin")
    _, admin_token = await login(a.url, "root@example.com", PASSWORD)
    agent = await b.agent("Grace")
    agent_id = agent_of(agent)["id"]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin_token}"}) as http:
        async with http.patch(f"{a.url}/api/admin/agents/{agent_id}", json={"disabled": True}) as r:
            assert r.status == 200, await r.text()
    await agent.disconnected()


async def test_both_servers_report_redis(two_servers: tuple[Running, Running]) -> None:
    for server in two_servers:
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/healthz") as r:
            assert (r.status, await r.json()) == (
                200,
                {"status": "ok", "database": "ok", "redis": "ok", "fanout": "ok"},
            )


async def test_a_dropped_subscription_makes_every_client_resync(two_servers: tuple[Running, Running]) -> None:
    """Redis pub/sub is at-most-once: after the subscription drops and comes back, what was
    published meanwhile is gone, so each server's clients are told to ``resync``."""
    a, b = two_servers
    on_a, on_b = await a.visitor(), await b.visitor()
    client = redis.asyncio.Redis.from_url(a.settings.redis_url or "")
    try:
        killed = await client.client_kill_filter(_type="pubsub")
        assert killed >= 2  # both servers' subscriptions
    finally:
        await client.aclose()
    for peer in (on_a, on_b):
        assert await peer.recv("resync", timeout=10) == {}


async def test_a_chat_message_is_one_publish_for_its_agent_and_its_visitor(
    two_servers: tuple[Running, Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    """emit_each (server/chat/emits.py): the message for the agent's room and the visitor's room
    goes to Redis as one PUBLISH, and each side still gets it once."""
    a, b = two_servers
    agent = await b.agent("Grace")
    visitor = await a.visitor()
    conversation_id = await start_chat_with(agent, visitor)
    await visitor.fence()
    visitor.drain("message")  # what the chat's start brought
    manager = a.app[SIO].manager
    published: list[dict[str, Any]] = []
    publish = manager._publish

    async def recording(data: dict[str, Any]) -> Any:
        published.append(data)
        return await publish(data)

    monkeypatch.setattr(manager, "_publish", recording)
    client_id = str(uuid.uuid4())
    ack = await visitor.emit("message.send", {"client_id": client_id, "text": "hello"})
    assert ack["ok"], ack
    heard = await agent.recv_until("message", lambda m: m["client_id"] is not None)
    assert heard == ack["message"]
    monkeypatch.undo()
    await visitor.nothing("message")  # the sender's own socket is skipped, as on one process
    emits = [p for p in published if p.get("method") == "emit" and p.get("namespace") != SIGNALS_NS]
    each = [[(m["namespace"], m["event"]) for m in p["data"]] for p in emits if p["namespace"] == EACH_NS]
    assert each == [[("/agent", "message"), ("/visitor", "message")]]
    assert [p for p in emits if p["namespace"] != EACH_NS and p["event"] == "message"] == []
    assert conversation_id == ack["message"]["conversation_id"]
