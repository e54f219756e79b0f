"""The load generator: conversations (a visitor and an agent each) sending timed messages.

Every message's text carries its send time on the generator's monotonic clock (``b <ns> ...``);
whichever connection receives it records send → receipt. All peers live in this one process, so
no clocks need to agree.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.servers import AGENT_CAPACITY, Monitor, ServerProcess
from bench.stats import Tally, summary
from bench.wire import Peer, PeerFactory

# Long enough to look like a chat line; the same on every target.
FILLER = "Hello, my card has not arrived yet and I would like to know when it will."
PROBE_EVERY = 0.05
OVERLOAD_SECONDS = 5.0
# After an overloaded window, how long to wait for stragglers before counting them unanswered.
OVERLOAD_DRAIN = 15.0
LAG_TICK = 0.01


@dataclass
class Chat:
    """One conversation: its id, the visitor's connection and the (shared) agent connection."""

    cid: str
    visitor: Peer
    agent: Peer


@dataclass
class Fleet:
    """Everything connected to one target, and the tally the event handlers write into."""

    target: str
    factory: PeerFactory
    chats: list[Chat] = field(default_factory=list)
    peers: list[Peer] = field(default_factory=list)
    tally: Tally = field(default_factory=lambda: Tally(0, 0))
    probe: Peer | None = None
    # (conversation id, seq) -> send time of a visitor message, to time the assist's suggestions.
    visitor_sent: dict[tuple[str, int], int] = field(default_factory=dict)
    suggestion_ms: list[float] = field(default_factory=list)
    acked_total: int = 0  # every successful acknowledgement, in or out of a window
    # Visitors' connections go here when they are on another server than the agents' (scale-out).
    visitor_factory: PeerFactory | None = None

    def on_event(self, event: str, data: Any) -> None:
        """Every event of every peer: timed messages are recorded, the rest ignored."""
        if event == "assist.suggestions" and isinstance(data, dict):
            key = (str(data.get("conversation_id")), int(data.get("for_seq", -1)))
            asked = self.visitor_sent.pop(key, None)
            if asked is not None and self.tally.inside(asked):
                self.suggestion_ms.append((time.perf_counter_ns() - asked) / 1e6)
            return
        if event != "message" or not isinstance(data, dict):
            return
        text = data.get("text")
        if isinstance(text, str) and text.startswith("b "):
            now = time.perf_counter_ns()
            _, sent, side, _ = text.split(" ", 3)
            self.tally.on_received(int(sent), str(data.get("client_id")), now, side)

    async def open(self, namespace: str, auth: dict[str, Any], on_event: Callable[[str, Any], None]) -> Peer:
        factory = self.visitor_factory if namespace == "/visitor" and self.visitor_factory else self.factory
        peer = factory(namespace, on_event)
        await peer.connect(auth)
        self.peers.append(peer)
        return peer

    async def close(self) -> None:
        await gather_limited([p.close for p in self.peers], 200)
        await self.factory.close()
        if self.visitor_factory is not None:
            await self.visitor_factory.close()


async def gather_limited(jobs: list[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    """Run ``jobs`` with at most ``limit`` at a time; results in order."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(one(j) for j in jobs))


async def tandem_fleet(
    server: ServerProcess, factory: PeerFactory, count: int, visitor_factory: PeerFactory | None = None
) -> Fleet:
    """``count`` conversations on Tandem, set up through the protocol: agents sign on and go
    online, visitors connect and start conversations, the server routes them. With
    ``visitor_factory``, visitors (and the loop-lag probe) connect through it, to another server
    of the same cluster than the agents."""
    fleet = Fleet("tandem", factory, visitor_factory=visitor_factory)
    owner: dict[str, Peer] = {}
    assigned = asyncio.Event()

    def agent_handler(index: int) -> Callable[[str, Any], None]:
        def handle(event: str, data: Any) -> None:
            if event == "conversation.assigned":
                owner[data["conversation"]["id"]] = agents[index]
                if len(owner) >= count:
                    assigned.set()
            else:
                fleet.on_event(event, data)

        return handle

    needed = -(-count // AGENT_CAPACITY)
    if needed > len(server.agent_tokens):
        have = len(server.agent_tokens)
        raise ValueError(f"{count} conversations need {needed} agents; the server has {have}")
    agents: list[Peer] = []
    for n, token in enumerate(server.agent_tokens[:needed]):
        agents.append(await fleet.open("/agent", {"token": token}, agent_handler(n)))
        ack = await agents[-1].call("status.set", {"status": "online"})
        assert ack.get("ok"), ack

    async def visitor(n: int) -> tuple[str, Peer]:
        peer = await fleet.open("/visitor", {}, fleet.on_event)
        ack = await peer.call("conversation.start", {"name": f"Visitor {n}"}, timeout=60)
        if not ack.get("ok"):
            raise RuntimeError(f"conversation.start failed: {ack}")
        return str(ack["conversation"]["id"]), peer

    started = await gather_limited([functools.partial(visitor, n) for n in range(count)], 20)
    await asyncio.wait_for(assigned.wait(), 120)
    fleet.chats = [Chat(cid, peer, owner[cid]) for cid, peer in started]
    fleet.probe = await fleet.open("/visitor", {}, lambda e, d: None)
    return fleet


async def relay_fleet(server: ServerProcess, factory: PeerFactory, count: int) -> Fleet:
    """The same shape on the relay: one agent connection per 50 conversations, one visitor each;
    conversations dealt to agents in turn, as Tandem's routing (most free capacity) does."""
    fleet = Fleet("relay", factory)
    ids = [f"c_{n + 1}" for n in range(count)]
    agents = -(-count // AGENT_CAPACITY)
    groups = [ids[a::agents] for a in range(agents)]
    agent_of: dict[str, Peer] = {}
    for group in groups:
        peer = await fleet.open("/agent", {"rooms": group}, fleet.on_event)
        agent_of.update(dict.fromkeys(group, peer))
    visitors = await gather_limited(
        [functools.partial(fleet.open, "/visitor", {"rooms": [c]}, fleet.on_event) for c in ids], 50
    )
    fleet.chats = [Chat(c, v, agent_of[c]) for c, v in zip(ids, visitors, strict=True)]
    fleet.probe = await fleet.open("/visitor", {}, lambda e, d: None)
    return fleet


async def send_timed(fleet: Fleet, peer: Peer, conversation_id: str | None) -> asyncio.Future[Any]:
    """Send one timed message; the future resolves with its acknowledgement."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    client_id = str(uuid.uuid4())
    sent = time.perf_counter_ns()
    side = "visitor" if conversation_id is None else "agent"
    data: dict[str, Any] = {"client_id": client_id, "text": f"b {sent} {side} {FILLER}"}
    if conversation_id is not None:
        data["conversation_id"] = conversation_id
    tally = fleet.tally
    tally.on_sent(sent)

    def acked(ack: Any) -> None:
        tally.on_ack(sent, ack)
        if isinstance(ack, dict) and ack.get("ok"):
            fleet.acked_total += 1
        if conversation_id is None and isinstance(ack, dict) and ack.get("ok"):
            message = ack["message"]
            fleet.visitor_sent[(str(message["conversation_id"]), int(message["seq"]))] = sent
        if not future.done():
            future.set_result(ack)

    await peer.send("message.send", data, acked)
    return future


class Guard:
    """Stops an open-loop window early when the server falls hopelessly behind: more than
    ``OVERLOAD_SECONDS`` of offered messages sent and not yet acknowledged."""

    def __init__(self, tally: Tally, offered_per_s: float | None) -> None:
        self._tally = tally
        # Closed loop (nothing offered): never trips, the loop limits itself.
        self._limit = None if offered_per_s is None else max(100.0, offered_per_s * OVERLOAD_SECONDS)
        self.tripped_at: int | None = None  # perf_counter_ns

    def ok(self) -> bool:
        if self.tripped_at is None and self._limit is not None:
            tally = self._tally
            if tally.sent - tally.acked - sum(tally.errors.values()) > self._limit:
                self.tripped_at = time.perf_counter_ns()
        return self.tripped_at is None


async def _open_side(
    fleet: Fleet, peer: Peer, cid: str | None, rate: float, stop: float, guard: Guard
) -> None:
    """Send at ``rate`` a second from a random phase until ``stop``; never waits for acks."""
    at = time.monotonic() + random.random() / rate
    while at < stop and guard.ok():
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await send_timed(fleet, peer, cid)
        at += 1 / rate


async def _closed_side(fleet: Fleet, peer: Peer, cid: str | None, stop: float) -> None:
    """Send the next message as soon as the last one is acknowledged, until ``stop``."""
    while time.monotonic() < stop:
        try:
            await asyncio.wait_for(await send_timed(fleet, peer, cid), 30)
        except TimeoutError:
            return


async def _probe(fleet: Fleet, stop: float, guard: Guard) -> None:
    """Loop-lag probe: an event the server answers without touching the database (Tandem: an
    unknown event name, acknowledged with ``bad_request``; the relay acknowledges anything)."""
    assert fleet.probe is not None
    while time.monotonic() < stop and guard.ok():
        started = time.perf_counter_ns()
        try:
            await fleet.probe.call("bench.ping", {}, timeout=10)
        except TimeoutError:
            continue
        if fleet.tally.inside(started):
            fleet.tally.probe_ms.append((time.perf_counter_ns() - started) / 1e6)
        await asyncio.sleep(PROBE_EVERY)


async def _watch(fleet: Fleet, monitor: Monitor | None, stop: float, guard: Guard) -> None:
    """The generator's own loop lag (is it keeping up?) and the server's RSS peak."""
    while time.monotonic() < stop and guard.ok():
        before = time.perf_counter_ns()
        await asyncio.sleep(LAG_TICK)
        late = (time.perf_counter_ns() - before) / 1e6 - LAG_TICK * 1000
        if fleet.tally.inside(before):
            fleet.tally.generator_lag_ms.append(max(late, 0.0))
        if monitor is not None:
            monitor.rss()


async def run_window(
    fleet: Fleet,
    chats: list[Chat],
    *,
    rate: float | None,
    seconds: float,
    warmup: float,
    monitor: Monitor | None,
    drain: float = 5.0,
) -> dict[str, Any]:
    """Drive ``chats`` (both sides) open loop at ``rate`` msgs/s per side, or closed loop when
    ``rate`` is None; measure the ``seconds`` after ``warmup``. Returns the window's figures."""
    stop = time.monotonic() + warmup + seconds
    begin_ns = time.perf_counter_ns() + int(warmup * 1e9)
    fleet.tally = tally = Tally(begin_ns, begin_ns + int(seconds * 1e9))
    fleet.visitor_sent.clear()
    fleet.suggestion_ms = []
    offered = None if rate is None else 2 * len(chats) * rate
    guard = Guard(tally, offered)
    sides = [(c.visitor, None) for c in chats] + [(c.agent, c.cid) for c in chats]
    if rate is None:
        drivers = [_closed_side(fleet, p, cid, stop) for p, cid in sides]
    else:
        drivers = [_open_side(fleet, p, cid, rate, stop, guard) for p, cid in sides]

    async def mark() -> None:
        await asyncio.sleep(warmup)
        if monitor is not None:
            monitor.mark()

    await asyncio.gather(*drivers, _probe(fleet, stop, guard), _watch(fleet, monitor, stop, guard), mark())
    usage = monitor.usage() if monitor is not None else {}
    if guard.tripped_at is not None:
        tally.end_ns = min(tally.end_ns, guard.tripped_at)
    await _drain(tally, drain if guard.tripped_at is None else OVERLOAD_DRAIN)
    result = tally.result()
    result.update(
        server=usage,
        conversations=len(chats),
        offered_per_s=offered,
        overloaded=guard.tripped_at is not None,
        suggestion_ms=summary(fleet.suggestion_ms),
    )
    return result


async def _drain(tally: Tally, most: float) -> None:
    """Wait (at most ``most`` seconds) for the window's acks and receipts to come in."""
    deadline = time.monotonic() + most
    while time.monotonic() < deadline:
        answered = tally.acked + sum(tally.errors.values())
        if answered >= tally.sent and tally.received >= tally.acked:
            return
        await asyncio.sleep(0.05)
