"""The scenarios of docs/performance.md, each against Tandem and, where it applies, the bare relay.

(a) steady: conversations at 1 message a second per side; (b) saturation: closed loop; (c) idle
capacity: connected visitors, RSS per connection; (d) the assist on versus off under (a); (e) the
assist alone: embed-and-search latency by knowledge-base size (bench/assist_latency.py's method).
(f), one process against two over Redis, is in bench/scaleout.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import Fleet, gather_limited, relay_fleet, run_window, tandem_fleet
from bench.profile_summary import parse, summarise
from bench.servers import (
    AGENT_CAPACITY,
    PYTHON,
    ROOT,
    Monitor,
    ServerProcess,
    profile,
    start_relay,
    start_tandem,
    tandem_env,
)
from bench.wire import PeerFactory

KB_SOURCE = ROOT.parent / "shared" / "data" / "kb-northwind"


@dataclass(frozen=True)
class Plan:
    """How big and how long: ``short()`` for ``make bench``, ``full()`` for docs/performance.md."""

    client: str = "lean"
    sweep: tuple[int, ...] = (10, 25, 50, 100, 150, 250, 500)  # at 1 msg/s per side, before steady
    steady: int = 1000
    window: float = 5.0
    steady_window: float = 20.0
    warmup: float = 2.0
    saturation: tuple[int, ...] = (10, 50, 200)
    idle: int = 10_000
    # (d): loads the assist-off server sustains (at (a)'s 1,000 it is overloaded without the assist)
    assist_conversations: tuple[int, ...] = (10, 50)
    kb_articles: int | None = None  # None: the whole kb-northwind
    passages: tuple[int, ...] = (1_000, 10_000, 100_000)
    assist_messages: int = 200
    # (f) scale-out: closed-loop sizes, open-loop sizes (1 msg/s per side), rounds of both layouts
    scale_saturation: tuple[int, ...] = (10, 50, 200)
    scale_open: tuple[int, ...] = (50, 100)
    scale_rounds: int = 2
    scenarios: frozenset[str] = frozenset("abcdef")
    profile: bool = False  # py-spy the server during (a)'s steady window, (b)'s largest, (d) and (f)

    @staticmethod
    def short() -> Plan:
        return Plan(
            sweep=(25, 50, 100),
            steady=200,
            window=4.0,
            steady_window=8.0,
            warmup=1.5,
            saturation=(10, 50),
            idle=2_000,
            assist_conversations=(25,),
            kb_articles=12,
            passages=(1_000,),
            assist_messages=100,
            scale_saturation=(50,),
            scale_open=(50,),
            scale_rounds=1,
        )

    @staticmethod
    def full() -> Plan:
        return Plan()


@dataclass
class Suite:
    """What one target gave: windows by name, plus the idle-capacity figures."""

    target: str
    windows: dict[str, Any] = field(default_factory=dict)
    sweep: list[dict[str, Any]] = field(default_factory=list)
    saturation: list[dict[str, Any]] = field(default_factory=list)
    idle: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "windows": self.windows,
            "sweep": self.sweep,
            "saturation": self.saturation,
            "idle": self.idle,
            "notes": self.notes,
        }


async def _start(target: str, work: Path, conversations: int) -> ServerProcess:
    if target == "relay":
        return await start_relay(work)
    return await start_tandem(work, -(-conversations // AGENT_CAPACITY), name=f"{target}-{time.time_ns()}")


async def _fleet(target: str, server: ServerProcess, plan: Plan, count: int) -> tuple[Fleet, float]:
    started = time.monotonic()
    factory = PeerFactory(plan.client, server.url)
    make = relay_fleet if target == "relay" else tandem_fleet
    fleet = await make(server, factory, count)
    return fleet, round(time.monotonic() - started, 1)


async def chat_suite(target: str, work: Path, plan: Plan, log: Any) -> Suite:
    """(a) and (b) on one server: saturation first (self-limiting), then rising open-loop load
    ending with the steady scenario, so an overloaded window cannot spoil a lighter one. With (d),
    Tandem's windows include (d)'s conversation count: the assist-off reference."""
    suite = Suite(target)
    counts = [*plan.sweep, plan.steady] if "a" in plan.scenarios else []
    if "d" in plan.scenarios and target == "tandem":
        counts = sorted({*counts, *plan.assist_conversations})
    saturation = plan.saturation if "b" in plan.scenarios else ()
    if not counts and not saturation:
        return suite
    most = max((*counts, *saturation))
    server = await _start(target, work, most)
    try:
        monitor = Monitor(server.pid)
        fleet, setup = await _fleet(target, server, plan, most)
        suite.notes.append(f"set up {most} conversations in {setup} s")
        log(f"{target}: {most} conversations set up in {setup} s")
        for count in saturation:
            profile = work / f"{target}-b-{count}.txt" if plan.profile and count == saturation[-1] else None
            window = await measured(fleet, count, None, plan.window, plan, monitor, profile)
            suite.saturation.append(window)
            log(f"{target} (b) closed loop, {count} conversations: {_brief(window)}")
        for count in counts:
            steady = count == plan.steady and "a" in plan.scenarios
            profile = work / f"{target}-a-{count}.txt" if plan.profile and steady else None
            seconds = plan.steady_window if steady else plan.window
            window = await measured(fleet, count, 1.0, seconds, plan, monitor, profile)
            suite.sweep.append(window)
            if steady:
                suite.windows["steady"] = window
            log(f"{target} (a) {count} conversations at 1 msg/s per side: {_brief(window)}")
        suite.windows["acked_total"] = fleet.acked_total
        await fleet.close()
    finally:
        await server.stop()
    if target != "relay" and server.data_dir is not None:
        suite.windows["persisted"] = persisted_messages(server.data_dir)
    return suite


async def measured(
    fleet: Fleet,
    count: int,
    rate: float | None,
    seconds: float,
    plan: Plan,
    monitor: Monitor,
    profile_to: Path | None,
) -> dict[str, Any]:
    """One window over the first ``count`` conversations, profiled with py-spy when asked."""
    sampling = None
    if profile_to is not None:
        sampling = asyncio.create_task(profile(monitor.pid, plan.warmup, seconds, profile_to))
    window = await run_window(
        fleet, fleet.chats[:count], rate=rate, seconds=seconds, warmup=plan.warmup, monitor=monitor
    )
    if sampling is not None and (path := await sampling) is not None:
        window["profile"] = summarise(parse(path), 15)
    return window


def persisted_messages(data_dir: Path) -> int:
    """Text messages stored in the server's database (every acknowledged one must be there)."""
    import sqlite3

    with sqlite3.connect(data_dir / "tandem.db") as db:
        return int(db.execute("SELECT count(*) FROM messages WHERE type = 'text'").fetchone()[0])


def _brief(window: dict[str, Any]) -> str:
    d = window["delivery_ms"]
    flag = " OVERLOADED" if window.get("overloaded") else ""
    return (
        f"{window['delivered_per_s']} msgs/s, p50 {d['p50']} p95 {d['p95']} p99 {d['p99']} ms, "
        f"CPU {window['server'].get('cpu_cores')}, errors {window['errors']}, "
        f"unanswered {window['unanswered']}{flag}"
    )


async def idle_suite(target: str, work: Path, plan: Plan, log: Any) -> dict[str, Any]:
    """(c) on a fresh server: RSS before and after ``plan.idle`` visitors connect and sit idle."""
    server = await _start(target, work, 1)
    factory = PeerFactory(plan.client, server.url)
    warm_count = 20
    sessions = 0
    all_in = asyncio.Event()  # every visitor has its session (the relay sends none)

    def on_event(event: str, _data: Any) -> None:
        nonlocal sessions
        sessions += event == "session"
        if sessions >= plan.idle + warm_count:
            all_in.set()

    peers = []
    try:
        monitor = Monitor(server.pid)
        # A few connections first, so code loaded on first use is in the baseline.
        warm = [factory("/visitor", on_event) for _ in range(warm_count)]
        await gather_limited([functools.partial(p.connect, {}) for p in warm], 20)
        await asyncio.sleep(1.0)
        before = monitor.rss()
        started = time.monotonic()
        peers = [factory("/visitor", on_event) for _ in range(plan.idle)]
        await gather_limited([functools.partial(p.connect, {}) for p in peers], 100)
        connect_s = time.monotonic() - started
        if target != "relay":
            with contextlib.suppress(TimeoutError):  # measure anyway, as before: a few may be late
                await asyncio.wait_for(all_in.wait(), 120)
        await asyncio.sleep(2.0)
        monitor.mark()
        await asyncio.sleep(5.0)
        usage = monitor.usage()
        after = monitor.rss()
        gc.collect()
        result = {
            "connections": plan.idle,
            "connect_seconds": round(connect_s, 1),
            "connects_per_s": round(plan.idle / connect_s, 1),
            "rss_before_mb": round(before / 2**20, 1),
            "rss_after_mb": round(after / 2**20, 1),
            "rss_per_connection_kb": round((after - before) / plan.idle / 1024, 1),
            "idle_cpu_cores": usage["cpu_cores"],
        }
        log(f"{target} (c) {plan.idle} idle visitors: {result['rss_per_connection_kb']} KB each")
        await gather_limited([p.close for p in [*warm, *peers]], 200)
        return result
    finally:
        await factory.close()
        await server.stop()


def prepare_kb(work: Path, plan: Plan, data_dir: Path) -> dict[str, Any]:
    """Load kb-northwind (or ``plan.kb_articles`` of it) into ``data_dir`` with ``tandem kb load``;
    a small synthetic knowledge base when the shared data is absent."""
    source = work / "kb"
    source.mkdir(exist_ok=True)
    files = sorted(KB_SOURCE.glob("*.md")) if KB_SOURCE.is_dir() else []
    if files:
        for path in files[: plan.kb_articles or len(files)]:
            shutil.copy(path, source / path.name)
        origin = "kb-northwind"
    else:
        for n in range(plan.kb_articles or 30):
            (source / f"topic{n}.md").write_text(_synthetic_article(n))
        origin = "synthetic"
    started = time.monotonic()
    env = tandem_env(data_dir, 0, assist=True)
    subprocess.run(
        [PYTHON, "-m", "server", "kb", "load", str(source)],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = round(time.monotonic() - started)
    return {"kb": origin, "articles": len(list(source.iterdir())), "load_seconds": seconds}


def _synthetic_article(n: int) -> str:
    words = ["card", "payment", "transfer", "refund", "limit", "fee", "pin", "account", "top-up"]
    body = " ".join(f"The {words[(n + i) % 9]} rule {i} applies to {words[(n * i) % 9]}." for i in range(40))
    return f"---\nid: topic{n}\ntitle: About {words[n % 9]} {n}\n---\n\n## Details\n\n{body}\n"
