"""Two Tandem servers sharing one PostgreSQL database and Redis: the multi-process layout, with
each server an app of its own in this test's event loop (its own manager, presence, routing lock
and engine: nothing shared but what separate processes share)."""

from __future__ import annotations

import pytest

from tests.conftest import Running, StartServer


@pytest.fixture
async def two_servers(
    start_server: StartServer, postgres_database: dict[str, str], redis_url: str
) -> tuple[Running, Running]:
    env = {**postgres_database, "TANDEM_REDIS_URL": redis_url}
    return await start_server(**env), await start_server(**env)
