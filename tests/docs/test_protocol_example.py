"""Replays the example session of docs/protocol.md against a real server, exactly as written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import BOTH_LAYOUTS, PASSWORD, Running
from tests.peers import Peer

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def example_steps() -> list[dict[str, Any]]:
    text = PROTOCOL.read_text()
    block = re.search(r"## Example session.*?```jsonl\n(.*?)```", text, re.S)
    assert block, "docs/protocol.md has no jsonl example session"
    return [json.loads(line) for line in block.group(1).splitlines() if line.strip()]


class Matcher:
    """Compares payloads with the doc's patterns: "*" is anything, "$name" a captured value."""

    def __init__(self) -> None:
        self.vars: dict[str, Any] = {}

    def check(self, pattern: Any, actual: Any, path: str = "") -> None:
        if pattern == "*":
            return
        if isinstance(pattern, str) and pattern.startswith("$"):
            if pattern in self.vars:
                assert actual == self.vars[pattern], f"{path}: {actual!r} != {pattern}={self.vars[pattern]!r}"
            else:
                assert actual is not None, f"{path}: {pattern} captured nothing"
                self.vars[pattern] = actual
            return
        if isinstance(pattern, dict):
            assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
            assert set(actual) == set(pattern), f"{path}: keys {sorted(actual)} != {sorted(pattern)}"
            for key, sub in pattern.items():
                self.check(sub, actual[key], f"{path}.{key}")
            return
        if isinstance(pattern, list):
            assert isinstance(actual, list), f"{path}: {actual!r}"
            assert len(actual) == len(pattern), f"{path}: {actual!r}"
            for i, (sub, item) in enumerate(zip(pattern, actual, strict=True)):
                self.check(sub, item, f"{path}[{i}]")
            return
        assert actual == pattern, f"{path}: {actual!r} != {pattern!r}"

    def fill(self, value: Any) -> Any:
        """Substitute captured values into a payload to send."""
        if isinstance(value, str) and value in self.vars:
            return self.vars[value]
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return value


def test_the_example_is_there_and_covers_both_sides() -> None:
    steps = example_steps()
    assert {s["actor"] for s in steps} == {"agent", "visitor"}
    assert len(steps) >= 15


@BOTH_LAYOUTS  # on one server, and on two sharing PostgreSQL and Redis (clients on both)
async def test_example_session_replays_as_written(server: Running) -> None:
    await server.chat.stores.agents.add("grace@example.com", "Grace", PASSWORD)
    assert PASSWORD == "correct horse"
    match = Matcher()
    peers: dict[str, Peer] = {}
    for number, step in enumerate(example_steps(), start=1):
        actor = step["actor"]
        where = f"step {number} ({actor})"
        if "http" in step:
            method, path = step["http"].split(" ", 1)
            async with aiohttp.ClientSession() as http:
                async with http.request(method, server.url + path, json=match.fill(step["body"])) as r:
                    match.check(step["expect"], await r.json(), where)
        elif "connect" in step:
            peers[actor] = server.peer(step["connect"])
            await peers[actor].connect(match.fill(step["auth"]), wait_session=False)
        elif "recv" in step:
            data = await peers[actor].recv(step["recv"])
            match.check(step["data"], data, f"{where} recv {step['recv']}")
        elif "ack" in step:
            ack = await peers[actor].emit(step["emit"], match.fill(step["data"]))
            match.check(step["ack"], ack, f"{where} ack {step['emit']}")
        else:
            await peers[actor].send(step["emit"], match.fill(step["data"]))
