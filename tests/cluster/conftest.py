"""Two Tandem servers sharing one PostgreSQL database and Redis: the multi-process layout, with
each server an app of its own in this test's event loop (its own manager, presence, routing lock
and engine: nothing shared but what separate processes share)."""

from __future__ import annotations

import os

import pytest
import redis.asyncio

from tests.conftest import Running, StartServer, service_missing

REDIS_URL = os.environ.get("TANDEM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_url() -> str:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as error:
        service_missing("Redis", error)
    finally:
        await client.aclose()
    return REDIS_URL


@pytest.fixture
async def two_servers(
    start_server: StartServer, postgres_database: dict[str, str], redis_url: str
) -> tuple[Running, Running]:
    env = {**postgres_database, "TANDEM_REDIS_URL": redis_url}
    return await start_server(**env), await start_server(**env)
