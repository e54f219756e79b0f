"""The grace period (docs/protocol.md, "Routing"): a disconnected agent keeps their chats for a while,
then they go back to the front of the queue. The server's grace periods run on the test's clock, and
the test sweeps them when it says."""

from __future__ import annotations

import asyncio
import time

from tests.chat.test_routing import (
    db_assigned,
    db_queue,
    expect_assigned,
    ids,
    routed_chat,
    routed_chats,
    start_chat,
)
from tests.conftest import Running, StartServer
from tests.peers import DEFAULT_TIMEOUT, Peer, agent_of


class Clock:
    """Wall-clock time that moves only when the test says (the server's grace periods read it)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def start_with_clock(start_server: StartServer, grace: float) -> tuple[Running, Clock]:
    server = await start_server(TANDEM_AGENT_GRACE_SECONDS=str(grace))
    clock = Clock()
    server.chat.grace.clock = clock
    return server, clock


async def grace_started(server: Running, agent: Peer) -> float:
    """The deadline the server recorded once the agent's last socket closed."""
    agent_id = int(agent_of(agent)["id"][2:])
    deadline = asyncio.get_running_loop().time() + DEFAULT_TIMEOUT
    while (recorded := await server.chat.grace.deadline(agent_id)) is None:
        assert asyncio.get_running_loop().time() < deadline, "no grace period started"
        await asyncio.sleep(0.01)
    return recorded


async def test_vanished_agent_chats_go_back_to_the_front_of_the_queue(start_server: StartServer) -> None:
    """After the grace period a gone agent's chats are requeued ahead of those already waiting."""
    server, clock = await start_with_clock(start_server, grace=45)
    carol = await server.agent("Carol", capacity=1)
    await routed_chat(carol, server)  # Carol is full from now on
    alice = await server.agent("Alice", capacity=2)
    requeued_visitors, requeued = await routed_chats(alice, server, 2)
    waiting_visitor = await server.visitor()
    waiting = (await start_chat(waiting_visitor))["id"]
    await carol.recv_until("queue.updated", lambda d: ids(d["queue"]) == [waiting])

    await alice.close()
    assert await grace_started(server, alice) == clock.now + 45
    clock.now += 44.9
    assert await server.chat.grace.sweep() == []
    assert await db_assigned(server, alice) == requeued  # hers until the period ends
    clock.now += 0.1
    assert await server.chat.grace.sweep() == [int(agent_of(alice)["id"][2:])]
    update = await carol.recv_until("queue.updated", lambda d: len(d["queue"]) == 3)
    assert ids(update["queue"]) == [*requeued, waiting]
    assert all(c["status"] == "queued" and c["agent"] is None for c in update["queue"])
    assert await db_queue(server) == [*requeued, waiting]
    assert await db_assigned(server, alice) == []
    await carol.nothing("conversation.assigned")  # the requeue's routing pass found Carol full

    # Each visitor is told their chat waits again, and where.
    for position, (visitor, conv) in enumerate(zip(requeued_visitors, requeued, strict=True), start=1):
        assert await visitor.recv("conversation.updated") == {
            "id": conv,
            "status": "queued",
            "agent": None,
            "queue_position": position,
            "last_seq": 2,
        }
    moved = await waiting_visitor.recv("conversation.updated")
    assert (moved["id"], moved["status"], moved["queue_position"]) == (waiting, "queued", 3)
    for visitor in (*requeued_visitors, waiting_visitor):
        await visitor.fence()
        assert all(not m["private"] for m in visitor.drain("message"))

    # The requeued chats really are first: freeing Carol serves the first of them.
    carol_chat = (await db_assigned(server, carol))[0]
    assert (await carol.emit("conversation.close", {"conversation_id": carol_chat}))["ok"]
    await expect_assigned(carol, requeued[0], "routed")
    assert await db_queue(server) == [requeued[1], waiting]


async def test_agent_back_within_the_grace_keeps_their_chats(start_server: StartServer) -> None:
    """Reconnecting before the grace period ends cancels the requeue: nothing moves."""
    server, clock = await start_with_clock(start_server, grace=45)
    watcher = await server.agent("Walt", capacity=3, online=False)
    alice = await server.agent("Alice", capacity=3)
    visitors, convs = await routed_chats(alice, server, 2)

    # Let the watcher's view of the queue settle (the second chat waited briefly, then was routed).
    await watcher.recv_until("queue.updated", lambda d: convs[1] in ids(d["queue"]))
    await watcher.recv_until("queue.updated", lambda d: d["queue"] == [])
    settled = len(watcher.log)

    await alice.close()
    started = await grace_started(server, alice)
    again = server.peer("/agent")
    session = await again.connect({"token": alice.token})
    assert ids(session["conversations"]) == convs
    assert session["agent"]["load"] == 2

    assert await server.chat.grace.deadline(int(agent_of(alice)["id"][2:])) is None  # ended
    clock.now = started + 1  # the original deadline passes
    assert await server.chat.grace.sweep() == []
    await again.nothing("conversation.removed")
    assert await db_assigned(server, alice) == convs
    assert await db_queue(server) == []
    await watcher.fence()
    assert all(d["queue"] == [] for e, d in watcher.log[settled:] if e == "queue.updated")
    for visitor in visitors:
        await visitor.nothing("conversation.updated")
    ack = await again.emit("status.set", {"status": "online"})
    assert ack["agent"]["load"] == 2, ack
    assert ack["agent"]["connected"] is True, ack


async def test_a_period_started_while_presence_was_blank_ends_when_the_agent_shows(
    start_server: StartServer,
) -> None:
    """After Redis restarts, presence is blank until each process renews its sockets: a sweep then
    starts a period for agents who never left. The next sweep that finds them present ends it, so a
    later absence (their process paused, with no disconnect anywhere) gets a whole period of its own."""
    server, clock = await start_with_clock(start_server, grace=45)
    alice = await server.agent("Alice")
    _, conv = await routed_chat(alice, server)
    agent_id = int(agent_of(alice)["id"][2:])
    await server.chat.stores.absences.start_unless_running(agent_id, clock.now + 45)  # the blank moment
    clock.now += 10
    assert await server.chat.grace.sweep() == []
    assert await server.chat.grace.deadline(agent_id) is None  # she is here: ended

    # Her socket expires from presence without a disconnect (as when her process is paused).
    sid = alice.sio.get_sid("/agent")
    assert sid is not None
    await server.chat.presence.disconnect(agent_id, sid)
    assert await server.chat.grace.sweep() == []
    assert await server.chat.grace.deadline(agent_id) == clock.now + 45  # a whole period from now
    clock.now += 40  # past the deadline of the blank moment, within her own
    assert await server.chat.grace.sweep() == []
    assert await db_assigned(server, alice) == [conv]
