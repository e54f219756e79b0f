"""An agent who sets their status to offline, or stays away too long, hands their open chats back
to the front of the queue once their period is over, and the visitor is told (a public system
message). The server's grace periods run on the test's clock; the test sweeps when it says."""

from __future__ import annotations

from typing import Any

from tests.chat.test_grace import Clock
from tests.chat.test_routing import db_assigned, db_queue, expect_assigned, ids, routed_chat, start_chat
from tests.conftest import BOTH_LAYOUTS, Running, StartServer
from tests.peers import Peer, agent_of, routing_settled

pytestmark = BOTH_LAYOUTS

HANDED_BACK = "{} is no longer available; the chat is back in the queue for the next available agent"


async def start_with_clock(start_server: StartServer) -> tuple[Running, Clock]:
    server = await start_server(TANDEM_AGENT_GRACE_SECONDS="45", TANDEM_AGENT_AWAY_SECONDS="120")
    clock = Clock()
    for chat in server.chats:  # every process sweeps, each on the same clock
        chat.grace.clock = clock
    return server, clock


async def alice_in_a_chat(start_server: StartServer) -> tuple[Running, Clock, Peer, Peer, str]:
    """A server on the test's clock, and Alice online in a chat routed to her."""
    server, clock = await start_with_clock(start_server)
    alice = await server.agent("Alice")
    visitor, conv = await routed_chat(alice, server)
    return server, clock, alice, visitor, conv


async def sweep_at(server: Running, clock: Clock, at: float, agent: Peer) -> None:
    """Move the clock to ``at`` and sweep; then every event of the sweep has reached ``agent``."""
    clock.now = at
    await server.chat.grace.sweep()
    await routing_settled(agent)


async def expect_handed_back(visitor: Peer, conv: str, name: str, seq: int, place: int) -> None:
    """The visitor hears that the chat waits again, and where, then reads why."""
    updated = await visitor.recv_until("conversation.updated", lambda d: d["status"] == "queued")
    assert updated == {
        "id": conv,
        "status": "queued",
        "agent": None,
        "queue_position": place,
        "last_seq": seq,
    }
    message: dict[str, Any] = await visitor.recv_until("message", lambda m: m["seq"] == seq)
    assert (message["type"], message["event"], message["private"]) == ("event", "requeued", False)
    assert message["author"] == {"type": "system", "id": None, "name": None}
    assert message["text"] == HANDED_BACK.format(name)


async def test_going_offline_hands_chats_back_to_the_front_after_the_grace(start_server: StartServer) -> None:
    server, clock = await start_with_clock(start_server)
    watcher = await server.agent("Walt", online=False)
    alice = await server.agent("Alice", capacity=1)
    visitor, conv = await routed_chat(alice, server)
    waiting_visitor = await server.visitor()
    waiting = (await start_chat(waiting_visitor))["id"]  # Alice is full: it waits
    await watcher.recv_until("queue.updated", lambda d: ids(d["queue"]) == [waiting])

    said = clock.now
    assert (await alice.emit("status.set", {"status": "offline"}))["ok"]
    await sweep_at(server, clock, said + 44.9, alice)
    assert await db_assigned(server, alice) == [conv]  # hers until the grace is over
    await visitor.nothing("conversation.updated")

    await sweep_at(server, clock, said + 45, alice)
    removed = await alice.recv("conversation.removed")
    assert removed == {"conversation_id": conv, "reason": "requeued"}
    assert await db_assigned(server, alice) == []
    assert await db_queue(server) == [conv, waiting]  # front first
    await expect_handed_back(visitor, conv, "Alice", seq=2, place=1)

    # The next agent online gets the handed-back chat first.
    bob = await server.agent("Bob", capacity=1)
    await expect_assigned(bob, conv, "routed")
    assert await db_queue(server) == [waiting]


async def test_away_hands_chats_back_after_the_away_period(start_server: StartServer) -> None:
    server, clock, alice, visitor, conv = await alice_in_a_chat(start_server)

    said = clock.now
    assert (await alice.emit("status.set", {"status": "away"}))["ok"]
    await sweep_at(server, clock, said + 119, alice)  # past the grace, within the away period
    assert await db_assigned(server, alice) == [conv]
    await visitor.nothing("conversation.updated")

    await sweep_at(server, clock, said + 120, alice)
    assert await alice.recv("conversation.removed") == {"conversation_id": conv, "reason": "requeued"}
    await expect_handed_back(visitor, conv, "Alice", seq=2, place=1)
    agent_id = int(agent_of(alice)["id"][2:])
    assert await server.chat.grace.deadline(agent_id) is None


async def test_online_again_in_time_keeps_the_chats(start_server: StartServer) -> None:
    server, clock, alice, visitor, conv = await alice_in_a_chat(start_server)

    said = clock.now
    assert (await alice.emit("status.set", {"status": "offline"}))["ok"]
    assert (await alice.emit("status.set", {"status": "online"}))["ok"]
    await sweep_at(server, clock, said + 1000, alice)
    await alice.nothing("conversation.removed")
    await visitor.nothing("conversation.updated")
    assert await db_assigned(server, alice) == [conv]


async def test_offline_agent_who_reconnects_still_hands_back(start_server: StartServer) -> None:
    """A reload of the console does not reset the period of an agent who said they are offline."""
    server, clock, alice, visitor, conv = await alice_in_a_chat(start_server)
    said = clock.now
    assert (await alice.emit("status.set", {"status": "offline"}))["ok"]
    await alice.close()
    again = server.peer("/agent")
    await again.connect({"token": alice.token})
    await sweep_at(server, clock, said + 45, again)
    assert await again.recv("conversation.removed") == {"conversation_id": conv, "reason": "requeued"}
    await expect_handed_back(visitor, conv, "Alice", seq=2, place=1)
