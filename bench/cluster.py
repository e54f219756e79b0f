"""Tandem on PostgreSQL, as one process or as several over Redis, for the scale-out scenario (f).

Each layout gets a fresh PostgreSQL database (created here, dropped afterwards, like the tests'
``fresh_postgres``), seeded with agents before the servers start. Every server process runs
``python -m server serve`` pinned to the servers' CPU, as in the other scenarios. Redis and
PostgreSQL are the machine's own services: not pinned, and measured apart (``stack_pids``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import psutil

from bench.servers import PYTHON, ServerProcess, free_port, seed_agents, spawn, tandem_env, wait_healthy

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


class ServiceMissing(RuntimeError):
    """PostgreSQL or Redis cannot be reached: the scale-out scenario cannot run here."""


async def services_reachable() -> None:
    """Raise :class:`ServiceMissing` unless both PostgreSQL and Redis answer."""
    import asyncpg
    import redis.asyncio

    try:
        admin = await asyncpg.connect(PG_URL, timeout=3)
        await admin.close()
    except (OSError, asyncpg.PostgresError) as error:
        raise ServiceMissing(f"PostgreSQL at {PG_URL}: {error}") from None
    client = redis.asyncio.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except Exception as error:
        raise ServiceMissing(f"Redis at {REDIS_URL}: {error}") from None
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped on the way out."""
    import asyncpg

    admin = await asyncpg.connect(PG_URL, timeout=5)
    name = f"tandem_bench_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@dataclass
class Layout:
    """The servers of one layout on one database: ``servers[0]`` holds the agents' connections,
    ``servers[-1]`` the visitors' (the same server when there is one)."""

    name: str
    database_url: str
    redis_url: str | None
    servers: list[ServerProcess] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        return [s.pid for s in self.servers]

    @property
    def database(self) -> str:
        return self.database_url.rsplit("/", 1)[-1]

    async def stop(self) -> None:
        await asyncio.gather(*(s.stop() for s in self.servers))


async def start_layout(work: Path, database_url: str, processes: int, agents: int) -> Layout:
    """``processes`` Tandem servers on ``database_url`` (over Redis when more than one), with
    ``agents`` agents of capacity 50 seeded first; each process has a data directory of its own
    and all share one secret key (visitor tokens and sessions verify on any of them)."""
    layout = Layout(
        "one" if processes == 1 else f"{processes} over Redis",
        database_url,
        REDIS_URL if processes > 1 else None,
    )
    seed_dir = work / f"seed-{time.time_ns()}"
    seed_dir.mkdir(parents=True)
    tokens, admin = await seed_agents(seed_dir, agents, database_url)
    secret = secrets.token_urlsafe(32)
    try:
        for n in range(processes):
            data_dir = work / f"{layout.database}-{n}"
            data_dir.mkdir(parents=True)
            port = free_port()
            env = tandem_env(data_dir, port, assist=False) | {
                "TANDEM_DATABASE_URL": database_url,
                "TANDEM_SECRET_KEY": secret,
            }
            if layout.redis_url is not None:
                env["TANDEM_REDIS_URL"] = layout.redis_url
            proc = spawn([PYTHON, "-m", "server", "serve"], env, work / f"{layout.database}-{n}.log")
            server = ServerProcess(f"tandem-{n}", f"http://127.0.0.1:{port}", proc, data_dir, tokens, admin)
            layout.servers.append(server)
            # One at a time: each runs the (no-op) migration check against the same database.
            await wait_healthy(server.url, proc.poll)
    except BaseException:
        await layout.stop()
        raise
    return layout


async def persisted_messages(database_url: str) -> int:
    """Text messages stored in the layout's database (every acknowledged one must be there)."""
    import asyncpg

    db = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        return int(await db.fetchval("SELECT count(*) FROM messages WHERE type = 'text'"))
    finally:
        await db.close()


def _cmdlines() -> list[tuple[int, str]]:
    out = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            out.append((int(proc.info["pid"]), " ".join(proc.info["cmdline"] or [])))
    return out


def redis_pids() -> list[int]:
    """The redis-server behind ``REDIS_URL`` (matched by its port in the process title): a
    shared service, so its CPU includes anything else using it meanwhile."""
    port = urlparse(REDIS_URL).port or 6379
    return [pid for pid, line in _cmdlines() if line.startswith("redis-server") and f":{port}" in line]


def postgres_pids(database: str) -> list[int]:
    """PostgreSQL's backends serving ``database`` (their process title names it): this run's
    own connections, and nobody else's."""
    return [pid for pid, line in _cmdlines() if line.startswith("postgres:") and f" {database} " in line]
