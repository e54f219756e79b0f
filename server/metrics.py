"""Prometheus metrics, in a registry owned by the app (no process-global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Waits for an agent range from instant to many minutes; first responses likewise.
_WAIT_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)


class Metrics:
    """The figures /metrics exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.connected = Gauge(
            "tandem_connected_sockets", "Open Socket.IO connections", ["role"], registry=self.registry
        )
        self.messages = Counter("tandem_messages", "Messages stored", ["author"], registry=self.registry)
        self.queue_length = Gauge(
            "tandem_queue_length", "Conversations waiting for an agent", registry=self.registry
        )
        self.wait_seconds = Histogram(
            "tandem_wait_seconds",
            "Time from entering the queue to being assigned",
            buckets=_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.first_response_seconds = Histogram(
            "tandem_first_response_seconds",
            "Time from a conversation's start to the agent's first message",
            buckets=_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.rejected = Counter(
            "tandem_rejected_events", "Client events refused", ["code"], registry=self.registry
        )
        # Several processes (TANDEM_REDIS_URL): this process's share of the fan-out.
        self.fanout_lag = Gauge(
            "tandem_fanout_lag_seconds",
            "Time for this process's latest probe to come back through Redis pub/sub",
            registry=self.registry,
        )
        self.pubsub_connects = Gauge(
            "tandem_pubsub_connects",
            "Connections this process made to Redis for fan-out (more than one: it reconnected)",
            registry=self.registry,
        )
        self.resyncs = Counter(
            "tandem_resyncs", "Times this process told its clients to resync", registry=self.registry
        )
