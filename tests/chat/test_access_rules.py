"""One access rule (server/chat/access.py) for the socket and HTTP: the same read gets the same
answer both ways, and docs/protocol.md shows the rule as it is."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aiohttp

from server.chat.access import ACTIONS, RULES
from tests.chat.test_access import client_id, start_chat
from tests.conftest import PASSWORD, Running
from tests.peers import Peer, login

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


async def transcript(server: Running, token: str, conv_id: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        url = f"{server.url}/api/conversations/{conv_id}/transcript"
        async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as r:
            return r.status, await r.json()


async def reads(server: Running, agent: Peer, conv_id: str) -> tuple[str, str, str]:
    """What ``agent`` gets reading ``conv_id`` by ``sync``, ``visitor.get`` and the transcript:
    ``ok`` or the error code each time."""
    assert agent.token is not None
    outcomes = []
    for event in ("sync", "visitor.get"):
        ack = await agent.emit(event, {"conversation_id": conv_id, "last_seq": 0})
        outcomes.append("ok" if ack["ok"] else ack["error"]["code"])
    status, body = await transcript(server, agent.token, conv_id)
    outcomes.append("ok" if status == 200 else body["error"]["code"])
    if status != 200:
        assert status == 403, body
    return outcomes[0], outcomes[1], outcomes[2]


async def test_socket_and_http_reads_agree(server: Running) -> None:
    """Another agent's chat: forbidden over the socket and over HTTP, with nothing of the visitor
    or the notes in the answer; the holder, an admin, and anyone while it is queued: readable."""
    grace = await server.agent("Grace", capacity=1)
    alan = await server.agent("Alan", capacity=1, online=False)
    boss = await server.agent("Boss", role="admin", online=False)
    _, conv = await start_chat(server, grace, "Ada Lovelace")
    note = {"conversation_id": conv, "client_id": client_id(), "text": "secret-note-x", "private": True}
    assert (await grace.emit("message.send", note))["ok"]

    assert await reads(server, grace, conv) == ("ok", "ok", "ok")
    assert await reads(server, boss, conv) == ("ok", "ok", "ok")
    assert await reads(server, alan, conv) == ("forbidden", "forbidden", "forbidden")
    assert alan.token is not None
    _, body = await transcript(server, alan.token, conv)
    assert "Ada Lovelace" not in json.dumps(body)
    assert "secret-note-x" not in json.dumps(body)

    # Grace is full: the next chat waits in the queue, where any agent may look at it.
    queued_visitor = await server.visitor()
    started = await queued_visitor.emit("conversation.start", {"name": "Queued"})
    assert started["ok"], started
    assert started["conversation"]["status"] == "queued", started
    waiting = started["conversation"]["id"]
    assert await reads(server, alan, waiting) == ("ok", "ok", "ok")


async def test_admin_only_http_is_refused_by_the_same_rule(server: Running) -> None:
    """An agent asking for an admin's things gets 403 forbidden; signing in comes first (401)."""
    info = await server.add_agent("Grace")
    _, token = await login(server.url, info["email"], PASSWORD)
    async with aiohttp.ClientSession() as http:
        for path in ("/api/admin/agents", "/api/admin/settings", "/api/admin/canned"):
            async with http.get(server.url + path, headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 403, path
                assert (await r.json())["error"]["code"] == "forbidden", path
            async with http.get(server.url + path) as r:
                assert r.status == 401, path


def test_protocol_shows_every_rule_as_the_code_has_it() -> None:
    """The access table in docs/protocol.md has one row per action, saying who, as the code does."""
    text = PROTOCOL.read_text()
    section = re.split(r"\n#{2,3} ", text.split("### Access", 1)[1], maxsplit=1)[0]
    rows = dict(re.findall(r"^\| `([a-z._]+)` \| [^|]* \| ([^|]+) \|$", section, re.MULTILINE))
    assert sorted(rows) == sorted(ACTIONS)
    for action, (_, who) in RULES.items():
        assert rows[action].strip() == who, action
