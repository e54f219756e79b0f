"""Faults, injected on a seeded schedule, each recorded in the history (``fault`` start and end).

=================  ==============================================================  ==============
name               what                                                            needs
=================  ==============================================================  ==============
``kill``           ``kill -9`` a process and start it again at once                -
``kill_one``       ``kill -9`` one of several processes and keep it down a while:   2+ processes
                   its clients move to the others; then start it again
``pause``          SIGSTOP a process past the presence expiry, then SIGCONT         -
``pg_terminate``   ``pg_terminate_backend`` of every connection the servers hold    PostgreSQL
``redis_restart``  ``kill -9`` our Redis and start it again on the same port        ``--redis``
``pubsub_kill``    ``CLIENT KILL TYPE pubsub`` in Redis                             ``--redis``
=================  ==============================================================  ==============
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.chaos.cluster import Cluster
from bench.chaos.history import History


@dataclass(frozen=True)
class FaultSettings:
    down_seconds: tuple[float, float] = (0.1, 0.8)  # how long a killed process (or Redis) stays down
    kill_one_seconds: tuple[float, float] = (3.0, 6.0)  # how long kill_one keeps one down
    pause_seconds: float = 8.0  # past the multi-process presence expiry


@dataclass(frozen=True)
class Injection:
    cluster: Cluster
    rng: random.Random
    settings: FaultSettings


Run = Callable[[Injection, Any], Awaitable[dict[str, Any]]]


def _a_process(i: Injection) -> int:
    return i.rng.randrange(len(i.cluster.servers))


async def _kill_for(i: Injection, target: int, seconds: tuple[float, float]) -> dict[str, Any]:
    """``kill -9`` a process and start it again after a seeded time in ``seconds``."""
    server = i.cluster.servers[target]
    await server.kill()
    down = i.rng.uniform(*seconds)
    await asyncio.sleep(down)
    await server.start()
    return {"down_seconds": round(down, 3)}


async def _kill(i: Injection, target: int) -> dict[str, Any]:
    return await _kill_for(i, target, i.settings.down_seconds)


async def _kill_one(i: Injection, target: int) -> dict[str, Any]:
    # Down long enough for its clients to move to the other processes.
    return await _kill_for(i, target, i.settings.kill_one_seconds)


async def _pause(i: Injection, target: int) -> dict[str, Any]:
    server = i.cluster.servers[target]
    server.pause()
    try:
        await asyncio.sleep(i.settings.pause_seconds)
    finally:
        server.resume()
    return {"paused_seconds": i.settings.pause_seconds}


async def _pg_terminate(i: Injection, _target: str) -> dict[str, Any]:
    return {"terminated": await i.cluster.terminate_backends()}


async def _redis_restart(i: Injection, _target: str) -> dict[str, Any]:
    redis = i.cluster.redis
    assert redis is not None
    await redis.kill()
    down = i.rng.uniform(*i.settings.down_seconds)
    await asyncio.sleep(down)
    await redis.start()
    return {"down_seconds": round(down, 3)}


async def _pubsub_kill(i: Injection, _target: str) -> dict[str, Any]:
    redis = i.cluster.redis
    assert redis is not None
    return {"reply": (await redis.cli("CLIENT", "KILL", "TYPE", "pubsub")).strip()}


def _needs(cluster: Cluster, processes: int = 1, postgres: bool = False, redis: bool = False) -> str | None:
    if len(cluster.servers) < processes:
        return f"needs {processes}+ processes (--processes)"
    if postgres and cluster.database_name is None:
        return "needs PostgreSQL (--postgres)"
    if redis and cluster.redis is None:
        return "needs Redis (--redis)"
    return None


@dataclass(frozen=True)
class Fault:
    pick: Callable[[Injection], Any]  # the target: a process index, "redis", "postgres"
    run: Run
    needs: Callable[[Cluster], str | None]  # why it cannot run on this cluster, or None


FAULTS: dict[str, Fault] = {
    "kill": Fault(_a_process, _kill, lambda c: _needs(c)),
    "kill_one": Fault(_a_process, _kill_one, lambda c: _needs(c, processes=2)),
    "pause": Fault(_a_process, _pause, lambda c: _needs(c)),
    "pg_terminate": Fault(lambda _: "postgres", _pg_terminate, lambda c: _needs(c, postgres=True)),
    "redis_restart": Fault(lambda _: "redis", _redis_restart, lambda c: _needs(c, redis=True)),
    "pubsub_kill": Fault(lambda _: "redis", _pubsub_kill, lambda c: _needs(c, redis=True)),
}


def unavailable(names: list[str], cluster: Cluster) -> dict[str, str]:
    """The faults asked for that cannot run here, and why."""
    problems = {}
    for name in names:
        if name not in FAULTS:
            problems[name] = f"unknown fault (known: {', '.join(FAULTS)})"
        elif (why := FAULTS[name].needs(cluster)) is not None:
            problems[name] = why
    return problems


def schedule(
    names: list[str], count: int, seconds: float, rng: random.Random, avoid: tuple[float, float] | None = None
) -> list[tuple[float, str]]:
    """``count`` faults between 10% and 80% of the run and outside ``avoid`` (while an agent is
    away, so that its grace period runs out undisturbed), evenly spaced with seeded jitter, taking
    the enabled kinds in turn (in a seeded order) so each kind gets its share."""
    lo, hi = 0.1 * seconds, 0.8 * seconds
    spans = [(lo, hi)] if avoid is None else [(lo, min(hi, avoid[0])), (max(lo, avoid[1]), hi)]
    spans = [(a, b) for a, b in spans if b > a]
    total = sum(b - a for a, b in spans)
    if not names or count <= 0 or total <= 0:
        return []
    order = names[:]
    rng.shuffle(order)

    def place(x: float) -> float:
        for a, b in spans:
            if x <= b - a:
                return a + x
            x -= b - a
        return spans[-1][1]

    times = [round(place(total / count * (k + rng.uniform(0.2, 0.8))), 3) for k in range(count)]
    return [(at, order[k % len(order)]) for k, at in enumerate(times)]


async def inject(name: str, injection: Injection, history: History) -> None:
    """One fault, recorded when it starts and when it is over (the process is back, ...)."""
    fault = FAULTS[name]
    target = fault.pick(injection)
    history.record("fault", "driver", name=name, phase="start", target=target, detail={})
    started = time.monotonic()
    detail = await fault.run(injection, target)
    detail["seconds"] = round(time.monotonic() - started, 3)
    history.record("fault", "driver", name=name, phase="end", target=target, detail=detail)
