"""A Tandem server in a subprocess (``python -m server serve``), as an operator runs it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from bench.servers import wait_healthy
from tests.conftest import PASSWORD, free_port
from tests.peers import Peer, exchange, login, start_chat_with

ROOT = Path(__file__).resolve().parents[1]


class ServerProcess:
    """``python -m server serve`` in a subprocess, restartable on the same port and data directory.

    ``python`` and ``cwd`` default to this checkout's; another environment's Python runs the
    Tandem installed there (from a folder where the checkout's packages cannot shadow it).
    """

    def __init__(self, data_dir: Path, python: str = sys.executable, cwd: Path = ROOT) -> None:
        self.data_dir = data_dir
        self.python, self.cwd = python, cwd
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / "server.log"
        # The parent's TANDEM_* settings (a test database URL, say) must not leak in.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
        self.env.update(
            TANDEM_DATA_DIR=str(data_dir),
            PORT=str(self.port),
            HOST="127.0.0.1",
            TANDEM_AGENT_GRACE_SECONDS="60",
            TANDEM_EVENTS_PER_SECOND="1000",
            TANDEM_EVENTS_BURST="1000",
            TANDEM_ASSIST="off",  # no test of a server process needs the model: save the CPU
        )
        self.process: asyncio.subprocess.Process | None = None

    async def cli(self, *args: str, stdin: str = "", status: int = 0) -> str:
        """Run ``python -m server <args>`` to completion; returns its output."""
        proc = await asyncio.create_subprocess_exec(
            self.python, "-m", "server", *args, cwd=self.cwd, env=self.env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        # Generous: a readiness bound, not a speed check; imports are slow on a loaded machine.
        out, _ = await asyncio.wait_for(proc.communicate(stdin.encode()), 60)
        assert proc.returncode == status, out.decode()
        return out.decode()

    async def start(self, *serve_args: str) -> None:
        """Start ``serve`` (with ``serve_args``) and wait until /healthz answers 200."""
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                self.python, "-m", "server", "serve", *serve_args, cwd=self.cwd, env=self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        process = self.process
        try:
            await wait_healthy(self.url, lambda: process.returncode, timeout=45)
        except (RuntimeError, TimeoutError) as error:
            raise AssertionError(f"{error}:\n{self.log()}") from None

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, open sockets just drop."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


GRACE = "grace@example.com"


@contextlib.asynccontextmanager
async def serving_with_grace(proc: ServerProcess, *serve_args: str) -> AsyncIterator[ServerProcess]:
    """``proc`` with one agent (Grace, created through the CLI) serving; stopped afterwards."""
    out = await proc.cli("agent", "add", "--email", GRACE, "--name", "Grace", stdin=PASSWORD)
    assert "added a_" in out, out
    await proc.start(*serve_args)
    try:
        yield proc
    finally:
        await proc.stop()


async def chat_both_ways(url: str) -> None:
    """Grace signs in and goes online; a visitor starts a chat; each sends a message the other
    receives with its stored ``seq``; Grace closes the chat (so she has room for the next)."""
    _, token = await login(url, GRACE, PASSWORD)
    agent, visitor = Peer(url, "/agent"), Peer(url, "/visitor")
    try:
        await agent.connect({"token": token})
        assert (await agent.emit("status.set", {"status": "online"}))["ok"]
        await visitor.connect({})
        conversation_id = await start_chat_with(agent, visitor)
        await exchange(agent, visitor, conversation_id, "hello", "hi Ada")
        closed = await agent.emit("conversation.close", {"conversation_id": conversation_id})
        assert closed["ok"], closed
    finally:
        await agent.close()
        await visitor.close()
