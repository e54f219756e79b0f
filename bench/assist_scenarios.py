"""(d) the assist on under steady chat load, and (e) the assist alone by knowledge-base size.

(e) reuses bench/assist_latency.py (the assist engineer's): the same synthetic knowledge base of
noisy copies of kb-northwind passages, the same queries, the same ``measure``.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from bench.scenarios import KB_SOURCE, Plan, _brief, _fleet, measured, prepare_kb
from bench.servers import AGENT_CAPACITY, Monitor, start_tandem, wait_assist_ready
from bench.stats import summary


async def assist_on_suite(work: Path, plan: Plan, log: Any) -> dict[str, Any]:
    """(d): Tandem with the assist on and a knowledge base, under (a)'s load (1 msg/s per side) at
    each of ``plan.assist_conversations``; the assist-off figures come from the chat suite."""
    kb: dict[str, Any] = {}
    most = max(plan.assist_conversations)
    server = await start_tandem(
        work,
        -(-most // AGENT_CAPACITY),
        assist=True,
        name="tandem-assist",
        prepare=lambda data_dir: kb.update(prepare_kb(work, plan, data_dir)),
    )
    windows = []
    try:
        kb["ready_seconds"] = round(await wait_assist_ready(server), 1)
        log(f"assist: knowledge base {kb}")
        monitor = Monitor(server.pid)
        fleet, setup = await _fleet("tandem", server, plan, most)
        for count in plan.assist_conversations:
            profile_to = work / f"tandem-d-{count}.txt" if plan.profile and count == most else None
            window = await measured(fleet, count, 1.0, plan.steady_window, plan, monitor, profile_to)
            windows.append(window)
            log(f"tandem assist on, {count} conversations: {_brief(window)}")
        await fleet.close()
    finally:
        await server.stop()
    return {"kb": kb, "setup_seconds": setup, "windows": windows}


async def assist_alone(plan: Plan, log: Any) -> list[dict[str, Any]]:
    """(e): the time of ``await assist.suggest(turns)`` with 1k, 10k, (100k) passages, for one chat
    at a time and for 20 chats each writing every 1-3 s (bench/assist_latency.py's method).

    The assist's own embedder, unless ``TANDEM_BENCH_EMBEDDER`` names another of
    ``bench.assist_latency.EMBEDDERS`` (``torch``: the model as before the ONNX export)."""
    from bench.assist_latency import make_embedder, measure, ready_assist

    kind = os.environ.get("TANDEM_BENCH_EMBEDDER", "default")
    real = await asyncio.to_thread(make_embedder, kind)
    log(f"(e) embedder: {kind}, {type(real).__name__} {real.fingerprint}")
    results = []
    for passages in plan.passages:
        async with ready_assist(real, KB_SOURCE, passages) as (assist, total, built):
            alone = await measure(assist, 1, plan.assist_messages, (0.0, 0.01))
            busy = await measure(assist, 20, max(plan.assist_messages // 20, 5), (1.0, 3.0))
        result = {
            "passages": total,
            "build_seconds": round(built, 1),
            "one_chat_ms": summary(alone),
            "twenty_chats_ms": summary(busy),
        }
        results.append(result)
        log(f"(e) {total} passages: one chat {result['one_chat_ms']}, 20 chats {result['twenty_chats_ms']}")
    return results
