"""Run the benchmarks and write bench/results/<date>.json, a Markdown table and PNG charts.

``python -m bench.run`` is the short run of ``make bench`` (a few minutes);
``python -m bench.run --full`` is the run behind docs/performance.md (about half an hour).
Servers run on CPU 0 and the load generator on the other CPUs (``taskset``) when there are two.
Scenario (f) needs PostgreSQL and Redis (``BENCH_PG_URL``, ``BENCH_REDIS_URL``; by default the
test services on 127.0.0.1) and is skipped, with a note in the results, without them.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import sqlite_floor
from bench.assist_scenarios import assist_alone, assist_on_suite
from bench.report import write_report
from bench.scaleout import scale_out_suite
from bench.scenarios import Plan, chat_suite, idle_suite
from bench.servers import ROOT, cpu_plan


def log(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


def machine() -> dict[str, Any]:
    """The machine and the moment: CPUs, memory, load average, commit."""
    model = ""
    with open("/proc/cpuinfo") as info:
        model = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "")
    with open("/proc/meminfo") as info:
        mem_kb = int(next(ln for ln in info if ln.startswith("MemTotal")).split()[1])

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return out.stdout.strip()

    server_cpus, generator_cpus = cpu_plan()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "commit": git("rev-parse", "--short", "HEAD"),
        # Results written by earlier runs are not code: they do not make the code under test dirty.
        "dirty": bool(git("status", "--porcelain", "--", "server", "common", "bench", ":!bench/results")),
        "pinning": (
            f"servers on CPU {server_cpus[-1]}, generator on CPU(s) {sorted(generator_cpus)}"
            if generator_cpus
            else "no pinning (one CPU or no taskset)"
        ),
    }


async def run(plan: Plan, work: Path, targets: tuple[str, ...] = ("tandem", "relay")) -> dict[str, Any]:
    """Every scenario in ``plan.scenarios``; the results as one JSON-ready dict."""
    results: dict[str, Any] = {"plan": dataclasses.asdict(plan) | {"scenarios": sorted(plan.scenarios)}}
    results["meta"] = machine() | {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "load_average_start": os.getloadavg(),
        "tweaks": os.environ.get("BENCH_TWEAKS", ""),
        "server_root": os.environ.get("BENCH_SERVER_ROOT", ""),
    }
    started = time.monotonic()
    if plan.scenarios & {"a", "b", "d"}:
        for target in targets if plan.scenarios & {"a", "b"} else ("tandem",):
            results[target] = (await chat_suite(target, work, plan, log)).to_json()
    if plan.scenarios & {"a", "b"}:
        results["sqlite_floor"] = await asyncio.to_thread(sqlite_floor.measure)
    if "c" in plan.scenarios:
        for target in targets:
            results.setdefault(target, {})["idle"] = await idle_suite(target, work, plan, log)
    if "d" in plan.scenarios:
        results["assist_on"] = await assist_on_suite(work, plan, log)
    if "e" in plan.scenarios:
        results["assist_alone"] = await assist_alone(plan, log)
    if "f" in plan.scenarios:
        results["scale_out"] = await scale_out_suite(work, plan, log)
    results["meta"]["load_average_end"] = os.getloadavg()
    results["meta"]["seconds"] = round(time.monotonic() - started)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--full", action="store_true", help="the full-size run (docs/performance.md)")
    parser.add_argument("--only", default="abcdef", help="scenarios to run, e.g. 'ab' (default: abcdef)")
    parser.add_argument("--client", choices=("lean", "sio"), default="lean", help="the generator's client")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--steady", type=int, help="conversations in (a), overriding the plan")
    parser.add_argument("--idle", type=int, help="connections in (c), overriding the plan")
    parser.add_argument("--rounds", type=int, help="rounds of both layouts in (f), overriding the plan")
    parser.add_argument("--profile", action="store_true", help="py-spy the server in (a), (b), (d) and (f)")
    parser.add_argument("--tweaks", default="", help="what-if runtime tweaks for Tandem (bench/tweaks)")
    parser.add_argument("--server-root", type=Path, help="run Tandem from this checkout instead")
    parser.add_argument("--targets", default="tandem,relay", help="servers for (a)-(c): tandem,relay")
    args = parser.parse_args()
    plan = Plan.full() if args.full else Plan.short()
    plan = dataclasses.replace(plan, scenarios=frozenset(args.only), client=args.client, profile=args.profile)
    if args.steady:
        plan = dataclasses.replace(plan, steady=args.steady)
    if args.idle:
        plan = dataclasses.replace(plan, idle=args.idle)
    if args.rounds:
        plan = dataclasses.replace(plan, scale_rounds=args.rounds)
    if args.tweaks:
        os.environ["BENCH_TWEAKS"] = args.tweaks
    if args.server_root:
        os.environ["BENCH_SERVER_ROOT"] = str(args.server_root.resolve())
    _, generator_cpus = cpu_plan()
    if generator_cpus:
        os.sched_setaffinity(0, generator_cpus)
    _raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        results = asyncio.run(run(plan, Path(tmp), tuple(args.targets.split(","))))
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    paths = write_report(results, args.out, f"{stamp}{'-full' if args.full else ''}")
    for path in paths:
        log(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _raise_fd_limit() -> None:
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


if __name__ == "__main__":
    main()
