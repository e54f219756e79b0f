"""The system under test: N ``python -m server serve`` processes on 127.0.0.1, one database
(SQLite for one process; a fresh PostgreSQL database, dropped afterwards, for any number) and,
when asked, a Redis server of our own (so that it can be restarted).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ClusterConfig:
    work: Path
    processes: int = 1
    postgres: bool = False
    pg_admin_url: str = PG_ADMIN_URL
    redis: bool = False
    grace_seconds: float = 5.0
    python: str = sys.executable
    # More settings for every process (e.g. the multi-process server's presence expiry).
    extra_env: tuple[tuple[str, str], ...] = ()


@dataclass
class ServerProcess:
    """One ``serve`` process, restartable on the same port."""

    index: int
    port: int
    env: dict[str, str]
    log_path: Path
    python: str
    proc: asyncio.subprocess.Process | None = None
    paused: bool = False

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self, timeout: float = 30.0) -> None:
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                self.python, "-m", "server", "serve", cwd=ROOT, env=self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if not self.running:
                    raise RuntimeError(f"server {self.index} exited; see {self.log_path}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.05)
        raise TimeoutError(f"server {self.index} not healthy within {timeout} s; see {self.log_path}")

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs; its sockets just drop."""
        if self.proc is not None and self.running:
            self.resume()
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    def pause(self) -> None:
        if self.proc is not None and self.running:
            self.proc.send_signal(signal.SIGSTOP)
            self.paused = True

    def resume(self) -> None:
        if self.proc is not None and self.running and self.paused:
            self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    async def stop(self) -> None:
        if self.proc is None or not self.running:
            return
        self.resume()
        self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            await self.kill()


@dataclass
class RedisServer:
    """``redis-server`` on a port of our own, without persistence; restartable."""

    port: int
    log_path: Path
    proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    async def start(self, timeout: float = 10.0) -> None:
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                "redis-server", "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (await self.cli("PING")).strip() == "PONG":
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"redis not up within {timeout} s")

    async def cli(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            "redis-cli", "-h", HOST, "-p", str(self.port), *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), 10)
        return out.decode()

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 10)


@dataclass
class Cluster:
    config: ClusterConfig
    database_url: str
    servers: list[ServerProcess] = field(default_factory=list)
    redis: RedisServer | None = None
    database_name: str | None = None  # PostgreSQL only

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    async def cli(self, *args: str, stdin: str = "") -> str:
        """``python -m server <args>`` with the first process's settings; its output."""
        proc = await asyncio.create_subprocess_exec(
            self.config.python, "-m", "server", *args, cwd=ROOT, env=self.servers[0].env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(stdin.encode()), 60)
        if proc.returncode != 0:
            raise RuntimeError(f"server {' '.join(args)} failed: {out.decode()}")
        return out.decode()

    async def add_agent(self, email: str, name: str, capacity: int, password: str) -> str:
        """Create an agent through the CLI (the password on stdin); its id (a_N)."""
        out = await self.cli(
            "agent",
            "add",
            "--email",
            email,
            "--name",
            name,
            "--capacity",
            str(capacity),
            stdin=password + "\n",
        )
        return out.split()[1]  # "added a_3 email (agent, capacity 2)"

    async def login(self, server: int, email: str, password: str) -> str:
        """``POST /api/login`` on one process; the session token."""
        async with aiohttp.ClientSession() as http:
            url = f"{self.servers[server].url}/api/login"
            async with http.post(url, json={"email": email, "password": password}) as response:
                body = await response.json()
                if response.status != 200:
                    raise RuntimeError(f"sign-in of {email} failed: {body}")
                return str(body["token"])

    async def terminate_backends(self) -> int:
        """``pg_terminate_backend`` of every connection the servers hold; how many."""
        if self.database_name is None:
            raise RuntimeError("pg_terminate_backend needs PostgreSQL")
        admin = await asyncpg.connect(self.config.pg_admin_url, timeout=5)
        try:
            rows = await admin.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                self.database_name,
            )
        finally:
            await admin.close()
        return sum(1 for r in rows if r[0])


def server_env(config: ClusterConfig, index: int, port: int, url: str, secret: str) -> dict[str, str]:
    """One process's environment. The parent's TANDEM_* settings must not leak in; every process
    shares the database and the secret key (a visitor's token, signed by one process, is checked
    by another)."""
    data_dir = config.work / f"server-{index}"
    data_dir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(
        TANDEM_DATA_DIR=str(data_dir),
        TANDEM_DATABASE_URL=url,
        TANDEM_SECRET_KEY=secret,
        PORT=str(port),
        HOST=HOST,
        TANDEM_AGENT_GRACE_SECONDS=str(config.grace_seconds),
        TANDEM_ASSIST="off",
        TANDEM_EVENTS_PER_SECOND="1000",
        TANDEM_EVENTS_BURST="1000",
        # Every visitor comes from 127.0.0.1.
        TANDEM_CONVERSATIONS_PER_IP_HOUR="1000000",
        TANDEM_CONVERSATIONS_PER_VISITOR_HOUR="1000",
        HF_HUB_OFFLINE="1",
    )
    env.update(config.extra_env)
    return env


async def _create_database(config: ClusterConfig) -> tuple[str, str]:
    """A fresh PostgreSQL database on the admin URL's server: (url, name)."""
    name = f"tandem_chaos_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(config.pg_admin_url, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{config.pg_admin_url.rsplit('/', 1)[0]}/{name}", name


async def _drop_database(config: ClusterConfig, name: str) -> None:
    admin = await asyncpg.connect(config.pg_admin_url, timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def open_cluster(config: ClusterConfig) -> AsyncIterator[Cluster]:
    """Database (and Redis) ready and the processes configured, not started; all torn down after."""
    if config.processes > 1 and not config.postgres:
        raise ValueError("several processes share one database: use PostgreSQL")
    config.work.mkdir(parents=True, exist_ok=True)
    name = None
    if config.postgres:
        url, name = await _create_database(config)
    else:
        url = f"sqlite:///{config.work / 'tandem.db'}"
    cluster = Cluster(config, url, database_name=name)
    try:
        if config.redis:
            cluster.redis = RedisServer(free_port(), config.work / "redis.log")
            await cluster.redis.start()
        secret = secrets.token_urlsafe(32)
        for index in range(config.processes):
            port = free_port()
            env = server_env(config, index, port, url, secret)
            if cluster.redis is not None:
                env["TANDEM_REDIS_URL"] = cluster.redis.url
            log = config.work / f"server-{index}.log"
            cluster.servers.append(ServerProcess(index, port, env, log, config.python))
        yield cluster
    finally:
        for server in cluster.servers:
            await server.stop()
        if cluster.redis is not None:
            await cluster.redis.stop()
        if name is not None:
            await _drop_database(config, name)
