"""The grace period (docs/protocol.md, "Routing"): a disconnected agent keeps their chats for a while,
then they go back to the front of the queue. The server's grace timers wait on the test's say-so."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from tests.chat.test_routing import db_assigned, db_queue, expect_assigned, ids, routed_chat, start_chat
from tests.conftest import Running, StartServer
from tests.peers import DEFAULT_TIMEOUT, Peer


@dataclass
class Timer:
    """One grace period the server is waiting out."""

    seconds: float
    due: asyncio.Future[None]
    task: asyncio.Task[Any]  # the server's task waiting for it

    async def expire(self) -> None:
        """End the period now (unless the server cancelled it), and return once the server has
        done all that follows: whatever it sent is on its way before anything sent after this."""
        if not self.due.done():
            self.due.set_result(None)
        await asyncio.wait([self.task])


class ManualTimers:
    """Stands in for ``asyncio.sleep`` in the server's grace timers: a period ends when the test
    expires it, however long it took to get there."""

    def __init__(self) -> None:
        self._started: asyncio.Queue[Timer] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        task = asyncio.current_task()
        assert task is not None
        due: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._started.put_nowait(Timer(seconds, due, task))
        await due

    async def started(self) -> Timer:
        """The next grace period the server starts."""
        return await asyncio.wait_for(self._started.get(), DEFAULT_TIMEOUT)

    def idle(self) -> bool:
        return self._started.empty()


async def start_with_timers(start_server: StartServer, grace: float) -> tuple[Running, ManualTimers]:
    server = await start_server(TANDEM_AGENT_GRACE_SECONDS=str(grace))
    timers = ManualTimers()
    server.chat.grace.sleep = timers.sleep
    return server, timers


async def test_vanished_agent_chats_go_back_to_the_front_of_the_queue(start_server: StartServer) -> None:
    """After the grace period a gone agent's chats are requeued ahead of those already waiting."""
    server, timers = await start_with_timers(start_server, grace=45)
    carol = await server.agent("Carol", capacity=1)
    await routed_chat(carol, server)  # Carol is full from now on
    alice = await server.agent("Alice", capacity=2)
    requeued_visitors: list[Peer] = []
    requeued: list[str] = []
    for _ in range(2):
        visitor, conv = await routed_chat(alice, server)
        requeued_visitors.append(visitor)
        requeued.append(conv)
    waiting_visitor = await server.visitor()
    waiting = (await start_chat(waiting_visitor))["id"]
    await carol.recv_until("queue.updated", lambda d: ids(d["queue"]) == [waiting])

    await alice.close()
    timer = await timers.started()
    assert timer.seconds == 45
    assert await db_assigned(server, alice) == requeued  # hers until the period ends
    await timer.expire()
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
    server, timers = await start_with_timers(start_server, grace=45)
    watcher = await server.agent("Walt", capacity=3, online=False)
    alice = await server.agent("Alice", capacity=3)
    visitors: list[Peer] = []
    convs: list[str] = []
    for _ in range(2):
        visitor, conv = await routed_chat(alice, server)
        visitors.append(visitor)
        convs.append(conv)

    # Let the watcher's view of the queue settle (the second chat waited briefly, then was routed).
    await watcher.recv_until("queue.updated", lambda d: convs[1] in ids(d["queue"]))
    await watcher.recv_until("queue.updated", lambda d: d["queue"] == [])
    settled = len(watcher.log)

    await alice.close()
    timer = await timers.started()
    again = server.peer("/agent")
    session = await again.connect({"token": alice.token})
    assert ids(session["conversations"]) == convs
    assert session["agent"]["load"] == 2

    await timer.expire()  # the original deadline passes
    assert timers.idle()  # and no other period started
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
