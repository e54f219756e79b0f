"""A server killed with SIGKILL mid-chat and started again loses nothing, and clients resume by themselves.

The server runs as a real subprocess (``python -m server serve``) on SQLite in a temporary data
directory; the clients are :class:`tests.resuming.ResumingClient`, which reconnect, ``sync`` and
resend unacknowledged messages on their own, as the widget and the console do.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import PASSWORD
from tests.peers import login
from tests.processes import ServerProcess, serving_with_grace
from tests.resuming import ResumingClient

EMAIL = "grace@example.com"


@pytest.fixture
async def server_process(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """A server subprocess with one agent (Grace) created through the CLI; stopped after the test."""
    async with serving_with_grace(ServerProcess(tmp_path / "data")) as proc:
        yield proc


async def transcript(url: str, token: str, conversation_id: str) -> list[dict[str, Any]]:
    """Every stored message of a conversation, from the HTTP API (it reads the database)."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(f"{url}/api/conversations/{conversation_id}/transcript") as response:
            body = await response.json()
            assert response.status == 200, body
            return list(body["messages"])


def stored_at_kill(data_dir: Path, conversation_id: str) -> list[tuple[int, str | None]]:
    """(seq, client_id) of the conversation's messages in the SQLite file, read while the server is down."""
    with contextlib.closing(sqlite3.connect(data_dir / "tandem.db")) as db:
        rows = db.execute(
            "SELECT seq, client_id FROM messages WHERE conversation_id = ? ORDER BY seq",
            (int(conversation_id.removeprefix("c_")),),
        ).fetchall()
    return [(int(seq), client_id) for seq, client_id in rows]


def seqs(messages: list[dict[str, Any]]) -> list[int]:
    return [m["seq"] for m in messages]


async def test_sigkill_mid_chat_loses_nothing_and_clients_resume(server_process: ServerProcess) -> None:
    """Kill -9 with sends in flight, restart: history complete, both sides resume and chat on."""
    server = server_process
    _, token = await login(server.url, EMAIL, PASSWORD)
    agent = ResumingClient(server.url, "/agent", token=token)
    visitor = ResumingClient(server.url, "/visitor")
    try:
        await agent.connect()
        assert (await agent.sio.call("status.set", {"status": "online"}, namespace="/agent"))["ok"]
        session = await visitor.connect()
        assert session["conversation"] is None
        start = await visitor.sio.call("conversation.start", {"name": "Ada"}, namespace="/visitor")
        assert start["ok"], start
        conv = start["conversation"]["id"]
        await agent.wait_for(lambda: conv in agent.conversations and agent.last_seq(conv) >= 1)
        await visitor.wait_for(lambda: visitor.last_seq(conv) >= 1)

        # A normal exchange before the crash.
        sent: list[tuple[ResumingClient, str, str]] = []
        for n in range(3):
            for client, text in ((visitor, f"visitor before {n}"), (agent, f"agent before {n}")):
                client_id = await client.send(text, conv if client is agent else None)
                assert (await client.acked(client_id))["ok"]
                sent.append((client, client_id, text))
        await agent.wait_for(lambda: agent.last_seq(conv) == 7)
        await visitor.wait_for(lambda: visitor.last_seq(conv) == 7)
        acked_before = {m["id"]: m for m in agent.history(conv)}

        # Sends in flight from both sides; kill the server as soon as it is processing them.
        heard = len(agent.live)
        for n in range(5):
            for client, text in ((visitor, f"visitor in flight {n}"), (agent, f"agent in flight {n}")):
                client_id = await client.send(text, conv if client is agent else None)
                sent.append((client, client_id, text))
        await agent.wait_for(lambda: len(agent.live) > heard, timeout=5)
        await server.kill()
        unacked = {*visitor.pending, *agent.pending}
        assert agent.connects == 1
        assert visitor.connects == 1

        # On disk at the moment of the kill: everything acknowledged, gap-free, maybe more.
        on_disk = stored_at_kill(server.data_dir, conv)
        assert [seq for seq, _ in on_disk] == list(range(1, len(on_disk) + 1))
        acked_ids = {cid for _, cid, _ in sent} - unacked
        assert acked_ids <= {cid for _, cid in on_disk}, "an acknowledged message was lost"
        stored_unacked = unacked & {cid for _, cid in on_disk}

        await server.start()

        # Both resume by themselves: reconnect, sync, resend what was not acknowledged.
        acks = {client_id: await client.acked(client_id, timeout=15) for client, client_id, _ in sent}
        assert not visitor.pending
        assert not agent.pending
        total = 1 + len(sent)
        await agent.wait_for(lambda: agent.last_seq(conv) == total and agent.resumes == 1)
        await visitor.wait_for(lambda: visitor.last_seq(conv) == total and visitor.resumes == 1)
        assert agent.connects == 2, (agent.connects, visitor.connects)
        assert visitor.connects == 2, (agent.connects, visitor.connects)

        history = agent.history(conv)
        assert seqs(history) == list(range(1, total + 1)), seqs(history)
        assert visitor.history(conv) == history
        by_client_id = {m["client_id"]: m for m in history if m["client_id"]}
        assert len(by_client_id) == len(sent)
        for _, client_id, text in sent:
            assert by_client_id[client_id]["text"] == text
            assert acks[client_id]["message"] == by_client_id[client_id]
        for message_id, message in acked_before.items():
            assert message in history, f"{message_id} acked before the crash, missing after it"
        # Each side's messages are stored in the order it sent them, across the crash too.
        for client in (visitor, agent):
            mine = [by_client_id[cid]["seq"] for c, cid, _ in sent if c is client]
            assert mine == sorted(mine), mine
        assert await transcript(server.url, token, conv) == history

        # The agent kept the conversation through the restart (grace period at start-up).
        await agent.wait_for(lambda: len(agent.sessions) == 2)
        await visitor.wait_for(lambda: len(visitor.sessions) == 2)
        assert visitor.sessions[1]["visitor"] == visitor.sessions[0]["visitor"]  # the same visitor
        after = agent.sessions[1]
        assert [c["id"] for c in after["conversations"]] == [conv]
        assert after["conversations"][0]["status"] == "assigned"
        assert visitor.sessions[1]["conversation"]["id"] == conv
        assert visitor.sessions[1]["conversation"]["status"] == "assigned"
        assert not any(m["event"] == "requeued" for m in history)

        # New messages flow both ways.
        heard_by_agent, heard_by_visitor = len(agent.live), len(visitor.live)
        from_visitor = await visitor.acked(await visitor.send("visitor after restart"))
        from_agent = await agent.acked(await agent.send("agent after restart", conv))
        await agent.wait_for(lambda: from_visitor["message"] in agent.live[heard_by_agent:])
        await visitor.wait_for(lambda: from_agent["message"] in visitor.live[heard_by_visitor:])
        assert seqs(agent.history(conv)) == list(range(1, total + 3))
        assert visitor.history(conv) == agent.history(conv)
        assert await transcript(server.url, token, conv) == agent.history(conv)
        assert agent.errors == []
        assert visitor.errors == []
        print(
            f"at the kill: {len(unacked)} of 10 in-flight sends unacknowledged, "
            f"{len(stored_unacked)} of those already stored"
        )
    finally:
        await agent.close()
        await visitor.close()
        print(server.log())
