"""Redis restarting under two servers loses nothing: while it is away chat goes on storing and
acknowledging, and once it is back both servers' clients are told to resync and catch up.

The servers use a Redis of this test's own (on a free port), so stopping it disturbs nothing else.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio

from server.cluster.live import ClusterLive
from server.web.keys import LIVE
from tests.conftest import Running, StartServer, free_port, service_missing
from tests.peers import DEFAULT_TIMEOUT

pytestmark = pytest.mark.timeout(240)  # a loaded machine restarts Redis and reconnects slowly


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server", FileNotFoundError("redis-server"))
        argv = [
            str(binary),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(argv, cwd=self.folder, stdout=subprocess.DEVNULL)

    async def ready(self) -> None:
        client = redis.asyncio.Redis.from_url(self.url)
        try:
            for _ in range(100):
                try:
                    await client.ping()
                    return
                except redis.ConnectionError:
                    await asyncio.sleep(0.05)
            raise AssertionError("the private Redis did not start")
        finally:
            await client.aclose()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def servers(
    postgres_database: dict[str, str], private_redis: PrivateRedis, start_server: StartServer
) -> tuple[Running, Running, PrivateRedis]:
    await private_redis.ready()
    env = {**postgres_database, "TANDEM_REDIS_URL": private_redis.url}
    return await start_server(**env), await start_server(**env), private_redis


async def probes_heard(*servers: Running) -> None:
    """Return once each server has heard its first probe back: its subscription's first
    connection is then known, so a later one is a reconnection (server/cluster/fanout.py). A
    restart before that would look like the first subscription, as it would to a process that
    started during the outage."""
    async with asyncio.timeout(15):
        for server in servers:
            live = server.app[LIVE]
            assert isinstance(live, ClusterLive)
            await live.watch.heard.wait()


async def test_nothing_is_lost_while_redis_restarts(servers: tuple[Running, Running, PrivateRedis]) -> None:
    a, b, private = servers
    agent = await b.agent("Grace")
    visitor = await a.visitor()
    started = await visitor.emit("conversation.start", {"name": "Ada"})
    conversation_id = started["conversation"]["id"]
    assert (await agent.recv("conversation.assigned"))["conversation"]["id"] == conversation_id
    await probes_heard(a, b)

    private.stop()
    sent = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": "still there?"})
    assert sent["ok"], sent  # stored and acknowledged without Redis
    late = await a.visitor()  # and a visitor arriving meanwhile is served
    assert late.session is not None
    assert late.session["settings"]["agents_online"] is False  # who is online is not known now
    private.start()
    await private.ready()

    # Both servers resubscribe and have every client resync; the agent's sync finds the message.
    assert await agent.recv("resync", timeout=15) == {}
    assert await visitor.recv("resync", timeout=DEFAULT_TIMEOUT) == {}
    synced = await agent.emit("sync", {"conversation_id": conversation_id, "last_seq": 1})
    assert [(m["seq"], m["text"]) for m in synced["messages"]] == [(sent["message"]["seq"], "still there?")]
