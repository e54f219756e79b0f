"""Per-connection event rate limits (token buckets)."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    """Allows ``rate`` events a second on average with bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class ConnectionLimits:
    """One bucket per socket, dropped when the socket goes."""

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self._rate = rate
        self._burst = burst
        # Read when a socket's bucket is made: a test sets its own before connecting, to refill
        # buckets by moving its clock instead of waiting.
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def allow(self, sid: str) -> bool:
        bucket = self._buckets.get(sid)
        if bucket is None:
            bucket = self._buckets[sid] = TokenBucket(self._rate, self._burst, self.clock)
        return bucket.take()

    def forget(self, sid: str) -> None:
        self._buckets.pop(sid, None)
