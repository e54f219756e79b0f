"""/healthz and /metrics: what an operator's probes and Prometheus see."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from server.app import SIO
from server.web.keys import ENGINE
from tests.conftest import Running

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(server: Running) -> Samples:
    """GET /metrics, parsed as Prometheus text: {(sample name, sorted labels): value}."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/metrics") as r:
            assert r.status == 200
            assert r.headers["Content-Type"].startswith("text/plain")
            text = await r.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; a labelled series not yet created counts as 0."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def eventually(server: Running, check: Callable[[Samples], bool], timeout: float = 3.0) -> Samples:
    """Scrape until ``check`` holds (disconnects are noticed by the server a moment later)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        samples = await scrape(server)
        if check(samples):
            return samples
        assert loop.time() < deadline, "metrics did not reach the expected values"
        await asyncio.sleep(0.05)


async def until(condition: Callable[[], bool], what: str, timeout: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"waited too long for {what}"
        await asyncio.sleep(0.02)


def sockets(samples: Samples, role: str) -> float:
    return value(samples, "tandem_connected_sockets", role=role)


async def test_healthz_reports_ok(any_server: Running) -> None:
    """/healthz: 200 {"status": "ok", "database": "ok"} on SQLite and PostgreSQL."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{any_server.url}/healthz") as r:
            assert r.status == 200
            assert await r.json() == {"status": "ok", "database": "ok"}


async def test_healthz_reports_a_broken_database(server: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    """/healthz: 503 {"status": "error", "database": "error"} when the database cannot be reached."""

    engine = server.app[ENGINE]
    connect = AsyncEngine.connect

    def unreachable(self: AsyncEngine, *args: Any, **kwargs: Any) -> Any:
        if self is engine:
            raise OSError("database is down")
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(AsyncEngine, "connect", unreachable)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/healthz") as r:
            assert r.status == 503
            assert await r.json() == {"status": "error", "database": "error"}


async def test_connected_sockets_track_connects_and_disconnects(server: Running) -> None:
    """tandem_connected_sockets{role} rises on connect, falls on disconnect; refusals do not count."""
    samples = await scrape(server)
    assert sockets(samples, "visitor") == 0
    assert sockets(samples, "agent") == 0

    first = await server.visitor()
    second = await server.visitor()
    grace = await server.agent("Grace")
    samples = await scrape(server)
    assert sockets(samples, "visitor") == 2
    assert sockets(samples, "agent") == 1

    # Refused connections (bad token, bad origin, no session) are never counted, up or down.
    for namespace, auth, headers in (
        ("/visitor", {"token": "forged"}, {}),
        ("/visitor", {}, {"Origin": "http://evil.example"}),
        ("/agent", {}, {}),
    ):
        refused = server.peer(namespace, headers=headers)
        with pytest.raises(Exception, match="failed to connect"):
            await refused.connect(auth, wait_session=False)
    # The refused clients hang up; once the server has closed their connections (and run any
    # disconnect handling), the counts are final.
    engine_io = server.app[SIO].eio
    await until(lambda: len(engine_io.sockets) == 3, "the refused connections to close")
    samples = await scrape(server)
    assert sockets(samples, "visitor") == 2
    assert sockets(samples, "agent") == 1

    await first.close()
    await eventually(server, lambda s: sockets(s, "visitor") == 1)
    await grace.close()
    await second.close()
    samples = await eventually(server, lambda s: sockets(s, "visitor") == 0 and sockets(s, "agent") == 0)


async def test_message_counter_queue_length_and_histograms(server: Running) -> None:
    """Messages counted by author (retries not twice); queue length; wait and first-response observed."""
    samples = await scrape(server)
    assert value(samples, "tandem_queue_length") == 0
    assert value(samples, "tandem_wait_seconds_count") == 0
    assert value(samples, "tandem_first_response_seconds_count") == 0

    ada = await server.visitor()
    conv_id = (await ada.emit("conversation.start", {"name": "Ada"}))["conversation"]["id"]
    bob = await server.visitor()
    assert (await bob.emit("conversation.start", {"name": "Bob"}))["ok"]
    samples = await scrape(server)
    assert value(samples, "tandem_queue_length") == 2
    assert value(samples, "tandem_wait_seconds_count") == 0

    await asyncio.sleep(0.3)  # both wait a measurable time before an agent comes online
    grace = await server.agent("Grace", capacity=1)
    await grace.recv("conversation.assigned")
    samples = await eventually(server, lambda s: value(s, "tandem_queue_length") == 1)
    assert value(samples, "tandem_wait_seconds_count") == 1
    assert value(samples, "tandem_wait_seconds_sum") >= 0.3
    assert value(samples, "tandem_wait_seconds_bucket", le="0.1") == 0
    assert value(samples, "tandem_wait_seconds_bucket", le="+Inf") == 1
    assert value(samples, "tandem_first_response_seconds_count") == 0

    repeated = str(uuid.uuid4())
    for client_id in (repeated, repeated, str(uuid.uuid4())):  # the retry is stored once
        assert (await ada.emit("message.send", {"client_id": client_id, "text": "Hello?"}))["ok"]
    note = {"conversation_id": conv_id, "client_id": str(uuid.uuid4()), "text": "VIP", "private": True}
    assert (await grace.emit("message.send", note))["ok"]
    samples = await scrape(server)
    assert value(samples, "tandem_messages_total", author="visitor") == 2
    assert value(samples, "tandem_messages_total", author="agent") == 1
    assert value(samples, "tandem_first_response_seconds_count") == 0, "a private note is no response"

    for text in ("Hi Ada!", "How can I help?"):
        reply = {"conversation_id": conv_id, "client_id": str(uuid.uuid4()), "text": text}
        assert (await grace.emit("message.send", reply))["ok"]
    samples = await scrape(server)
    assert value(samples, "tandem_messages_total", author="agent") == 3
    assert value(samples, "tandem_first_response_seconds_count") == 1, "only the first reply is observed"
    assert value(samples, "tandem_first_response_seconds_sum") >= 0.3
    assert value(samples, "tandem_first_response_seconds_bucket", le="+Inf") == 1

    # Closing frees Grace; Bob, still waiting, is assigned and the queue empties.
    assert (await grace.emit("conversation.close", {"conversation_id": conv_id}))["ok"]
    await grace.recv("conversation.assigned")
    samples = await eventually(server, lambda s: value(s, "tandem_queue_length") == 0)
    assert value(samples, "tandem_wait_seconds_count") == 2
    assert value(samples, "tandem_messages_total", author="visitor") == 2


async def test_rejected_events_are_counted_by_code(server: Running) -> None:
    """tandem_rejected_events_total{code} counts refused client events."""
    visitor = await server.visitor()
    ack = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": "nobody here"})
    assert ack["error"]["code"] == "no_conversation"
    ack = await visitor.emit("sync", {"last_seq": -1})
    assert ack["error"]["code"] == "bad_request"
    samples = await scrape(server)
    assert value(samples, "tandem_rejected_events_total", code="no_conversation") == 1
    assert value(samples, "tandem_rejected_events_total", code="bad_request") == 1
