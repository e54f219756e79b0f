"""Read marks and notification preferences (docs/protocol.md, ``read.mark``, ``preferences.set``):
kept per agent in the database, sent with every ``session``, and passed to the agent's other
connections, on one server and on two sharing PostgreSQL and Redis (the tabs on different ones)."""

from __future__ import annotations

import uuid
from typing import Any

from server.app import SIO
from server.cluster.fanout import ClusterManager
from tests.chat.test_delivery import open_chat
from tests.conftest import BOTH_LAYOUTS, Running
from tests.peers import Peer

pytestmark = BOTH_LAYOUTS

DEFAULTS = {"sound": True, "desktop": False}


async def another_tab(server: Running, agent: Peer) -> tuple[Peer, dict[str, Any]]:
    """A second connection of the same signed-in agent (in the two-process layout, on the other
    server than ``agent``'s), and the ``session`` it got."""
    servers = [(server.url, server.app), *server.others]
    url, app = next(((u, a) for u, a in servers if u != agent.base_url), servers[0])
    assert (url != agent.base_url) == bool(server.others)
    tab = Peer(url, "/agent")
    manager = app[SIO].manager
    if isinstance(manager, ClusterManager):
        tab.barrier = manager.barrier
    server.peers.append(tab)  # closed after the test
    tab.info, tab.token = agent.info, agent.token
    session = await tab.connect({"token": agent.token})
    return tab, session


async def visitor_says(visitor: Peer, agent: Peer, *texts: str) -> list[int]:
    """The visitor sends ``texts``; their seqs, once the agent has each."""
    seqs = []
    for text in texts:
        ack = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": text})
        assert ack["ok"], ack
        seqs.append(ack["message"]["seq"])
        assert (await agent.recv_until("message", lambda m: m["author"]["type"] == "visitor"))["text"] == text
    return seqs


async def test_read_marks_move_forward_and_follow_the_agent(server: Running) -> None:
    agent, visitor, conv = await open_chat(server)
    assert await visitor_says(visitor, agent, "one", "two", "three") == [2, 3, 4]
    tab, session = await another_tab(server, agent)
    # Nothing read yet: every visitor message is unread (the "joined" event is no message to read).
    assert session["reads"] == [{"conversation_id": conv, "last_read_seq": 0, "unread": 3}]
    assert session["preferences"] == DEFAULTS

    mark = await agent.emit("read.mark", {"conversation_id": conv, "seq": 3})
    expected = {"conversation_id": conv, "last_read_seq": 3, "unread": 1}
    assert mark == {"ok": True, "read": expected}
    assert await tab.recv("read.updated") == expected
    await agent.nothing("read.updated")  # the tab that read it knows from its acknowledgement

    # Backwards (an older tab catching up) changes nothing, and nobody hears of it.
    back = await tab.emit("read.mark", {"conversation_id": conv, "seq": 2})
    assert back == {"ok": True, "read": expected}
    await agent.nothing("read.updated")

    # Past the last message: read up to the last message, not beyond (a new one will be unread).
    ahead = await tab.emit("read.mark", {"conversation_id": conv, "seq": 99})
    everything = {"conversation_id": conv, "last_read_seq": 4, "unread": 0}
    assert ahead == {"ok": True, "read": everything}
    assert await agent.recv("read.updated") == everything
    await tab.nothing("read.updated")

    assert await visitor_says(visitor, agent, "four", "five") == [5, 6]
    await tab.recv("message")
    _, reloaded = await another_tab(server, agent)
    assert reloaded["reads"] == [{"conversation_id": conv, "last_read_seq": 4, "unread": 2}]


async def test_each_agent_has_their_own_marks(server: Running) -> None:
    grace, visitor, conv = await open_chat(server)
    await visitor_says(visitor, grace, "hello")
    admin = await server.agent("Ada", online=False, role="admin")
    # An admin may read any chat (docs/protocol.md, Access), and their mark is theirs alone.
    mark = await admin.emit("read.mark", {"conversation_id": conv, "seq": 2})
    assert mark == {"ok": True, "read": {"conversation_id": conv, "last_read_seq": 2, "unread": 0}}
    await grace.nothing("read.updated")
    _, session = await another_tab(server, grace)
    assert session["reads"] == [{"conversation_id": conv, "last_read_seq": 0, "unread": 1}]


async def test_read_mark_refusals(server: Running) -> None:
    grace, _visitor, conv = await open_chat(server)
    alan = await server.agent("Alan")
    refused = await alan.emit("read.mark", {"conversation_id": conv, "seq": 1})
    assert refused["error"]["code"] == "forbidden", refused
    for payload, code in [
        ({"conversation_id": "c_0", "seq": 1}, "not_found"),
        ({"conversation_id": conv}, "bad_request"),
        ({"conversation_id": conv, "seq": -1}, "bad_request"),
        ({"conversation_id": conv, "seq": True}, "bad_request"),
        ({"conversation_id": conv, "seq": 2**31}, "bad_request"),
        ({"seq": 1}, "bad_request"),
    ]:
        ack = await grace.emit("read.mark", payload)
        assert (ack["ok"], ack["error"]["code"]) == (False, code), (payload, ack)
    _, session = await another_tab(server, grace)
    assert session["reads"] == [{"conversation_id": conv, "last_read_seq": 0, "unread": 0}]


async def test_preferences_are_kept_per_agent(server: Running) -> None:
    grace = await server.agent("Grace")
    alan = await server.agent("Alan")
    tab, session = await another_tab(server, grace)
    assert (session["reads"], session["preferences"]) == ([], DEFAULTS)

    ack = await grace.emit("preferences.set", {"desktop": True})
    assert ack == {"ok": True, "preferences": {"sound": True, "desktop": True}}
    assert await tab.recv("preferences.updated") == {"preferences": {"sound": True, "desktop": True}}
    await grace.nothing("preferences.updated")

    # Each switch is written alone: the other keeps what it was.
    ack = await tab.emit("preferences.set", {"sound": False})
    assert ack == {"ok": True, "preferences": {"sound": False, "desktop": True}}
    assert await grace.recv("preferences.updated") == {"preferences": {"sound": False, "desktop": True}}

    _, reloaded = await another_tab(server, grace)
    assert reloaded["preferences"] == {"sound": False, "desktop": True}
    await alan.nothing("preferences.updated")
    _, alans = await another_tab(server, alan)
    assert alans["preferences"] == DEFAULTS


async def test_preferences_refusals(server: Running) -> None:
    grace = await server.agent("Grace")
    for payload in [{}, {"volume": 3}, {"sound": "yes"}, {"sound": True, "desktop": 1}, None]:
        ack = await grace.emit("preferences.set", payload)
        assert (ack["ok"], ack["error"]["code"]) == (False, "bad_request"), (payload, ack)
    _, session = await another_tab(server, grace)
    assert session["preferences"] == DEFAULTS
