"""The recording client against a scripted Socket.IO server: it fills a gap with a sync, obeys a
``resync`` (which today's server does not send yet), resends a slow send with the same client_id,
and resumes after the server drops it. The history records each step."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio
from aiohttp import web

from bench.chaos.history import History
from bench.chaos.participants import AgentClient
from bench.chaos.recorder import Limits, Link
from tests.conftest import free_port

CONV = "c_1"


def message(seq: int, client_id: str | None = None) -> dict[str, Any]:
    author = {"type": "agent", "id": "a_1", "name": "A"} if client_id else {"type": "system", "id": None}
    return {
        "id": f"m_{seq}", "conversation_id": CONV, "seq": seq, "client_id": client_id,
        "type": "text" if client_id else "event", "private": False, "author": author,
        "text": "x", "event": None if client_id else "assigned", "created_at": "2026-01-01T00:00:00.000Z",
    }  # fmt: skip


@dataclass
class Script:
    """A one-conversation ``/agent`` server whose stream the test appends to."""

    sio: socketio.AsyncServer
    url: str
    stream: list[dict[str, Any]] = field(default_factory=lambda: [message(1), message(2)])
    sends: list[str] = field(default_factory=list)
    sids: list[str] = field(default_factory=list)  # connections, in order

    def store(self) -> dict[str, Any]:
        self.stream.append(message(len(self.stream) + 1))
        return self.stream[-1]

    async def emit(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data, namespace="/agent")


@pytest.fixture
async def script() -> AsyncIterator[Script]:
    sio = socketio.AsyncServer(async_mode="aiohttp")
    app = web.Application()
    sio.attach(app)
    port = free_port()
    server = Script(sio, f"http://127.0.0.1:{port}")

    async def session(sid: str) -> None:
        await asyncio.sleep(0.05)  # after the connect completes, as Tandem does
        view = {"id": CONV, "status": "assigned", "last_seq": len(server.stream)}
        await sio.emit("session", {"conversations": [view], "queue": []}, to=sid, namespace="/agent")

    async def on_connect(sid: str, environ: dict[str, Any], auth: dict[str, Any]) -> None:
        server.sids.append(sid)
        sio.start_background_task(session, sid)

    async def on_sync(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        after = [m for m in server.stream if m["seq"] > data["last_seq"]]
        return {"ok": True, "conversation": {"id": CONV}, "messages": after, "more": False}

    async def on_send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        server.sends.append(data["client_id"])
        stored = next((m for m in server.stream if m["client_id"] == data["client_id"]), None)
        if stored is None:
            server.stream.append(stored := message(len(server.stream) + 1, data["client_id"]))
            await asyncio.sleep(1.0)  # the first acknowledgement is slow: the client sends again
        return {"ok": True, "message": stored}

    sio.on("connect", on_connect, namespace="/agent")
    sio.on("sync", on_sync, namespace="/agent")
    sio.on("message.send", on_send, namespace="/agent")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield server
    await runner.cleanup()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def kinds(history: History, kind: str) -> list[dict[str, Any]]:
    return [e for e in history.events if e["kind"] == kind]


async def test_the_recorder_resyncs_resends_and_resumes(script: Script) -> None:
    history = History()
    limits = Limits(deadline=time.monotonic() + 30, ack_timeout=0.3, call_timeout=2.0)
    client = AgentClient("agent-0", "a_1", Link([script.url], history, limits), 0, token="t")
    client.start()
    try:
        await until(lambda: client.upto[CONV] == 2)  # the resume after the session synced 1, 2

        script.store()  # 3: its emit is lost
        await script.emit("message", script.store())  # 4: heard live, beyond the next expected
        await until(lambda: client.upto[CONV] == 4)
        gap = [e for e in kinds(history, "sync") if e["reason"] == "gap"]
        assert [(e["after"], [m["seq"] for m in e["messages"]]) for e in gap] == [(2, [3, 4])]

        script.store()  # 5: not announced at all; the server says so instead
        await script.emit("resync", {})
        await until(lambda: client.upto[CONV] == 5)
        assert [e["data"] for e in kinds(history, "resync")] == [{}]
        resync = [e for e in kinds(history, "sync") if e["reason"] == "resync"]
        assert [(e["after"], [m["seq"] for m in e["messages"]]) for e in resync] == [(4, [5])]

        sent = client.send(uuid.UUID(int=7), "hello", conversation=CONV)
        await until(lambda: not client.pending and len(kinds(history, "ack")) == 2, timeout=5)
        assert script.sends == [sent, sent]  # sent again, with the same client_id
        acks = [(e["client_id"], e["message"]["seq"]) for e in kinds(history, "ack")]
        assert acks == [(sent, 6), (sent, 6)]  # both at the one seq it was stored at

        script.store()  # 7: stored while the client is cut off
        await script.sio.disconnect(script.sids[-1], namespace="/agent")
        await until(lambda: client.connects == 2 and client.upto[CONV] == 7)
        assert [e["n"] for e in kinds(history, "connect")] == [1, 2]
        assert [e["n"] for e in kinds(history, "disconnect")] == [1]
        assert [e["reason"] for e in kinds(history, "sync")][-1] == "resume"
    finally:
        await client.close()
