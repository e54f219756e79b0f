"""The chaos run: start Tandem, chat through faults, settle, read the stored truth, check.

    python -m bench.chaos.run --seconds 60 --seed 7                  # one process, SQLite, kill -9
    python -m bench.chaos.run --postgres --faults kill,pg_terminate
    python -m bench.chaos.run --processes 3 --redis                   # once the server scales out

Exit status 0 when every promise held, 1 on any violation. Everything the run wrote (history,
truth, result, server logs) stays in ``--out`` (default: a new temporary directory).
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import click
from tqdm import tqdm

from bench.chaos.actors import AgentBrain, RunClock, vanish_script, visitor_script
from bench.chaos.checker import CheckOptions, Result, check
from bench.chaos.cluster import PG_ADMIN_URL, Cluster, ClusterConfig, open_cluster
from bench.chaos.faults import FAULTS, FaultSettings, Injection, inject, schedule, unavailable
from bench.chaos.history import History
from bench.chaos.participants import AgentClient, VisitorClient
from bench.chaos.recorder import Limits, Link, Participant
from bench.chaos.scenario import Plan, Shape, make_plan
from bench.chaos.truth import Truth, fingerprint, read_truth

PASSWORD = "chaos-password"


@dataclass(frozen=True)
class RunConfig:
    shape: Shape = field(default_factory=Shape)
    seed: int = 7
    faults: tuple[str, ...] = ("kill",)
    fault_count: int = 3
    postgres: bool = False
    pg_admin_url: str = PG_ADMIN_URL
    redis: bool = False
    fault_settings: FaultSettings = field(default_factory=FaultSettings)
    settle_seconds: float = 60.0
    server_env: tuple[tuple[str, str], ...] = ()
    out: Path | None = None
    progress: bool = False

    def check_options(self) -> CheckOptions:
        # A paused process delays its routing passes and timers by the pause.
        paused = self.fault_settings.pause_seconds if "pause" in self.faults else 0.0
        return CheckOptions(
            grace_seconds=self.shape.grace,
            requeue_slack=5.0 + paused,
            queue_tolerance=1.0 + paused,
            delivery_tolerance=2.0,
            ordered_live=self.shape.processes == 1,
        )


@dataclass
class Outcome:
    result: Result
    work: Path


@dataclass
class Crowd:
    """Every client of the run, and the background work driving them."""

    agents: list[AgentClient] = field(default_factory=list)
    visitors: list[VisitorClient] = field(default_factory=list)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def everyone(self) -> list[Participant]:
        return [*self.agents, *self.visitors]


async def run_chaos(config: RunConfig) -> Outcome:
    """One run, end to end; the checker's result and where the run's files are."""
    if config.postgres:
        _local_only(config.pg_admin_url)
    work = (config.out or Path(tempfile.mkdtemp(prefix="tandem-chaos-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(config.seed)
    plan = make_plan(config.shape, rng)
    away = None if plan.vanish is None else (plan.vanish[0] - 2.5, plan.vanish[0] + config.shape.grace + 2.0)
    faults = schedule(list(config.faults), config.fault_count, config.shape.seconds, rng, away)
    history = History(work / "history.jsonl")
    settings = {"seed": config.seed, "shape": asdict(config.shape), "faults": faults}
    settings.update(postgres=config.postgres, redis=config.redis, vanish=plan.vanish)
    history.record("run", "driver", phase="start", check=asdict(config.check_options()), config=settings)
    shape = config.shape
    cluster_config = ClusterConfig(
        work, shape.processes, config.postgres, config.pg_admin_url, config.redis, shape.grace,
        extra_env=config.server_env,
    )  # fmt: skip
    try:
        async with open_cluster(cluster_config) as cluster:
            problems = unavailable(list(config.faults), cluster)
            if problems:
                raise click.UsageError("; ".join(f"{name}: {why}" for name, why in problems.items()))
            truth = await ChaosRun(config, plan, cluster, history).drive(faults)
    finally:
        history.close()  # what was recorded stays readable when a run breaks off
    truth.save(work / "truth.json")
    result = check(history.events, truth, config.check_options())
    (work / "result.json").write_text(result.to_json())
    return Outcome(result, work)


class ChaosRun:
    """One run's moving parts: the cluster, the clients and the clock they share."""

    def __init__(self, config: RunConfig, plan: Plan, cluster: Cluster, history: History) -> None:
        self.config, self.plan, self.cluster, self.history = config, plan, cluster, history
        self.stop = asyncio.Event()
        self.clock = RunClock(self.stop)
        self.crowd = Crowd()
        deadline = time.monotonic() + config.shape.seconds + config.settle_seconds + 120
        connector = aiohttp.TCPConnector(limit=0)  # one socket per client, however many
        self.http = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        self.link = Link(cluster.urls, history, Limits(deadline=deadline), self.http)

    async def drive(self, faults: list[tuple[float, str]]) -> Truth:
        """Agents, servers, clients; the scenario with its faults; settling; the stored truth."""
        ids = await self._add_agents()
        await asyncio.gather(*(server.start() for server in self.cluster.servers))
        try:
            await self._agents_in(ids)
            self.clock.started = time.monotonic()
            for visitor in self.plan.visitors:
                client = VisitorClient(visitor.actor, self.link, visitor.home)
                self.crowd.visitors.append(client)
                self._spawn(visitor_script(client, visitor, self.clock, self.config.seed))
            injection = Injection(
                self.cluster, random.Random(f"{self.config.seed}/faults"), self.config.fault_settings
            )
            fault_task = asyncio.ensure_future(self._faults(faults, injection))
            await self._wait()
            self.stop.set()
            await fault_task
            await self._restore()
            settled = await settle(self.crowd.everyone, self.cluster.database_url, self.config.settle_seconds)
            self.history.record("run", "driver", phase="settled", ok=settled)
            self.history.freeze()
            return await read_truth(self.cluster.database_url)
        finally:
            self.stop.set()
            for task in self.crowd.tasks:
                task.cancel()
            await asyncio.gather(*self.crowd.tasks, return_exceptions=True)
            await asyncio.gather(*(c.close() for c in self.crowd.everyone), return_exceptions=True)
            await self.http.close()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        self.crowd.tasks.append(asyncio.ensure_future(coro))

    async def _add_agents(self) -> dict[str, str]:
        """Each planned agent created through the CLI: actor -> a_N. The first alone (it creates
        the schema), the others side by side."""
        first, *rest = self.plan.agents
        add = self.cluster.add_agent
        ids = {first.actor: await add(first.email, first.name, first.capacity, PASSWORD)}
        created = await asyncio.gather(*(add(a.email, a.name, a.capacity, PASSWORD) for a in rest))
        ids.update(zip((a.actor for a in rest), created, strict=True))
        return ids

    async def _agents_in(self, ids: dict[str, str]) -> None:
        """Sign every agent in over HTTP on its home process, connect it and set it to work."""
        agents = self.plan.agents
        tokens = await asyncio.gather(*(self.cluster.login(a.home, a.email, PASSWORD) for a in agents))
        online = [ids[a.actor] for a in agents if not a.taker]
        for agent, token in zip(agents, tokens, strict=True):
            client = AgentClient(agent.actor, ids[agent.actor], self.link, agent.home, token)
            client.start()
            self.crowd.agents.append(client)
            colleagues = [i for i in online if i != ids[agent.actor]]
            if not await self.clock.wait_for(lambda c=client: c.connected, timeout=30):  # type: ignore[misc]
                raise RuntimeError(f"{agent.actor} could not connect")
            self._spawn(AgentBrain(client, agent, colleagues, self.clock, self.config.seed).run())
        if self.plan.vanish is not None:
            at, actor = self.plan.vanish
            client = next(c for c in self.crowd.agents if c.actor == actor)
            self._spawn(vanish_script(client, at, self.config.shape.grace + 1.5, self.clock))

    async def _faults(self, faults: list[tuple[float, str]], injection: Injection) -> None:
        """The scheduled faults, one after the other; none starts after the run stops."""
        for at, name in faults:
            if not await self.clock.until(at):
                return
            await inject(name, injection, self.history)

    async def _wait(self) -> None:
        """The scenario's length, with a progress bar when asked."""
        seconds = self.config.shape.seconds
        with tqdm(total=round(seconds), unit="s", disable=not self.config.progress, desc="chaos") as bar:
            while self.clock.elapsed() < seconds:
                await asyncio.sleep(min(1.0, seconds - self.clock.elapsed()))
                bar.n = min(round(self.clock.elapsed()), round(seconds))
                bar.set_postfix(connections=sum(c.connects for c in self.crowd.everyone), refresh=True)

    async def _restore(self) -> None:
        """Before settling, every process runs (none paused) and every vanished agent is back."""
        for server in self.cluster.servers:
            server.resume()
            if not server.running:
                await server.start()
        for agent in self.crowd.agents:
            agent.come_back()


async def settle(clients: list[Participant], url: str, timeout: float) -> bool:
    """Wait until every client is connected, resumed and acknowledged, then sync every client's
    every conversation (the settling syncs); again if anything was stored meanwhile."""
    deadline = time.monotonic() + timeout
    # Polled: "settled" is a conjunction over many clients' states, with no event that fires for it.
    while time.monotonic() < deadline and not all(c.settled for c in clients if c.connects):  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    for _ in range(5):
        before = await fingerprint(url)
        await asyncio.sleep(1.0)  # live messages in flight arrive first
        await asyncio.gather(*(_final_sync(c) for c in clients))
        if await fingerprint(url) == before:
            return time.monotonic() < deadline
    return False


async def _final_sync(client: Participant) -> None:
    for conversation in client.final_conversations():
        await client.sync(conversation, "final", final=True)


def default_faults(processes: int, postgres: bool, redis: bool) -> tuple[str, ...]:
    """Every fault that makes sense on this set-up (``pause`` only on request: it stalls a lone
    process's clients for its whole length)."""
    names = ["kill"]
    names += ["kill_one"] if processes > 1 else []
    names += ["pg_terminate"] if postgres else []
    names += ["redis_restart", "pubsub_kill"] if redis else []
    return tuple(names)


def _pairs(items: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    if any("=" not in item for item in items):
        raise click.BadParameter("--server-env takes KEY=VALUE")
    return tuple((key, value) for key, _, value in (item.partition("=") for item in items))


def _local_only(url: str) -> None:
    """Faults are only ever aimed at this machine."""
    if urlparse(url).hostname not in ("127.0.0.1", "localhost"):
        raise click.UsageError(f"only 127.0.0.1 targets: {url}")


@click.command()
@click.option("--seconds", type=click.FloatRange(5, 3600), default=60.0, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--processes", type=click.IntRange(1, 16), default=1, show_default=True)
@click.option("--conversations", type=click.IntRange(1, 2000), default=50, show_default=True)
@click.option(
    "--agents", type=click.IntRange(1, 50), default=4, show_default=True, help="The last takes by hand."
)
@click.option("--capacity", type=click.IntRange(1, 50), default=2, show_default=True)
@click.option(
    "--faults", default=None, help=f"Comma-separated, of: {', '.join(FAULTS)} [default: all that fit]"
)
@click.option("--fault-count", type=click.IntRange(0, 1000), default=None, help="[default: one per 15 s, 3+]")
@click.option("--postgres/--sqlite", default=None, help="[default: SQLite for one process]")
@click.option("--pg-url", default=PG_ADMIN_URL, show_default=True, help="Where a fresh database is made.")
@click.option("--redis", is_flag=True, help="Start a Redis of our own; processes get TANDEM_REDIS_URL.")
@click.option("--grace", type=click.FloatRange(0.5, 600), default=5.0, show_default=True)
@click.option("--pause-seconds", type=click.FloatRange(0.5, 600), default=8.0, show_default=True)
@click.option("--vanish/--no-vanish", default=True, show_default=True, help="An agent leaves past the grace.")
@click.option("--server-env", multiple=True, metavar="KEY=VALUE", help="More settings for every process.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--progress/--no-progress", default=True, show_default=True)
def main(**options: Any) -> None:
    """Chat through faults, then check every promise against the database."""
    processes = options["processes"]
    postgres = options["postgres"] if options["postgres"] is not None else processes > 1
    faults = options["faults"]
    names = tuple(f.strip() for f in faults.split(",") if f.strip()) if faults else None
    shape = Shape(
        seconds=options["seconds"], conversations=options["conversations"], agents=options["agents"],
        capacity=options["capacity"], processes=processes, grace=options["grace"], vanish=options["vanish"],
    )  # fmt: skip
    count = options["fault_count"]
    config = RunConfig(
        shape=shape, seed=options["seed"], postgres=postgres, pg_admin_url=options["pg_url"],
        faults=names or default_faults(processes, postgres, options["redis"]),
        fault_count=count if count is not None else max(3, round(options["seconds"] / 15)),
        redis=options["redis"], fault_settings=FaultSettings(pause_seconds=options["pause_seconds"]),
        out=options["out"], progress=options["progress"], server_env=_pairs(options["server_env"]),
    )  # fmt: skip
    if processes > 1 and not postgres:
        raise click.UsageError("several processes share one database: drop --sqlite")
    if processes > 1 and not options["redis"]:
        click.echo("warning: several processes without --redis cannot share live events", err=True)
    outcome = asyncio.run(run_chaos(config))
    click.echo(outcome.result.summary())
    click.echo(f"history, truth, result and server logs in {outcome.work}")
    sys.exit(0 if outcome.result.ok else 1)


if __name__ == "__main__":
    main()
