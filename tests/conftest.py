"""Fixtures: a real Tandem server on an ephemeral port, and real Socket.IO clients."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import argon2
import pytest
import redis.asyncio
from aiohttp import web

from server.app import SHUTDOWN_SECONDS, SIO, create_app
from server.chat.assist_port import AssistFactory
from server.chat.context import ChatContext
from server.cluster.fanout import ClusterManager
from server.settings import Settings, load_settings
from server.web.keys import CHAT
from tests.peers import Peer, login

PASSWORD = "correct horse"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    """A server started for one test, and the clients it opened.

    In the two-process layout (``layout`` fixture: "two") ``others`` holds a second server on the
    same PostgreSQL database and Redis, and clients are spread over both in turn.
    """

    url: str
    app: web.Application
    settings: Settings
    peers: list[Peer] = field(default_factory=list)
    others: list[tuple[str, web.Application]] = field(default_factory=list)

    @property
    def chat(self) -> ChatContext:
        return self.app[CHAT]

    @property
    def chats(self) -> list[ChatContext]:
        """The chat of every server (one, or two in the two-process layout)."""
        return [self.app[CHAT], *(app[CHAT] for _, app in self.others)]

    async def add_agent(self, name: str, *, capacity: int = 3, role: str = "agent") -> dict[str, Any]:
        email = f"{name.lower()}@example.com"
        agent = await self.chat.stores.agents.add(email, name, PASSWORD, role=role, capacity=capacity)
        return {"id": f"a_{agent.id}", "email": email, "name": name}

    def peer(self, namespace: str, **kwargs: Any) -> Peer:
        url, app = [(self.url, self.app), *self.others][len(self.peers) % (1 + len(self.others))]
        peer = Peer(url, namespace, **kwargs)
        manager = app[SIO].manager
        if isinstance(manager, ClusterManager):
            peer.barrier = manager.barrier
        self.peers.append(peer)
        return peer

    async def agent(self, name: str, *, capacity: int = 3, online: bool = True, role: str = "agent") -> Peer:
        """An agent, signed in and connected (and online unless told otherwise)."""
        info = await self.add_agent(name, capacity=capacity, role=role)
        _, token = await login(self.url, info["email"], PASSWORD)
        peer = self.peer("/agent")
        peer.info = info
        peer.token = token
        await peer.connect({"token": token})
        if online:
            ack = await peer.emit("status.set", {"status": "online"})
            assert ack["ok"], ack
        return peer

    async def visitor(self, token: str | None = None, **kwargs: Any) -> Peer:
        peer = self.peer("/visitor", **kwargs)
        session = await peer.connect({"token": token} if token else {})
        peer.token = session["token"]
        peer.session = session
        return peer


def make_settings(tmp_path: Path, **env: str) -> Settings:
    base = {
        "TANDEM_DATA_DIR": str(tmp_path / "data"),
        "PORT": str(free_port()),
        "TANDEM_EVENTS_PER_SECOND": "1000",
        "TANDEM_EVENTS_BURST": "1000",
        "TANDEM_CONVERSATIONS_PER_IP_HOUR": "1000",
        "TANDEM_ASSIST": "off",  # chat tests need no model; tests/assist turn it on
    }
    if os.environ.get("TANDEM_TEST_DATABASE_URL"):
        base["TANDEM_DATABASE_URL"] = os.environ["TANDEM_TEST_DATABASE_URL"]
    base.update(env)
    return load_settings(base)


StartServer = Callable[..., Awaitable[Running]]


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process servers hash with argon2's cheapest profile: the default costs ~0.5 s a hash
    here, and tests sign in many agents. Subprocess servers keep the real cost."""
    cheap = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    monkeypatch.setattr(argon2, "PasswordHasher", lambda: cheap)


@pytest.fixture
def layout(request: pytest.FixtureRequest) -> str:
    """One server process, unless a module runs its tests on two too (PostgreSQL + Redis, clients
    spread over both): ``pytestmark = BOTH_LAYOUTS``."""
    return str(getattr(request, "param", "one"))


BOTH_LAYOUTS = pytest.mark.parametrize("layout", ["one", "two"], indirect=True)


@pytest.fixture
async def start_server(tmp_path: Path, layout: str) -> AsyncIterator[StartServer]:
    """Start servers with extra environment settings (and an assist factory of the test's);
    all are stopped after the test."""
    runners: list[web.AppRunner] = []
    started: list[Running] = []

    async def serve(settings: Settings, assist_factory: AssistFactory | None) -> tuple[str, web.Application]:
        app = create_app(settings) if assist_factory is None else create_app(settings, assist_factory)
        # As `tandem serve`: clients are disconnected first, so what is left after 10 s is stuck.
        runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        runners.append(runner)
        return f"http://{settings.host}:{settings.port}", app

    async def start(assist_factory: AssistFactory | None = None, **env: str) -> Running:
        if layout == "two":
            env.update(
                await stack.enter_async_context(fresh_postgres()), TANDEM_REDIS_URL=await reachable_redis()
            )
        settings = make_settings(tmp_path, **env)
        url, app = await serve(settings, assist_factory)
        running = Running(url, app, settings)
        if layout == "two":
            other = make_settings(tmp_path, **env)
            running.others.append(await serve(other, assist_factory))
        started.append(running)
        return running

    async with contextlib.AsyncExitStack() as stack:
        yield start
        for running in started:
            for peer in running.peers:
                await peer.close()
        for runner in reversed(runners):
            await runner.cleanup()


@pytest.fixture
async def server(start_server: StartServer) -> Running:
    """A server with default settings (generous rate limits, so tests measure behaviour)."""
    return await start_server()


PG_ADMIN_URL = os.environ.get("TANDEM_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def service_missing(what: str, error: Exception) -> None:
    """Skip on a developer's machine without the service; in CI a missing service is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI but unreachable: {error}")
    pytest.skip(f"{what} not available: {error}")


@contextlib.asynccontextmanager
async def fresh_postgres() -> AsyncIterator[dict[str, str]]:
    """Server settings for a new, empty PostgreSQL database, dropped afterwards."""
    import uuid

    import asyncpg

    try:
        admin = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as error:
        service_missing("PostgreSQL", error)
    name = f"tandem_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"TANDEM_DATABASE_URL": f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"}
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def any_database(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, str]]:
    """Server settings for the embedded SQLite default, then for a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield {}
        return
    async with fresh_postgres() as settings:
        yield settings


@pytest.fixture
async def postgres_database() -> AsyncIterator[dict[str, str]]:
    """Server settings for a fresh PostgreSQL database."""
    async with fresh_postgres() as settings:
        yield settings


@pytest.fixture
async def any_server(any_database: dict[str, str], start_server: StartServer) -> Running:
    """The same test on the embedded SQLite default and on PostgreSQL."""
    return await start_server(**any_database)


REDIS_URL = os.environ.get("TANDEM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def reachable_redis() -> str:
    """The test Redis URL, once it answers (a missing Redis skips, or in CI fails, the test)."""
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as error:
        service_missing("Redis", error)
    finally:
        await client.aclose()
    return REDIS_URL


@pytest.fixture
async def redis_url() -> str:
    return await reachable_redis()


@pytest.fixture
async def two_servers(
    postgres_database: dict[str, str], redis_url: str, start_server: StartServer
) -> tuple[Running, Running]:
    """Two servers on one PostgreSQL database and Redis: the multi-process layout, each an app
    of its own in this event loop (nothing shared but what separate processes share)."""
    env = {**postgres_database, "TANDEM_REDIS_URL": redis_url}
    return await start_server(**env), await start_server(**env)
