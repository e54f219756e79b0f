"""Per-connection event rate limits (token buckets)."""

from __future__ import annotations

import time


class TokenBucket:
    """Allows ``rate`` events a second on average with bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class ConnectionLimits:
    """One bucket per socket, dropped when the socket goes."""

    def __init__(self, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = burst
        self._buckets: dict[str, TokenBucket] = {}

    def allow(self, sid: str) -> bool:
        bucket = self._buckets.get(sid)
        if bucket is None:
            bucket = self._buckets[sid] = TokenBucket(self._rate, self._burst)
        return bucket.take()

    def forget(self, sid: str) -> None:
        self._buckets.pop(sid, None)
