"""The live state of several processes: Redis for fan-out, presence and signals; PostgreSQL for
the routing lock (and, as always, for everything that must last)."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from server.chat.background import Background
from server.chat.signals import RESYNC
from server.cluster.fanout import ClusterManager, RedisSignals, SubscriptionWatch
from server.cluster.presence import RedisPresence, RedisQueuePlaces
from server.cluster.processes import ProcessRoll
from server.cluster.routing_lock import AdvisoryRoutingLock
from server.metrics import Metrics

log = logging.getLogger("tandem.cluster")

# A socket counts as connected this long after its process last renewed it.
PRESENCE_TTL = 15.0
# A process not heard of for this long is dead: what it stored and had not yet announced is synced.
PROCESS_TTL = 6.0


class ClusterLive:
    """:class:`~server.chat.live.Live` shared by every process through Redis and PostgreSQL."""

    def __init__(self, manager: ClusterManager, engine: AsyncEngine, metrics: Metrics) -> None:
        self.manager = manager
        # Timeouts: a call to a Redis that vanished must fail (and be retried), never hang a sweep.
        self._redis = Redis.from_url(manager.redis_url, socket_timeout=5, socket_connect_timeout=5)
        self.presence = RedisPresence(self._redis, manager.host_id, manager.prefix, ttl=PRESENCE_TTL)
        self.routing_lock = AdvisoryRoutingLock(engine)
        self.places = RedisQueuePlaces(self._redis, manager.prefix)
        self.signals = RedisSignals(manager)
        self._metrics = metrics
        self.watch = SubscriptionWatch(manager, self._resync_everyone, on_probe=self._probed)
        self.roll = ProcessRoll(self._redis, manager.prefix, manager.host_id, ttl=PROCESS_TTL)

    def start(self, background: Background) -> None:
        # python-socketio subscribes on its first client; a process must hear signals, probes and
        # other processes' emits from the start.
        server = self.manager.server
        if not server.manager_initialized:
            server.manager_initialized = True
            self.manager.initialize()
        background.spawn(self._heartbeats(), "presence-heartbeat")
        background.spawn(self._roll_call(), "process-roll")
        background.spawn(self.watch.run(), "fanout-probe")

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_TTL / 3)
            try:
                await self.presence.heartbeat()
            except Exception as error:  # Redis away: sockets expire unless it is back in time
                log.warning("presence heartbeat failed: %s", error)

    async def _roll_call(self) -> None:
        while True:
            try:
                gone = await self.roll.beat()
            except Exception as error:  # Redis away: the probe and resync cover that
                log.warning("process roll call failed: %s", error)
                gone = []
            if gone:
                log.warning("server processes gone: %s; telling every client to resync", ", ".join(gone))
                await self._resync_everyone()
            await asyncio.sleep(PROCESS_TTL / 3)

    async def _resync_everyone(self) -> None:
        # Every process: while this one was deaf, the others' emits to it were lost, and its
        # own emits may not have reached them either.
        await self.signals.send(RESYNC, {})

    def _probed(self, manager: ClusterManager, heard: bool) -> None:
        if heard:
            self._metrics.fanout_lag.set(manager.lag)
        self._metrics.pubsub_connects.set(manager.connects)

    async def health(self) -> dict[str, str]:
        try:
            await self._redis.ping()
            redis = "ok"
        except Exception as error:
            log.warning("health check: Redis unreachable: %s", error)
            redis = "error"
        return {"redis": redis, "fanout": "deaf" if self.watch.deaf else "ok"}

    async def close(self) -> None:
        await self._redis.aclose()
