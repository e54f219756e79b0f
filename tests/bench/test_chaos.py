"""Short chaos runs (bench/chaos) in the suite: one Tandem process on SQLite, 25 chats over 25 s,
``kill -9`` and restart three times, an agent away past the grace period; and three processes on
PostgreSQL and Redis through every multi-process fault. Every promise holds.

The full run is ``python -m bench.chaos.run`` (60 s, 50 chats, more faults on PostgreSQL).
"""

from __future__ import annotations

import random
from pathlib import Path

import asyncpg
import pytest

from bench.chaos.checker import KINDS
from bench.chaos.cluster import ClusterConfig, open_cluster
from bench.chaos.faults import schedule
from bench.chaos.history import read_history
from bench.chaos.run import RunConfig, run_chaos
from bench.chaos.scenario import Shape, make_plan
from bench.chaos.truth import Truth
from tests.conftest import PG_ADMIN_URL, service_missing


@pytest.mark.timeout(300)
async def test_a_short_chaos_run_keeps_every_promise(tmp_path: Path) -> None:
    shape = Shape(seconds=25, conversations=25, agents=4, capacity=2, grace=2.0)
    config = RunConfig(shape=shape, seed=11, faults=("kill",), fault_count=3, settle_seconds=30, out=tmp_path)
    outcome = await run_chaos(config)
    result = outcome.result
    print(result.summary())
    assert result.counts == dict.fromkeys(KINDS, 0), result.summary()
    assert result.stats["conversations"] == 25
    assert result.stats["faults"] == {"kill": 3}
    assert result.stats["acked"] > 100
    # Each kill dropped every client, and each came back.
    assert result.stats["connections"] >= 4 * 20
    events = read_history(tmp_path / "history.jsonl")
    settled = [e for e in events if e["kind"] == "run" and e["phase"] == "settled"]
    assert [e["ok"] for e in settled] == [True]
    # The agent that vanished for longer than the grace period lost its chats to the queue.
    away = [e["what"] for e in events if e["kind"] == "action" and e["what"] in ("vanish", "return")]
    assert away == ["vanish", "return"]
    truth = Truth.load(tmp_path / "truth.json")
    requeued = [m.agent for c in truth.conversations.values() for m in c.messages if m.event == "requeued"]
    assert requeued
    assert set(requeued) == {"a_1"}


@pytest.mark.timeout(300)  # 45 s of chat, then settling: a loaded machine takes its time
async def test_three_processes_keep_every_promise_through_faults(tmp_path: Path, redis_url: str) -> None:
    """Visitors and agents spread over three processes; a process killed and started again, one
    killed while its clients move to the others, PostgreSQL's connections cut, Redis killed and
    started again, pub/sub connections dropped."""
    del redis_url  # the run starts a Redis of its own; this only makes a missing Redis fail in CI
    faults = ("kill", "kill_one", "pg_terminate", "redis_restart", "pubsub_kill")
    # A grace period well above a reconnect on a loaded machine, so "vanished" means gone.
    shape = Shape(seconds=45, conversations=30, agents=4, capacity=2, processes=3, grace=8.0)
    config = RunConfig(
        shape=shape,
        seed=5,
        faults=faults,
        fault_count=5,
        postgres=True,
        redis=True,
        settle_seconds=40,
        out=tmp_path,
    )
    result = (await run_chaos(config)).result
    print(result.summary())
    assert result.counts == dict.fromkeys(KINDS, 0), result.summary()
    assert result.stats["conversations"] == 30
    assert sum(result.stats["faults"].values()) == 5
    assert set(result.stats["faults"]) == set(faults)


def test_the_plan_and_the_faults_follow_the_seed() -> None:
    shape = Shape(seconds=60, conversations=50, processes=3)
    one, two = make_plan(shape, random.Random(7)), make_plan(shape, random.Random(7))
    assert one == two
    assert len(one.visitors) == 50
    assert {v.home for v in one.visitors} == {0, 1, 2}
    assert [a.taker for a in one.agents] == [False, False, False, True]
    assert one.vanish is not None
    assert 15 <= one.vanish[0] <= 27
    faults = schedule(["kill", "pg_terminate"], 4, 60, random.Random(7), avoid=(20.0, 30.0))
    assert faults == schedule(["kill", "pg_terminate"], 4, 60, random.Random(7), avoid=(20.0, 30.0))
    assert sorted(name for _, name in faults) == ["kill", "kill", "pg_terminate", "pg_terminate"]
    assert all(6 <= at <= 48 and not 20 <= at <= 30 for at, _ in faults)
    assert [at for at, _ in faults] == sorted(at for at, _ in faults)


async def test_a_fresh_postgres_database_is_made_cut_off_and_dropped(tmp_path: Path) -> None:
    """What ``--postgres`` and the ``pg_terminate`` fault stand on, without running servers."""
    try:
        await (await asyncpg.connect(PG_ADMIN_URL, timeout=3)).close()
    except (OSError, asyncpg.PostgresError) as error:
        service_missing("PostgreSQL", error)
    async with open_cluster(ClusterConfig(tmp_path, postgres=True, pg_admin_url=PG_ADMIN_URL)) as cluster:
        name = cluster.database_name
        assert name is not None
        assert cluster.database_url.endswith(f"/{name}")
        held = await asyncpg.connect(cluster.database_url)  # as a server's pooled connection would be
        assert await cluster.terminate_backends() == 1
        # How a cut connection fails depends on when the termination reaches it.
        cut = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, ConnectionError)
        with pytest.raises(cut):
            await held.fetchval("SELECT 1")
    admin = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
    try:
        assert await admin.fetch("SELECT 1 FROM pg_database WHERE datname = $1", name) == []
    finally:
        await admin.close()
