"""Fan-out across processes: python-socketio's Redis manager, plus what pub/sub leaves open.

Redis pub/sub is at-most-once: a subscriber that was disconnected, or deaf, misses what was
published meanwhile, and nobody tells it. The database is the truth and clients resume by ``seq``,
so the cure is to notice and have this process's clients resynchronise:

* every second the process publishes a probe only it listens for; if it hears none for a few
  seconds it is deaf (Redis unreachable, or the subscription dropped);
* when it hears its probe again, or its subscription was made anew since the last probe (python-
  socketio reconnects by itself, silently), it emits ``resync`` to every client connected to it,
  which then calls ``sync`` for what it holds (docs/protocol.md).

Signals (``server/chat/signals.py``) ride on the same channel as emits to a namespace no client
joins, so there is one connection to Redis for both, and no message bus of our own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import socketio

from server.chat.emits import Emit, LeanEmits
from server.chat.signals import Dispatch

log = logging.getLogger("tandem.fanout")

SIGNALS_NS = "/_tandem"  # no client may connect here: the namespaces are registered explicitly
PROBE = "probe"
# Several emits published as one message (emit_each): a chat message for its agent and its visitor.
EACH_NS = "/_tandem_each"


def cluster_prefix(database_url: str) -> str:
    """The channel and key prefix of the processes sharing one database: installations that
    share a Redis server (or tests, each on a database of its own) never hear each other."""
    return f"tandem:{hashlib.sha256(database_url.encode()).hexdigest()[:12]}"


class ClusterManager(socketio.AsyncRedisManager, LeanEmits):  # type: ignore[misc]
    """Rooms and emits across processes, signals, and a subscription that checks itself.

    Emits reach this process's sockets through :class:`LeanEmits` (after the Redis manager in the
    method order, so it delivers what the Redis manager hands on locally)."""

    def __init__(
        self, url: str, prefix: str, dispatch: Dispatch, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(url, channel=prefix)
        self.prefix = prefix
        self.dispatch = dispatch
        self.clock = clock
        self.connects = 0  # connections made to Redis: more than one means a reconnect happened
        self.last_heard = 0  # the number of the latest probe of ours heard back
        self.lag = 0.0  # seconds from publishing that probe to hearing it
        self._barriers: dict[str, asyncio.Future[None]] = {}

    def _redis_connect(self) -> None:
        super()._redis_connect()
        self.connects += 1

    async def send_signal(self, kind: str, data: dict[str, Any]) -> None:
        await self.emit(kind, data, namespace=SIGNALS_NS)

    async def publish_probe(self, number: int, barrier: str | None = None) -> bool:
        """Publish probe ``number``; False when Redis could not be reached."""
        # A host id that is not ours: the listener skips what this process itself published.
        message = {
            "method": "emit",
            "event": PROBE,
            "data": [{"host": self.host_id, "n": number, "at": self.clock(), "barrier": barrier}],
            "namespace": SIGNALS_NS,
            "room": None,
            "skip_sid": None,
            "callback": None,
            "host_id": f"probe-{self.host_id}",
        }
        return await self._publish(message) is not None

    async def emit_each(self, emits: Sequence[Emit]) -> None:
        """Each emit to this process's sockets, and to the others' in one PUBLISH."""
        messages = [
            {
                "method": "emit",
                "event": e.event,
                "data": [e.data],
                "binary": False,  # chat events carry JSON only
                "namespace": e.namespace,
                "room": e.room,
                "skip_sid": e.skip_sid,
                "callback": None,
                "host_id": self.host_id,
            }
            for e in emits
        ]
        for message in messages:
            await super()._handle_emit(message)
        each = {"method": "emit", "namespace": EACH_NS, "data": messages, "host_id": self.host_id}
        await self._publish(each)

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("namespace") == EACH_NS:
            for each in message.get("data") or ():
                if isinstance(each, dict) and each.get("namespace") not in (SIGNALS_NS, EACH_NS):
                    await super()._handle_emit(each)
            return
        if message.get("namespace") != SIGNALS_NS:
            await super()._handle_emit(message)
            return
        data = message["data"][0] if isinstance(message.get("data"), list) else message.get("data")
        if message.get("event") == PROBE:
            if isinstance(data, dict) and data.get("host") == self.host_id:
                waiting = self._barriers.pop(str(data.get("barrier")), None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)
                elif data.get("barrier") is None:
                    self.last_heard = max(self.last_heard, int(data["n"]))
                    self.lag = max(0.0, self.clock() - float(data["at"]))
            return
        await self.dispatch.dispatch(str(message.get("event")), data if isinstance(data, dict) else {})

    async def barrier(self, timeout: float = 5.0) -> None:
        """Return once this process has handled everything published on the channel before the
        call (Redis delivers a channel's messages to a subscriber in order)."""
        token = uuid.uuid4().hex
        heard: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._barriers[token] = heard
        try:
            await self.publish_probe(0, barrier=token)
            await asyncio.wait_for(heard, timeout)
        finally:
            self._barriers.pop(token, None)


class RedisSignals:
    """:class:`~server.chat.signals.Signals` through the cluster manager's channel."""

    def __init__(self, manager: ClusterManager) -> None:
        self._manager = manager

    def on(self, kind: str, handler: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self._manager.dispatch.on(kind, handler)

    async def send(self, kind: str, data: dict[str, Any]) -> None:
        await self._manager.send_signal(kind, data)


class SubscriptionWatch:
    """Probes the subscription; on coming back (or after a silent reconnect) calls ``resync``."""

    def __init__(
        self,
        manager: ClusterManager,
        resync: Callable[[], Awaitable[None]],
        *,
        interval: float = 1.0,
        deaf_after: float = 3.0,
        on_probe: Callable[[ClusterManager, bool], None] | None = None,
    ) -> None:
        self._manager = manager
        self._resync = resync
        self._interval = interval
        self._deaf_after = deaf_after
        self._on_probe = on_probe
        self.deaf = False
        self.resyncs = 0
        # Connections to Redis when its first probe came back: a later count is a reconnection.
        self.baseline: int | None = None
        self.heard = asyncio.Event()  # set once the baseline is taken

    async def run(self) -> None:
        number, silent_since = 0, None
        while True:
            number += 1
            await self._manager.publish_probe(number)
            await asyncio.sleep(self._interval)
            heard = self._manager.last_heard >= number
            if self._on_probe is not None:
                self._on_probe(self._manager, heard)
            if not heard:
                silent_since = silent_since if silent_since is not None else time.monotonic()
                if not self.deaf and time.monotonic() - silent_since >= self._deaf_after:
                    self.deaf = True
                    log.warning("fan-out: this process hears nothing from Redis; clients resync once it does")
                continue
            silent_since = None
            if self.baseline is None:
                self.baseline = self._manager.connects  # the first probe heard
                self.heard.set()
            elif self.deaf or self._manager.connects != self.baseline:
                self.baseline = self._manager.connects
                self.deaf = False
                self.resyncs += 1
                log.warning("fan-out: subscribed again; telling this process's clients to resync")
                await self._resync()
