"""Several processes only where they can share their work; one SQLite database, one server.

``tandem serve --workers N`` runs N processes on one port (SO_REUSEPORT) over Redis and PostgreSQL,
and starts a worker again when one dies; without Redis it refuses, and so does a second server on
a SQLite database another one serves: never a silent split into processes that cannot hear each
other.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import psutil
import pytest

from tests.conftest import PASSWORD
from tests.processes import ServerProcess, chat_both_ways


async def test_a_second_server_on_one_sqlite_database_stops_with_a_reason(tmp_path: Path) -> None:
    first = ServerProcess(tmp_path / "data")
    await first.start()
    try:
        second = ServerProcess(tmp_path / "data")
        out = await second.cli("serve", status=1)
        assert "another Tandem server is serving the SQLite database" in out, out
        assert "Traceback" not in out, out
        async with aiohttp.ClientSession() as http, http.get(f"{first.url}/healthz") as r:
            assert r.status == 200  # the first one serves on
    finally:
        await first.stop()
    # Once it is gone, its lock is too.
    again = ServerProcess(tmp_path / "data")
    await again.start()
    await again.stop()


async def test_workers_need_redis(tmp_path: Path) -> None:
    out = await ServerProcess(tmp_path / "data").cli("serve", "--workers", "2", status=1)
    assert "--workers runs several processes" in out, out
    assert "TANDEM_REDIS_URL" in out, out


@pytest.fixture
async def workers(
    tmp_path: Path, postgres_database: dict[str, str], redis_url: str
) -> AsyncIterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data")
    proc.env.update(postgres_database, TANDEM_REDIS_URL=redis_url)
    await proc.cli("agent", "add", "--email", "grace@example.com", "--name", "Grace", stdin=PASSWORD)
    await proc.start("--workers", "2")
    try:
        yield proc
    finally:
        await proc.stop()


def worker_pids(supervisor: ServerProcess) -> list[int]:
    assert supervisor.process is not None
    return sorted(c.pid for c in psutil.Process(supervisor.process.pid).children())


async def wait_for_workers(supervisor: ServerProcess, count: int, other_than: set[int]) -> list[int]:
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        pids = worker_pids(supervisor)
        if len(pids) == count and not set(pids) & other_than:
            return pids
        assert asyncio.get_running_loop().time() < deadline, f"workers now: {pids}\n{supervisor.log()}"
        await asyncio.sleep(0.1)


async def test_workers_share_one_port_and_a_dead_one_is_replaced(workers: ServerProcess) -> None:
    pids = await wait_for_workers(workers, 2, set())
    for _ in range(4):  # the kernel spreads these connections over both workers
        await chat_both_ways(workers.url)
    os.kill(pids[0], signal.SIGKILL)
    await wait_for_workers(workers, 2, {pids[0]})
    await chat_both_ways(workers.url)
