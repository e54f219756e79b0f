"""The live-state interfaces (server/chat/live.py) and their implementations: the same assertions
against the in-process one and the Redis/PostgreSQL one (server/cluster/)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
import redis.asyncio
import socketio
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db.engine import open_engine
from common.settings import database_url
from server.chat.locks import LocalRoutingLock
from server.chat.presence import LocalPresence, Presence
from server.chat.queue_places import LocalQueuePlaces, QueuePlaces
from server.chat.signals import Dispatch, LocalSignals, Signals
from server.cluster.fanout import ClusterManager, RedisSignals
from server.cluster.presence import RedisPresence, RedisQueuePlaces
from server.cluster.processes import ProcessRoll
from server.cluster.routing_lock import AdvisoryRoutingLock
from tests.conftest import REDIS_URL, fresh_postgres, service_missing
from tests.peers import DEFAULT_TIMEOUT


async def _redis() -> redis.asyncio.Redis:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as error:
        service_missing("Redis", error)
    return client


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


# --- presence -----------------------------------------------------------------------------------

Processes = Callable[[str], Presence]  # a process name -> that process's presence


@pytest.fixture(params=["local", "redis"])
async def processes(request: pytest.FixtureRequest) -> AsyncIterator[Processes]:
    """Presences of processes sharing one view (in process: the one presence there is)."""
    if request.param == "local":
        one = LocalPresence()
        yield lambda _name: one
        return
    client = await _redis()
    prefix = f"tandem-test:{uuid.uuid4().hex[:8]}"
    try:
        yield lambda name: RedisPresence(client, name, prefix)
    finally:
        keys = [k async for k in client.scan_iter(f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_sockets_are_counted_per_agent(processes: Processes) -> None:
    presence, elsewhere = processes("p1"), processes("p2")
    assert await presence.connect(7, "s1") is True  # the agent's first socket
    assert await elsewhere.connect(7, "s2") is False
    assert await presence.connect(8, "s3") is True
    assert await elsewhere.connected() == {7, 8}
    assert await elsewhere.is_connected(7) is True
    assert await presence.disconnect(7, "s1") is False  # s2 is still open
    assert await presence.is_connected(7) is True
    assert await elsewhere.disconnect(7, "s2") is True  # the last one
    assert await presence.connected() == {8}
    assert await elsewhere.is_connected(7) is False


async def test_idle_since_orders_agents_by_their_last_chat(processes: Processes) -> None:
    presence, elsewhere = processes("p1"), processes("p2")
    for agent_id, sid in ((1, "a"), (2, "b"), (3, "c")):
        await presence.connect(agent_id, sid)
    await presence.mark_assigned(1)
    await elsewhere.mark_assigned(2)
    idle = await elsewhere.idle_since([1, 2, 3, 4])
    assert idle[3] <= idle[1] <= idle[2]
    assert idle[4] == 0.0  # never connected: idle the longest


async def test_sockets_of_a_process_that_stops_renewing_expire() -> None:
    client = await _redis()
    prefix, clock = f"tandem-test:{uuid.uuid4().hex[:8]}", Clock()
    dead = RedisPresence(client, "dead", prefix, ttl=15, clock=clock)
    alive = RedisPresence(client, "alive", prefix, ttl=15, clock=clock)
    try:
        await dead.connect(1, "s1")
        await alive.connect(2, "s2")
        clock.now += 10
        await alive.heartbeat()  # "dead" renews nothing from now on
        clock.now += 10
        assert await alive.connected() == {2}
        assert await alive.is_connected(1) is False
        assert await alive.connect(1, "s3") is True  # back on a living process: a first socket
    finally:
        await client.delete(*[k async for k in client.scan_iter(f"{prefix}:*")])
        await client.aclose()


# --- the routing lock ---------------------------------------------------------------------------

Locks = list[Callable[[], AbstractAsyncContextManager[None]]]


@pytest.fixture(params=["local", "postgres"])
async def locks(request: pytest.FixtureRequest) -> AsyncIterator[Locks]:
    """The routing lock as three processes hold it."""
    if request.param == "local":
        one = LocalRoutingLock()
        yield [one, one, one]
        return
    async with fresh_postgres() as settings:
        url = database_url(settings, Path("unused: the URL names the database"))
        engines: list[AsyncEngine] = [open_engine(url) for _ in range(3)]
        try:
            yield [AdvisoryRoutingLock(engine) for engine in engines]
        finally:
            for engine in engines:
                await engine.dispose()


async def test_one_routing_pass_at_a_time(locks: Locks) -> None:
    log: list[str] = []

    async def routing_pass(name: str, lock: Callable[[], AbstractAsyncContextManager[None]]) -> None:
        async with lock():
            log.append(f"{name} in")
            await asyncio.sleep(0.02)  # a pass that awaits: others try to come in meanwhile
            log.append(f"{name} out")

    await asyncio.wait_for(
        asyncio.gather(*(routing_pass(f"p{n}", lock) for n, lock in enumerate(locks * 2))), DEFAULT_TIMEOUT
    )
    assert len(log) == 12
    for entered, left in zip(log[::2], log[1::2], strict=True):
        assert entered.endswith(" in"), log
        assert left == entered.replace(" in", " out"), log


# --- signals ------------------------------------------------------------------------------------


@pytest.fixture(params=["local", "redis"])
async def signal_pair(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Signals, Signals]]:
    """Signals as two processes see them."""
    if request.param == "local":
        one = LocalSignals()
        yield one, one
        return
    client = await _redis()
    await client.aclose()
    prefix = f"tandem-test:{uuid.uuid4().hex[:8]}"
    managers = [ClusterManager(REDIS_URL, prefix, Dispatch()) for _ in range(2)]
    servers = [socketio.AsyncServer(client_manager=m, async_mode="aiohttp") for m in managers]
    for manager in managers:
        manager.initialize()
    try:
        # Subscribed once a probe of each comes back.
        for number, manager in enumerate(managers, start=1):
            while manager.last_heard < number:
                await manager.publish_probe(number)
                await asyncio.sleep(0.02)
        yield RedisSignals(managers[0]), RedisSignals(managers[1])
    finally:
        del servers
        for manager in managers:
            if manager.thread is not None:
                manager.thread.cancel()


async def test_a_signal_reaches_every_process_the_sender_included(
    signal_pair: tuple[Signals, Signals],
) -> None:
    here, there = signal_pair
    heard: dict[str, asyncio.Queue[dict[str, object]]] = {"here": asyncio.Queue(), "there": asyncio.Queue()}

    async def on_here(data: dict[str, object]) -> None:
        heard["here"].put_nowait(data)

    async def on_there(data: dict[str, object]) -> None:
        heard["there"].put_nowait(data)

    here.on("agent.signed_out", on_here)
    there.on("agent.signed_out", on_there)
    await here.send("agent.signed_out", {"agent_id": 7, "token": None})
    for name in ("here", "there"):
        got = await asyncio.wait_for(heard[name].get(), DEFAULT_TIMEOUT)
        assert got == {"agent_id": 7, "token": None}


# --- queue places -------------------------------------------------------------------------------


@pytest.fixture(params=["local", "redis"])
async def places(request: pytest.FixtureRequest) -> AsyncIterator[QueuePlaces]:
    if request.param == "local":
        yield LocalQueuePlaces()
        return
    client = await _redis()
    prefix = f"tandem-test:{uuid.uuid4().hex[:8]}"
    try:
        yield RedisQueuePlaces(client, prefix)
    finally:
        await client.delete(f"{prefix}:queue-places")
        await client.aclose()


async def test_only_visitors_whose_place_moved_are_told_again(places: QueuePlaces) -> None:
    assert await places.moved({1: 1, 2: 2, 3: 3}) == []  # nothing was told before
    assert sorted(await places.moved({2: 1, 3: 2})) == [2, 3]  # 1 was served: both moved up
    await places.told(4, 3)  # a new visitor told their place as they joined
    assert await places.moved({2: 1, 3: 2, 4: 3}) == []
    assert sorted(await places.moved({4: 1, 2: 2, 3: 3})) == [2, 3, 4]  # 4 was requeued to the front
    assert await places.moved({}) == []  # the queue emptied
    assert await places.moved({5: 1}) == []


# --- the processes' roll call (several processes only) ------------------------------------------


async def test_a_process_that_stops_renewing_is_reported_gone_once() -> None:
    client = await _redis()
    prefix, clock = f"tandem-test:{uuid.uuid4().hex[:8]}", Clock()
    a = ProcessRoll(client, prefix, "a", ttl=6, clock=clock)
    b = ProcessRoll(client, prefix, "b", ttl=6, clock=clock)
    try:
        assert await a.beat() == []
        assert await b.beat() == []
        clock.now += 4
        assert await b.beat() == []  # "a" is within its 6 s
        clock.now += 4
        assert await b.beat() == ["a"]  # "a" stopped renewing 8 s ago
        assert await b.beat() == []  # reported once
        assert await a.beat() == []  # back: a process again, not a death
    finally:
        await client.delete(f"{prefix}:processes")
        await client.aclose()
