"""Logs of a real `tandem serve` process: JSON lines on stderr, the events that matter, no secrets."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import free_port
from tests.peers import Peer, login, start_chat_with

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("secret-text-42", "secret-reply-43", "secret-note-44", "wrong-password-99")


@dataclass
class Served:
    """A `tandem serve` subprocess and everything it wrote so far."""

    url: str
    process: asyncio.subprocess.Process
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    async def wait_for(self, pattern: str, stream: str = "stderr", timeout: float = 20.0) -> str:
        """The first line of ``stream`` matching ``pattern``, waiting for it to be written."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            lines: list[str] = getattr(self, stream)
            for line in lines:
                if re.search(pattern, line):
                    return line
            if self.process.returncode is not None or loop.time() > deadline:
                pytest.fail(f"no {pattern!r} on {stream}:\n" + "".join(self.stderr + self.stdout))
            await asyncio.sleep(0.05)


async def _read(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode())


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """`python -m server serve` with JSON logs on a free port and a fresh data dir; stopped afterwards."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_") and k not in ("PORT", "HOST")}
    env.update(
        TANDEM_DATA_DIR=str(tmp_path / "data"),
        PORT=str(port),
        TANDEM_LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        "serve",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    served = Served(f"http://127.0.0.1:{port}", process)
    served.readers = [
        asyncio.create_task(_read(process.stdout, served.stdout)),
        asyncio.create_task(_read(process.stderr, served.stderr)),
    ]
    try:
        await served.wait_for("Tandem serving on")
        yield served
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
        await asyncio.gather(*served.readers)


def records(lines: list[str]) -> list[dict[str, Any]]:
    """Every stderr line parsed as a JSON object (fails on any line that is not one)."""
    parsed = []
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            pytest.fail(f"not a JSON log line: {line!r}")
        assert isinstance(record, dict), line
        assert {"asctime", "level", "name", "message"} <= set(record), record
        parsed.append(record)
    return parsed


async def test_json_logs_carry_events_but_no_message_text_or_passwords(served: Served) -> None:
    """Sign-in, assignment and other events are logged as JSON; message text and passwords never are."""
    banner = await served.wait_for(r"password:\s+\S+", stream="stdout")
    password = banner.split("password:")[1].strip()
    email = (await served.wait_for(r"email:\s+\S+", stream="stdout")).split("email:")[1].strip()
    assert email == "demo@tandem.local"

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{served.url}/api/login", json={"email": email, "password": SECRETS[3]}) as r:
            assert r.status == 401
    agent, token = await login(served.url, email, password)

    grace = Peer(served.url, "/agent")
    visitor = Peer(served.url, "/visitor")
    try:
        await grace.connect({"token": token})
        assert (await grace.emit("status.set", {"status": "online"}))["ok"]
        await visitor.connect({})
        conv_id = await start_chat_with(grace, visitor)
        sent = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": SECRETS[0]})
        assert sent["ok"]
        await grace.recv_until("message", lambda m: m["text"] == SECRETS[0])
        for text, private in ((SECRETS[1], False), (SECRETS[2], True)):
            payload = {
                "conversation_id": conv_id,
                "client_id": str(uuid.uuid4()),
                "text": text,
                "private": private,
            }
            assert (await grace.emit("message.send", payload))["ok"]
        assert (await grace.emit("conversation.close", {"conversation_id": conv_id}))["ok"]
        await served.wait_for(rf"conversation {conv_id} closed")
    finally:
        await visitor.close()
        await grace.close()
    await served.wait_for(rf"agent {agent['id']} disconnected")

    logged = records(served.stderr)
    messages = [r["message"] for r in logged]
    assert f"agent {agent['id']} signed in" in messages
    assert "failed sign-in" in messages
    assert f"agent {agent['id']} connected" in messages
    assert any(re.fullmatch(rf"conversation {conv_id} started by v_\d+", m) for m in messages), messages
    assert f"conversation {conv_id} assigned to {agent['id']} (routed)" in messages
    assert all(r["level"] in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") for r in logged)
    assert not [r for r in logged if r["level"] in ("ERROR", "CRITICAL")], logged

    everything_logged = "".join(served.stderr)
    for secret in (*SECRETS, password):
        assert secret not in everything_logged, secret
    # The demo admin's password is for the operator's eyes, on stdout, once.
    printed = "".join(served.stdout)
    assert printed.count(password) == 1
    assert f"{served.url}/console" in printed
    assert not any(line.lstrip().startswith("{") for line in served.stdout), "log lines went to stdout"
