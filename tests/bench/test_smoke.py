"""Smoke run of the load generator (bench/): end to end against real servers, a few seconds.

This keeps the benchmark tool working; it is not a speed test, and asserts nothing about speed:
only that messages go through, are counted once each, and the figures are well formed.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest

from bench.cluster import ServiceMissing, services_reachable
from bench.load import relay_fleet, run_window, tandem_fleet
from bench.profile_summary import DATABASE, PUBLISHING, costs, summarise
from bench.report import write_report
from bench.scaleout import cpu_us, scale_out_suite
from bench.scaleout_report import markdown as scale_out_markdown
from bench.scaleout_report import window_key
from bench.scenarios import Plan, persisted_messages
from bench.servers import Monitor, start_relay, start_tandem
from bench.wire import PeerFactory
from tests.conftest import service_missing


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


async def test_scale_out_one_process_against_two(tmp_path: Path) -> None:
    """(f) at its smallest: both layouts on PostgreSQL (two over Redis, each conversation's
    visitor and agent on different processes), a closed- and an open-loop window each."""
    try:
        await services_reachable()
    except ServiceMissing as error:
        service_missing("PostgreSQL and Redis", error)
    plan = dataclasses.replace(
        Plan.short(), window=1.0, warmup=0.3, scale_saturation=(2,), scale_open=(2,), scale_rounds=1
    )
    scale = await scale_out_suite(tmp_path, plan, lambda _line: None)

    assert [(r["layout"], r["processes"]) for r in scale["runs"]] == [("one", 1), ("two", 2)]
    for run in scale["runs"]:
        assert [window_key(w) for w in run["windows"]] == ["closed 2", "open 2"]
        assert run["persisted"] >= run["acked_total"] >= sum(w["acked"] for w in run["windows"])
        for window in run["windows"]:
            assert_sane(window)
            server = window["server"]
            assert window["cpu_us_per_message"] == cpu_us(window)
            assert window["cpu_us_per_acked"] == cpu_us(window, per="acked")
            assert set(server["others_cpu_cores"]) == {"redis-server", "postgres"}
            if run["processes"] == 2:
                # Every message is stored by one process and delivered by the other: both work.
                assert len(server["cpu_cores_each"]) == 2
                assert all(c > 0 for c in server["cpu_cores_each"])
                assert server["cpu_cores"] == pytest.approx(sum(server["cpu_cores_each"]), abs=0.002)
    by_window = {row["window"]: row for row in scale["summary"]}
    assert set(by_window) == {"closed 2", "open 2"}
    for row in by_window.values():
        one, two = row["one"]["cpu_us_per_message"], row["two"]["cpu_us_per_message"]
        assert row["ratio"] == pytest.approx(two / one, abs=0.001)
        assert row["two"]["rounds"] == row["one"]["rounds"] == 1

    table = "\n".join(scale_out_markdown(scale))
    assert "two / one, CPU per msg delivered" in table
    assert table.count("| 1 | one |") == table.count("| 1 | two |") == 2


def test_profile_costs_follow_the_call_path() -> None:
    """A sample counts for what it was done for: JSON under the Redis publish is pub/sub work,
    a socket write under asyncpg is the database's, the pre-ping is named apart."""
    loop = ["run_forever (asyncio/base_events.py:1)", "BaseEventLoop._run_once (asyncio/base_events.py:2)"]
    publish = "AsyncRedisManager._publish (socketio/async_redis_manager.py:3)"
    write = "_SelectorSocketTransport.write (asyncio/selector_events.py:4)"
    stacks = [
        ([*loop, publish, "dumps (json/__init__.py:5)"], 1),
        ([*loop, publish, write], 1),
        ([*loop, "Connection._do_execute (asyncpg/connection.py:6)", write], 1),
        ([*loop, "AsyncAdapt_asyncpg_connection._async_ping (sqlalchemy/x.py:7)", write], 1),
    ]
    shares = costs(stacks)
    assert shares["pub/sub: JSON encode of each emit"] == 25.0
    assert shares[PUBLISHING] == 25.0
    assert shares[DATABASE] == 25.0
    assert shares["PostgreSQL: pool pre-ping (BEGIN, SELECT, ROLLBACK per checkout)"] == 25.0
    assert sum(shares.values()) == 100.0
