"""Smoke run of the load generator (bench/): end to end against real servers, a few seconds.

This keeps the benchmark tool working; it is not a speed test, and asserts nothing about speed:
only that messages go through, are counted once each, and the figures are well formed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.load import relay_fleet, run_window, tandem_fleet
from bench.profile_summary import summarise
from bench.report import write_report
from bench.scenarios import persisted_messages
from bench.servers import Monitor, start_relay, start_tandem
from bench.wire import PeerFactory


def assert_sane(window: dict[str, Any]) -> None:
    """Every message sent in the window was acknowledged and heard once, with finite latencies."""
    assert window["sent"] > 0
    assert window["errors"] == {}
    assert window["unanswered"] == 0
    assert window["acked"] == window["received"] == window["sent"]
    assert window["lost"] == 0
    assert window["duplicates"] == 0
    for key in ("delivery_ms", "ack_ms", "probe_rtt_ms"):
        figures = window[key]
        assert figures["n"] > 0, key
        assert 0 <= figures["p50"] <= figures["p95"] <= figures["p99"] <= figures["max"], (key, figures)
        assert math.isfinite(figures["max"])
    # The server did the window's work, so it used CPU time (psutil counts it in 10 ms ticks).
    assert window["server"]["cpu_cores"] > 0
    assert window["server"]["rss_mb"] > 0


async def test_generator_against_tandem_and_the_relay(tmp_path: Path) -> None:
    tandem = await start_tandem(tmp_path, agents=1)
    try:
        fleet = await tandem_fleet(tandem, PeerFactory("lean", tandem.url), 4)
        assert len({c.cid for c in fleet.chats}) == 4
        steady = await run_window(
            fleet, fleet.chats, rate=4.0, seconds=1.5, warmup=0.3, monitor=Monitor(tandem.pid)
        )
        closed = await run_window(
            fleet, fleet.chats, rate=None, seconds=1.0, warmup=0.2, monitor=Monitor(tandem.pid)
        )
        fleet_acked = fleet.acked_total
        await fleet.close()
    finally:
        await tandem.stop()
    assert_sane(steady)
    assert_sane(closed)
    assert steady["offered_per_s"] == 32.0
    assert not steady["overloaded"]
    assert tandem.data_dir is not None
    assert persisted_messages(tandem.data_dir) >= fleet_acked >= steady["acked"] + closed["acked"]

    relay = await start_relay(tmp_path)
    try:
        fleet = await relay_fleet(relay, PeerFactory("lean", relay.url), 4)
        relayed = await run_window(
            fleet, fleet.chats, rate=None, seconds=1.0, warmup=0.2, monitor=Monitor(relay.pid)
        )
        await fleet.close()
    finally:
        await relay.stop()
    assert_sane(relayed)

    results = {
        "plan": {"client": "lean"},
        "meta": {
            "date": "today",
            "commit": "abc",
            "dirty": False,
            "cpus": 2,
            "cpu_model": "cpu",
            "memory_gb": 1,
            "python": "3",
            "pinning": "none",
            "load_average_start": (0.0, 0.0, 0.0),
            "load_average_end": (0.0, 0.0, 0.0),
        },
        "tandem": {
            "windows": {"steady": steady, "persisted": fleet_acked, "acked_total": fleet_acked},
            "sweep": [steady],
            "saturation": [closed],
        },
        "relay": {"windows": {"steady": relayed}, "sweep": [relayed], "saturation": [relayed]},
    }
    paths = write_report(results, tmp_path / "results", "smoke")
    assert {p.suffix for p in paths} >= {".json", ".md"}
    table = (tmp_path / "results" / "smoke.md").read_text()
    assert "(a) steady" in table
    assert "(b) saturation" in table


def test_profile_summary_reads_collapsed_stacks() -> None:
    stacks = [
        (["run (asyncio/base_events.py:1)", "execute (sqlalchemy/engine/base.py:2)"], 3),
        (["run (asyncio/base_events.py:1)", "emit (socketio/async_server.py:3)"], 1),
    ]
    result = summarise(stacks, top=5)
    assert result["samples"] == 4
    assert dict(result["areas"]) == {"sqlalchemy": 75.0, "socketio/engineio": 25.0}
