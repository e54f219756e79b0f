"""Counting what a measurement window saw: latencies, acknowledgements, errors, throughput."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

NS_PER_MS = 1_000_000


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of an already sorted list; NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary(samples_ms: list[float]) -> dict[str, float | int]:
    """p50, p95, p99 and max in milliseconds, rounded, with the sample count."""
    values = sorted(samples_ms)
    out: dict[str, float | int] = {"n": len(values)}
    for name, q in (("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("max", 100.0)):
        out[name] = round(percentile(values, q), 2)
    return out


@dataclass
class Tally:
    """One measurement window ``[start_ns, end_ns)`` on the generator's monotonic clock.

    A message counts when it was *sent* inside the window: its acknowledgement and its receipt on
    the other side are recorded whenever they arrive (the generator drains after the window).
    """

    start_ns: int
    end_ns: int
    sent: int = 0
    acked: int = 0
    received: int = 0
    received_during: int = 0  # timed messages that arrived inside the window, whenever sent
    duplicates: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    delivery_ms: list[float] = field(default_factory=list)
    by_side_ms: dict[str, list[float]] = field(default_factory=lambda: {"visitor": [], "agent": []})
    ack_ms: list[float] = field(default_factory=list)
    probe_ms: list[float] = field(default_factory=list)
    generator_lag_ms: list[float] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def inside(self, sent_ns: int) -> bool:
        return self.start_ns <= sent_ns < self.end_ns

    def on_sent(self, sent_ns: int) -> None:
        if self.inside(sent_ns):
            self.sent += 1

    def on_ack(self, sent_ns: int, ack: Any) -> None:
        if not self.inside(sent_ns):
            return
        if isinstance(ack, dict) and ack.get("ok"):
            self.acked += 1
            self.ack_ms.append((time.perf_counter_ns() - sent_ns) / NS_PER_MS)
        else:
            code = ack.get("error", {}).get("code", "?") if isinstance(ack, dict) else "bad_ack"
            self.errors[str(code)] += 1

    def on_received(self, sent_ns: int, client_id: str, now_ns: int, side: str) -> None:
        if self.inside(now_ns):
            self.received_during += 1
        if not self.inside(sent_ns):
            return
        if client_id in self._seen:
            self.duplicates += 1
            return
        self._seen.add(client_id)
        self.received += 1
        latency = (now_ns - sent_ns) / NS_PER_MS
        self.delivery_ms.append(latency)
        self.by_side_ms.setdefault(side, []).append(latency)

    def result(self) -> dict[str, Any]:
        """The window's figures, ready for JSON."""
        seconds = (self.end_ns - self.start_ns) / 1e9
        unanswered = self.sent - self.acked - sum(self.errors.values())
        return {
            "seconds": round(seconds, 2),
            "sent": self.sent,
            "acked": self.acked,
            "received": self.received,
            "sent_per_s": round(self.sent / seconds, 1),
            # Throughput: arrivals inside the window (not the window's own sends, which an
            # overloaded server delivers long after it).
            "delivered_per_s": round(self.received_during / seconds, 1),
            "errors": dict(self.errors),
            "unanswered": unanswered,
            "lost": self.acked - self.received,
            "duplicates": self.duplicates,
            "delivery_ms": summary(self.delivery_ms),
            "delivery_ms_by_sender": {side: summary(v) for side, v in self.by_side_ms.items()},
            "ack_ms": summary(self.ack_ms),
            "probe_rtt_ms": summary(self.probe_ms),
            "generator_lag_ms": summary(self.generator_lag_ms),
        }
