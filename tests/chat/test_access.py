"""Product acceptance "access": everyone reaches only what is theirs, and only when allowed to."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aiohttp
import pytest
import socketio

from server.auth.visitor_tokens import VisitorTokens
from tests.conftest import BOTH_LAYOUTS, PASSWORD, Running
from tests.peers import Peer, agent_of, login, routing_settled

# On one server, and on two sharing PostgreSQL and Redis with the clients spread over both.
pytestmark = BOTH_LAYOUTS

# What a visitor socket may ever receive; everything else on /visitor would be a leak.
VISITOR_EVENTS = {"session", "message", "conversation.updated", "typing"}
AGENT_ONLY_EVENTS = {
    "queue.updated",
    "agents.updated",
    "conversation.assigned",
    "conversation.removed",
    "visitor.updated",
}


def client_id() -> str:
    return str(uuid.uuid4())


async def refused(peer: Peer, auth: dict[str, Any] | None = None) -> str:
    """Connect expecting a refusal; returns the code the server gave in ``connect_error``."""
    errors: list[Any] = []

    def on_error(data: Any = None) -> None:
        errors.append(data)

    peer.sio.on("connect_error", on_error, namespace=peer.namespace)
    with pytest.raises(socketio.exceptions.ConnectionError) as info:
        await peer.connect(auth, wait_session=False)
    assert peer.namespace in str(info.value), str(info.value)
    assert not peer.sio.connected
    assert len(errors) == 1, errors
    assert isinstance(errors[0], dict), errors
    return str(errors[0]["message"])


async def http(
    server: Running,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """One HTTP request; returns (status, JSON body, headers)."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as session:
        async with session.request(method, server.url + path, json=body, headers=sent) as r:
            return r.status, await r.json(content_type=None), dict(r.headers)


async def start_chat(server: Running, agent: Peer, name: str = "Ada") -> tuple[Peer, str]:
    """A visitor whose new conversation is routed to ``agent``; returns (visitor, conversation id)."""
    visitor = await server.visitor()
    ack = await visitor.emit("conversation.start", {"name": name})
    assert ack["ok"], ack
    conv_id = ack["conversation"]["id"]
    assigned = await agent.recv_until("conversation.assigned", lambda d: d["conversation"]["id"] == conv_id)
    assert assigned["conversation"]["agent"]["id"] == agent_of(agent)["id"]
    await visitor.recv_until("conversation.updated", lambda d: d["status"] == "assigned")
    await visitor.recv_until("message", lambda m: m["event"] == "assigned")
    return visitor, conv_id


async def wait_for(condition: Any, timeout: float = 3.0) -> None:
    """Poll ``condition`` until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def closed(peer: Peer) -> bool:
    """Whether the client has closed its connection: then nothing more can reach it."""
    return not peer.sio.connected and peer.sio.eio.state == "disconnected"


def mentions(log: list[tuple[str, Any]], value: str) -> bool:
    """Whether ``value`` appears as a whole JSON string anywhere in a peer's log."""
    return json.dumps(value) in json.dumps(log)


async def test_visitor_reaches_only_their_own_conversation(any_server: Running) -> None:
    """B cannot sync A's conversation (not_found, no messages) and never receives A's events."""
    server = any_server
    grace = await server.agent("Grace")
    a, a_conv = await start_chat(server, grace, "Ada")
    b = await server.visitor()

    ack = await b.emit("sync", {"conversation_id": a_conv, "last_seq": 0})
    assert ack["ok"] is False
    assert ack["error"]["code"] == "not_found"
    assert "messages" not in ack
    assert "conversation" not in ack

    # B has a conversation of their own: still no way into A's.
    started = await b.emit("conversation.start", {"name": "Bob"})
    assert started["ok"], started
    b_conv = started["conversation"]["id"]
    assert b_conv != a_conv
    ack = await b.emit("sync", {"conversation_id": a_conv, "last_seq": 0})
    assert ack["ok"] is False
    assert ack["error"]["code"] == "not_found"
    own = await b.emit("sync", {"conversation_id": b_conv, "last_seq": 0})
    assert own["ok"]
    assert own["conversation"]["id"] == b_conv
    assert all(m["conversation_id"] == b_conv for m in own["messages"])

    # A and Grace talk; B hears none of it.
    sent = await a.emit("message.send", {"client_id": client_id(), "text": "ada-private-words-1"})
    assert sent["ok"], sent
    await grace.recv_until("message", lambda m: m["text"] == "ada-private-words-1")
    reply = {"conversation_id": a_conv, "client_id": client_id(), "text": "grace-answers-ada-2"}
    assert (await grace.emit("message.send", reply))["ok"]
    await grace.send("typing", {"conversation_id": a_conv, "typing": True})
    await a.recv_until("message", lambda m: m["text"] == "grace-answers-ada-2")
    await a.recv("typing")
    closed = await grace.emit("conversation.close", {"conversation_id": a_conv})
    assert closed["ok"], closed
    await a.recv_until("conversation.updated", lambda d: d["status"] == "closed")
    await b.fence()  # every action above was acknowledged (and the typing heard) before this

    assert not mentions(b.log, a_conv), b.log
    assert a.token is not None
    assert not mentions(b.log, a.token), b.log
    for text in ("ada-private-words-1", "grace-answers-ada-2"):
        assert text not in json.dumps(b.log)
    assert all(data.get("id", b_conv) == b_conv for event, data in b.log if event == "conversation.updated")
    assert {event for event, _ in b.log} <= VISITOR_EVENTS


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token-at-all",
        "eyJ2IjoxfQ.forged-signature",
        VisitorTokens("another-secret-key-123").issue(1),
    ],
    ids=["random", "bad-signature", "other-secret"],
)
async def test_forged_visitor_token_is_refused(server: Running, token: str) -> None:
    """A token this server did not sign: connect refused with invalid_token, nothing else received."""
    await server.visitor()  # visitor 1 exists, so only the signature can tell the token is forged
    peer = server.peer("/visitor")
    assert await refused(peer, {"token": token}) == "invalid_token"
    assert closed(peer)  # the client hung up on the refusal: the log is complete
    assert peer.log == []


async def test_a_signed_token_for_a_missing_visitor_or_not_a_string_is_refused(server: Running) -> None:
    """A well-signed token naming no visitor, or a token that is not a string: invalid_token."""
    for auth in ({"token": server.chat.tokens.issue(987_654)}, {"token": 12345}):
        peer = server.peer("/visitor")
        assert await refused(peer, auth) == "invalid_token"
        assert peer.log == []


async def test_agent_connect_needs_a_live_session(server: Running) -> None:
    """/agent without a token, with a made-up one, or with a signed-out one: unauthorized."""
    assert await refused(server.peer("/agent"), {}) == "unauthorized"
    assert await refused(server.peer("/agent"), {"token": "made-up-session-token"}) == "unauthorized"
    visitor = await server.visitor()
    assert await refused(server.peer("/agent"), {"token": visitor.token}) == "unauthorized"

    info = await server.add_agent("Grace")
    _, token = await login(server.url, info["email"], PASSWORD)
    status, body, _ = await http(server, "POST", "/api/logout", token=token)
    assert status == 200
    assert body == {"ok": True}
    peer = server.peer("/agent")
    assert await refused(peer, {"token": token}) == "unauthorized"
    assert peer.log == []


async def test_signing_out_closes_the_socket_and_the_token_stops_working(server: Running) -> None:
    """Sign-out closes the sockets of that session; the token cannot connect again."""
    grace = await server.agent("Grace")
    status, _, _ = await http(server, "POST", "/api/logout", token=grace.token)
    assert status == 200
    await wait_for(lambda: not grace.sio.connected)
    assert await refused(server.peer("/agent"), {"token": grace.token}) == "unauthorized"


async def test_an_expired_sessions_open_socket_can_do_nothing(server: Running) -> None:
    """A session that expires while its socket is open: the socket's next action is unauthorized."""
    import sqlalchemy as sa

    from server.db.schema import sessions
    from server.web.keys import ENGINE

    grace = await server.agent("Grace")
    async with server.app[ENGINE].begin() as conn:
        await conn.execute(sa.update(sessions).values(expires_at=0.0))
    ack = await grace.emit("status.set", {"status": "away"})
    assert ack["ok"] is False
    assert ack["error"]["code"] == "unauthorized"


async def test_a_disabled_agents_session_stops_working(server: Running) -> None:
    """Disabling an agent closes their socket; they hear nothing more, and reconnect and sign-in fail."""
    admin = await server.agent("Root", role="admin", online=False)
    grace = await server.agent("Grace")
    visitor, conv_id = await start_chat(server, grace)

    status, body, _ = await http(
        server,
        "PATCH",
        f"/api/admin/agents/{agent_of(grace)['id']}",
        token=admin.token,
        body={"disabled": True},
    )
    assert status == 200
    assert body["agent"]["disabled"] is True
    await wait_for(lambda: closed(grace))
    heard = len(grace.log)

    assert await refused(server.peer("/agent"), {"token": grace.token}) == "unauthorized"
    status, body, _ = await http(
        server,
        "POST",
        "/api/login",
        body={"email": agent_of(grace)["email"], "password": PASSWORD},
    )
    assert status == 401
    assert body["error"]["code"] == "invalid_credentials"
    # Her chat went back to the queue, and on to the next agent to come online.
    queued = await visitor.recv_until("conversation.updated", lambda d: d["status"] == "queued")
    assert queued["queue_position"] == 1
    assert queued["agent"] is None
    other = await server.visitor()
    assert (await other.emit("conversation.start", {"name": "Zoe"}))["ok"]
    assert (await admin.emit("status.set", {"status": "online"}))["ok"]
    assigned = await admin.recv_until("conversation.assigned", lambda d: d["conversation"]["id"] == conv_id)
    assert assigned["conversation"]["agent"]["id"] == agent_of(admin)["id"]
    await visitor.recv_until("conversation.updated", lambda d: d["agent"] == {"name": "Root"})
    # Nothing reached the disabled agent's socket after it was closed: no queue, no visitor names.
    # (A closed connection receives nothing, so no wait: the server must have closed it first.)
    assert grace.log[heard:] == []
    assert "Zoe" not in json.dumps(grace.log)


async def test_private_notes_and_agent_events_never_reach_a_visitor(server: Running) -> None:
    """Notes, transfer notes, queue/agents/assignment events: none of it on the visitor's socket."""
    grace = await server.agent("Grace", capacity=3)
    alan = await server.agent("Alan", capacity=1)
    visitor, conv_id = await start_chat(server, grace)
    await visitor.send("page.view", {"url": "https://shop.example/cart", "title": "Cart"})
    await grace.recv("visitor.updated")

    note = {
        "conversation_id": conv_id,
        "client_id": client_id(),
        "text": "note-only-agents-7",
        "private": True,
    }
    ack = await grace.emit("message.send", note)
    assert ack["ok"]
    assert ack["message"]["private"] is True
    assert ack["message"]["type"] == "note"
    public = {"conversation_id": conv_id, "client_id": client_id(), "text": "hello-visitor-8"}
    assert (await grace.emit("message.send", public))["ok"]
    await visitor.recv_until("message", lambda m: m["text"] == "hello-visitor-8")

    moved = await grace.emit(
        "conversation.transfer",
        {"conversation_id": conv_id, "agent_id": agent_of(alan)["id"], "note": "transfer-note-vip-9"},
    )
    assert moved["ok"], moved
    await alan.recv_until("conversation.assigned", lambda d: d["reason"] == "transferred")
    transfer_note = await alan.recv_until("message", lambda m: m["event"] == "transferred")
    assert transfer_note["private"] is True
    assert "transfer-note-vip-9" in transfer_note["text"]
    await visitor.recv_until("message", lambda m: m["text"] == "Alan joined the chat")

    # Another visitor waits in the queue (Alan is full, Grace is made away): queue.updated goes out.
    assert (await grace.emit("status.set", {"status": "away"}))["ok"]
    other = await server.visitor()
    assert (await other.emit("conversation.start", {}))["ok"]
    await grace.recv_until("queue.updated", lambda d: len(d["queue"]) == 1)

    assert (await alan.emit("conversation.close", {"conversation_id": conv_id}))["ok"]
    await visitor.recv_until("message", lambda m: m["event"] == "closed")
    # The close freed Alan: a routing pass gives him the waiting chat. Once it has run, everything
    # the server sent the visitor is in the log.
    await routing_settled(alan)
    await visitor.fence()

    events = {event for event, _ in visitor.log}
    assert events <= VISITOR_EVENTS, events
    assert not events & AGENT_ONLY_EVENTS
    for event, data in visitor.log:
        if event == "message":
            assert data["private"] is False, data
            assert data["type"] != "note", data
    dumped = json.dumps(visitor.log)
    for secret in ("note-only-agents-7", "transfer-note-vip-9", "transferred the chat"):
        assert secret not in dumped, secret
    # Nor does a replay hand them out.
    replay = await visitor.emit("sync", {"last_seq": 0})
    assert replay["ok"]
    assert all(m["private"] is False for m in replay["messages"])
    assert "note-only-agents-7" not in json.dumps(replay)
    assert "transfer-note-vip-9" not in json.dumps(replay)
    # The agents' stream has them all, gap-free.
    full = await alan.emit("sync", {"conversation_id": conv_id, "last_seq": 0})
    seqs = [m["seq"] for m in full["messages"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert {"note-only-agents-7"} <= {m["text"] for m in full["messages"]}


async def test_agent_cannot_touch_another_agents_conversation(server: Running) -> None:
    """Send, close, transfer, sync or look up someone else's conversation: forbidden; nothing changes."""
    grace = await server.agent("Grace")
    visitor, conv_id = await start_chat(server, grace)
    assert (await grace.emit("status.set", {"status": "away"}))["ok"]
    alan = await server.agent("Alan")

    attempts: list[tuple[str, dict[str, Any]]] = [
        ("message.send", {"conversation_id": conv_id, "client_id": client_id(), "text": "alan-intrudes"}),
        (
            "message.send",
            {"conversation_id": conv_id, "client_id": client_id(), "text": "x", "private": True},
        ),
        ("conversation.close", {"conversation_id": conv_id}),
        ("conversation.transfer", {"conversation_id": conv_id, "agent_id": agent_of(alan)["id"]}),
        ("sync", {"conversation_id": conv_id, "last_seq": 0}),
        ("visitor.get", {"conversation_id": conv_id}),
    ]
    for event, payload in attempts:
        ack = await alan.emit(event, payload)
        assert ack["ok"] is False, (event, ack)
        assert ack["error"]["code"] == "forbidden", (event, ack)

    state = await grace.emit("sync", {"conversation_id": conv_id, "last_seq": 0})
    assert state["conversation"]["status"] == "assigned"
    assert state["conversation"]["agent"]["id"] == agent_of(grace)["id"]
    assert "alan-intrudes" not in json.dumps(state)
    await visitor.fence()
    await alan.fence()
    assert "alan-intrudes" not in json.dumps(visitor.log)
    assert "conversation.assigned" not in {event for event, _ in alan.log}
