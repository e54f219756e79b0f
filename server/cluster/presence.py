"""Presence in Redis: which agents are connected, to any process.

Each socket is a member ``<process>/<sid>`` of its agent's sorted set, scored by when it expires
(wall-clock seconds: monotonic clocks do not compare across machines). Each process renews its
own sockets every ``heartbeat`` seconds; a process that dies stops renewing, and its sockets
expire after ``ttl``. A second sorted set holds the agents with a live socket. The scripts keep
the two consistent however processes interleave.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.chat.presence import PresenceUnavailable

log = logging.getLogger("tandem.presence")

# KEYS: agent's sockets, agents; ARGV: member, expires_at, now, agent_id.
# Returns 1 when the agent had no live socket before this one.
_CONNECT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local first = redis.call('ZCARD', KEYS[1]) == 0
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[4])
redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[4])
if first then return 1 else return 0 end
"""

# KEYS: agent's sockets, agents; ARGV: member, now, agent_id.
# Returns 1 when the agent has no live socket left.
_DISCONNECT = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 1
end
return 0
"""


class RedisPresence:
    """:class:`~server.chat.presence.Presence` shared by every process through Redis."""

    def __init__(
        self,
        redis: Redis,
        process: str,
        prefix: str,
        *,
        ttl: float = 15.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._process = process
        self._prefix = f"{prefix}:presence"
        self._ttl = ttl
        self._clock = clock
        self._mine: dict[str, int] = {}  # this process's sockets: sid -> agent id
        self._connect = redis.register_script(_CONNECT)
        self._disconnect = redis.register_script(_DISCONNECT)

    def _keys(self, agent_id: int) -> list[str]:
        return [f"{self._prefix}:a:{agent_id}", f"{self._prefix}:agents"]

    async def connect(self, agent_id: int, sid: str) -> bool:
        # Kept first: with Redis away, the next heartbeat after it is back records the socket.
        self._mine[sid] = agent_id
        now = self._clock()
        args: list[Any] = [f"{self._process}/{sid}", now + self._ttl, now, agent_id]
        try:
            first = bool(await self._connect(keys=self._keys(agent_id), args=args))
            if first:
                await self._redis.hsetnx(f"{self._prefix}:idle", str(agent_id), now)
        except RedisError as error:
            log.warning("presence: a_%s connected, not recorded yet (Redis: %s)", agent_id, error)
            return False
        return first

    async def disconnect(self, agent_id: int, sid: str) -> bool:
        # With Redis away the socket expires by itself; the grace sweep then starts the period.
        self._mine.pop(sid, None)
        args: list[Any] = [f"{self._process}/{sid}", self._clock(), agent_id]
        try:
            return bool(await self._disconnect(keys=self._keys(agent_id), args=args))
        except RedisError as error:
            log.warning("presence: a_%s disconnected, not recorded (Redis: %s)", agent_id, error)
            return False

    async def heartbeat(self) -> None:
        """Renew this process's sockets (call every ``ttl / 3`` seconds or so)."""
        now = self._clock()
        for sid, agent_id in list(self._mine.items()):
            args: list[Any] = [f"{self._process}/{sid}", now + self._ttl, now, agent_id]
            await self._connect(keys=self._keys(agent_id), args=args)

    async def connected(self) -> set[int]:
        try:
            members = await self._redis.zrangebyscore(f"{self._prefix}:agents", f"({self._clock()}", "+inf")
        except RedisError as error:
            raise PresenceUnavailable(str(error)) from error
        return {int(m) for m in members if isinstance(m, bytes | str)}

    async def is_connected(self, agent_id: int) -> bool:
        try:
            live: int = await self._redis.zcount(f"{self._prefix}:a:{agent_id}", f"({self._clock()}", "+inf")
        except RedisError as error:
            raise PresenceUnavailable(str(error)) from error
        return live > 0

    async def mark_assigned(self, agent_id: int) -> None:
        await self._redis.hset(f"{self._prefix}:idle", str(agent_id), self._clock())

    async def idle_since(self, agent_ids: list[int]) -> dict[int, float]:
        if not agent_ids:
            return {}
        values = await self._redis.hmget(f"{self._prefix}:idle", [str(a) for a in agent_ids])
        return {a: float(v) if v is not None else 0.0 for a, v in zip(agent_ids, values, strict=True)}


# KEYS: the places hash; ARGV: conversation id, place, conversation id, place, ...
# Replaces the hash with the queue as it is; returns the ids whose recorded place differed.
_MOVED = """
local old = redis.call('HGETALL', KEYS[1])
local before = {}
for i = 1, #old, 2 do before[old[i]] = old[i + 1] end
redis.call('DEL', KEYS[1])
local moved = {}
for i = 1, #ARGV, 2 do
  if before[ARGV[i]] and before[ARGV[i]] ~= ARGV[i + 1] then table.insert(moved, ARGV[i]) end
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
return moved
"""


class RedisQueuePlaces:
    """:class:`~server.chat.queue_places.QueuePlaces` in a Redis hash, updated atomically."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._key = f"{prefix}:queue-places"
        self._moved = redis.register_script(_MOVED)

    async def moved(self, places: dict[int, int]) -> list[int]:
        args: list[Any] = [v for item in places.items() for v in item]
        if not args:
            await self._redis.delete(self._key)
            return []
        return [int(c) for c in await self._moved(keys=[self._key], args=args)]

    async def told(self, conversation_id: int, place: int) -> None:
        await self._redis.hset(self._key, str(conversation_id), place)
