"""A visitor on one server chats with an agent on another, exactly as on one."""

from __future__ import annotations

import aiohttp
import redis.asyncio

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
