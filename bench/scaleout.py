"""(f) scale-out: one Tandem process on PostgreSQL against two over Redis and the same PostgreSQL.

In the two-process layout every conversation's agent is connected to process A and its visitor to
process B, so every message is stored by one process and delivered by the other, through Redis.
Each layout runs on a fresh database, in alternation (one, two, one, two …), with the same
windows: closed loop (as (b)) and open loop at a fixed rate (as (a)).

Both layouts' servers are pinned to the servers' CPU (the generator has the other), so two
processes cannot deliver more than one: the figure that compares them is the servers' CPU time
per delivered message, summed over all server processes.
"""

from __future__ import annotations

import asyncio
import functools
import os
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.cluster import (
    ServiceMissing,
    fresh_database,
    persisted_messages,
    postgres_pids,
    redis_pids,
    services_reachable,
    start_layout,
)
from bench.load import Fleet, run_window, tandem_fleet
from bench.profile_summary import costs, parse, summarise, weighted_costs
from bench.scaleout_report import window_key
from bench.scenarios import Plan
from bench.servers import AGENT_CAPACITY, Monitor, profile
from bench.wire import PeerFactory

LAYOUTS = {"one": 1, "two": 2}
# Two processes' CPU per message over one's: near-linear scaling (the issue's target).
TARGET_RATIO = 1.2


def cpu_us(window: dict[str, Any], key: str = "cpu_cores", per: str = "delivered") -> float | None:
    """CPU time per message in a window, µs: the servers' (summed), or one of the other
    processes' (``key`` in ``others_cpu_cores``); per message delivered in the window, or (``per``
    "acked") per message sent in it and acknowledged."""
    server = window.get("server", {})
    cores = server.get(key) if key == "cpu_cores" else server.get("others_cpu_cores", {}).get(key)
    rate = window.get("delivered_per_s") if per == "delivered" else window["acked"] / window["seconds"]
    if cores is None or not rate:
        return None
    return round(float(cores) * 1e6 / float(rate), 1)


async def scale_out_suite(work: Path, plan: Plan, log: Callable[[str], None]) -> dict[str, Any]:
    """Every round of both layouts, then the per-window medians and ratios; ``skipped`` when
    PostgreSQL or Redis is not there."""
    try:
        await services_reachable()
    except ServiceMissing as error:
        log(f"(f) skipped: {error}")
        return {"skipped": str(error)}
    runs = []
    for round_no in range(1, plan.scale_rounds + 1):
        for name, processes in LAYOUTS.items():
            run = await layout_run(work, plan, name, processes, round_no, log)
            runs.append(run)
    return {"runs": runs, "summary": summary(runs), "target_ratio": TARGET_RATIO}


async def layout_run(
    work: Path, plan: Plan, name: str, processes: int, round_no: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """One layout on a fresh database: its closed- and open-loop windows (and, with
    ``plan.profile`` in the first round, a profiled window that is not counted)."""
    count = max(*plan.scale_saturation, *plan.scale_open)
    run: dict[str, Any] = {"layout": name, "processes": processes, "round": round_no, "windows": []}
    # Other people's work on this machine shows here first: a run to discount, or to redo.
    run["load_average_start"] = os.getloadavg()
    async with fresh_database() as url:
        layout = await start_layout(work, url, processes, -(-count // AGENT_CAPACITY))
        try:
            others: dict[str, Callable[[], list[int]]] = {
                "redis-server": redis_pids,
                "postgres": functools.partial(postgres_pids, layout.database),
            }
            monitor = Monitor(*layout.pids, others=others)
            agents = PeerFactory(plan.client, layout.servers[0].url)
            visitors = PeerFactory(plan.client, layout.servers[-1].url) if processes > 1 else None
            fleet = await tandem_fleet(layout.servers[0], agents, count, visitor_factory=visitors)
            run["idle"] = await _idle(monitor, plan.warmup)
            for n, rate, seconds in _schedule(plan):
                window = await run_window(
                    fleet, fleet.chats[:n], rate=rate, seconds=seconds, warmup=plan.warmup, monitor=monitor
                )
                window["cpu_us_per_message"] = cpu_us(window)
                # Equal when deliveries keep up; apart when a backlog grows during the window.
                window["cpu_us_per_acked"] = cpu_us(window, per="acked")
                run["windows"].append(window)
                log(f"(f) {name}, round {round_no}, {window_key(window)}: {_brief(window)}")
            if plan.profile and round_no == 1:
                run["profile"] = await _profiled(fleet, layout.pids, plan, work / f"f-{name}")
            run["acked_total"] = fleet.acked_total
            await fleet.close()
        finally:
            await layout.stop()
        run["persisted"] = await persisted_messages(url)
    run["load_average_end"] = os.getloadavg()
    return run


async def _idle(monitor: Monitor, seconds: float) -> dict[str, Any]:
    """The servers' CPU with every conversation connected and nobody sending: what each process
    spends on its own timers (probes, presence, grace sweeps), whatever the message rate."""
    monitor.mark()
    await asyncio.sleep(seconds)
    return monitor.usage()


def _schedule(plan: Plan) -> list[tuple[int, float | None, float]]:
    """(conversations, rate per side or None for closed loop, seconds) of each counted window."""
    closed = [(n, None, plan.window) for n in plan.scale_saturation]
    return [*closed, *((n, 1.0, plan.window) for n in plan.scale_open)]


async def _profiled(fleet: Fleet, pids: list[int], plan: Plan, prefix: Path) -> dict[str, Any]:
    """A closed-loop window at the smallest saturation size with py-spy on every server process
    (py-spy pauses a process to read its stacks, so this window's figures are not counted). The
    smallest: it saturates the core, and deliveries keep up with acknowledgements there, so a
    message's whole cost falls inside the window (at larger sizes the Redis layout's deliveries
    fall behind and a growing backlog is stored, but delivered only after the window).
    Three windows long: two processes sharing a core each get half of it, and py-spy's 100 Hz
    needs seconds to say anything about a path that takes 2 % of it."""
    seconds = 3 * plan.window
    sampling = [
        asyncio.create_task(profile(pid, plan.warmup, seconds, prefix.with_name(f"{prefix.name}-{n}.txt")))
        for n, pid in enumerate(pids)
    ]
    n = min(plan.scale_saturation)
    monitor = Monitor(*pids)
    window = await run_window(
        fleet, fleet.chats[:n], rate=None, seconds=seconds, warmup=plan.warmup, monitor=monitor
    )
    paths = await asyncio.gather(*sampling)
    if any(p is None for p in paths):
        return {"unavailable": "py-spy missing, or not allowed to attach"}
    cpus = window["server"].get("cpu_cores_each") or [window["server"]["cpu_cores"]]
    each = [costs(parse(path)) for path in paths if path is not None]
    return {
        "conversations": n,
        "processes": len(paths),
        "cpu_cores_each": cpus,
        "costs": weighted_costs(list(zip(each, cpus, strict=True))),
        "costs_each": each,
        "each": [summarise(parse(path), 12) for path in paths if path is not None],
    }


def summary(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per window kind and size: each layout's median CPU µs per message, delivered msgs/s and
    p99 over the rounds, and two's CPU per message over one's."""
    keys = list(dict.fromkeys(window_key(w) for run in runs for w in run["windows"]))
    rows = []
    for key in keys:
        row: dict[str, Any] = {"window": key}
        for name in LAYOUTS:
            windows = [w for r in runs if r["layout"] == name for w in r["windows"] if window_key(w) == key]
            row[name] = {
                "rounds": len(windows),
                "cpu_us_per_message": _median([w["cpu_us_per_message"] for w in windows]),
                "cpu_us_per_acked": _median([w["cpu_us_per_acked"] for w in windows]),
                "acked_per_s": _median([w["acked"] / w["seconds"] for w in windows]),
                "delivered_per_s": _median([w["delivered_per_s"] for w in windows]),
                "p99_ms": _median([w["delivery_ms"]["p99"] for w in windows]),
                "redis_us_per_message": _median([cpu_us(w, "redis-server") for w in windows]),
                "postgres_us_per_message": _median([cpu_us(w, "postgres") for w in windows]),
            }
        row["ratio"] = _ratio(row, "cpu_us_per_message")
        row["ratio_acked"] = _ratio(row, "cpu_us_per_acked")
        rows.append(row)
    return rows


def _ratio(row: dict[str, Any], field: str) -> float | None:
    one, two = row["one"][field], row["two"][field]
    return round(two / one, 3) if one and two else None


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 1) if present else None


def _brief(window: dict[str, Any]) -> str:
    d = window["delivery_ms"]
    each = window["server"].get("cpu_cores_each")
    split = f" ({' + '.join(str(c) for c in each)})" if each else ""
    return (
        f"{window['delivered_per_s']} msgs/s, CPU {window['server'].get('cpu_cores')}{split} = "
        f"{window['cpu_us_per_message']} µs/msg, p50 {d['p50']} p95 {d['p95']} p99 {d['p99']} ms, "
        f"errors {window['errors']}, unanswered {window['unanswered']}"
        + (" OVERLOADED" if window.get("overloaded") else "")
    )
