"""Which server processes are alive, so the others notice when one dies.

A process that dies between storing a message and publishing it leaves that message unannounced:
its own clients reconnect (to another process) and sync, but clients of the living processes hold
no gap until the conversation's next message, and for a conversation's last message there is none.
So every process renews its entry in a sorted set (scored by when it expires, wall clock), and
whoever sees an entry expire has every client resync.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

# KEYS: the processes set; ARGV: this process, its expiry, now.
# Returns the processes that had expired (and removes them): each is reported once, to one caller.
_ROLL = """
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3]) end
return gone
"""


class ProcessRoll:
    def __init__(
        self,
        redis: Redis,
        prefix: str,
        process: str,
        *,
        ttl: float = 6.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = f"{prefix}:processes"
        self._process = process
        self._ttl = ttl
        self._clock = clock
        self._roll = redis.register_script(_ROLL)

    async def beat(self) -> list[str]:
        """Renew this process's entry (call every ``ttl / 3`` seconds); the processes found dead."""
        now = self._clock()
        gone = await self._roll(keys=[self._key], args=[self._process, now + self._ttl, now])
        return [g.decode() if isinstance(g, bytes) else str(g) for g in gone]
