"""The admin API: agents, widget settings and canned responses, for admins only."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.conftest import PASSWORD, Running
from tests.peers import agent_of, login, session_of


async def call(
    server: Running, method: str, path: str, token: str | None = None, body: Any = None
) -> tuple[int, Any]:
    """One HTTP request with an optional Bearer token; returns (status, JSON body)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http:
        async with http.request(method, server.url + path, json=body, headers=headers) as r:
            return r.status, await r.json(content_type=None)


async def signed_in(server: Running, name: str, role: str = "agent", capacity: int = 3) -> tuple[str, str]:
    """Add an agent and sign them in over HTTP; returns (agent id, session token)."""
    info = await server.add_agent(name, role=role, capacity=capacity)
    _, token = await login(server.url, info["email"], PASSWORD)
    return info["id"], token


ADMIN_ENDPOINTS = [
    ("GET", "/api/admin/agents", None),
    ("POST", "/api/admin/agents", {"email": "x@example.com", "name": "X", "password": "long enough"}),
    ("PATCH", "/api/admin/agents/a_1", {"capacity": 5}),
    ("GET", "/api/admin/settings", None),
    ("PUT", "/api/admin/settings", {"greeting": "Hacked"}),
    ("GET", "/api/admin/canned", None),
    ("POST", "/api/admin/canned", {"shortcut": "x", "text": "y"}),
    ("PATCH", "/api/admin/canned/1", {"text": "y"}),
    ("DELETE", "/api/admin/canned/1", None),
]


async def test_admin_api_is_for_admins_only(server: Running) -> None:
    """Every admin endpoint: 401 unauthorized anonymously, 403 forbidden for an agent; nothing changes."""
    await server.chat.stores.settings.add_canned("x", "original")
    _, agent_token = await signed_in(server, "Grace")
    for method, path, body in ADMIN_ENDPOINTS:
        status, answer = await call(server, method, path, None, body)
        assert status == 401, (method, path, answer)
        assert answer["error"]["code"] == "unauthorized", (method, path, answer)
        status, answer = await call(server, method, path, agent_token, body)
        assert status == 403, (method, path, answer)
        assert answer["error"]["code"] == "forbidden", (method, path, answer)
    assert (await server.chat.stores.settings.widget()).greeting != "Hacked"
    assert [(c.shortcut, c.text) for c in await server.chat.stores.settings.canned()] == [("x", "original")]
    assert await server.chat.stores.agents.count() == 2  # the demo admin and Grace


async def test_add_and_list_agents(any_server: Running) -> None:
    """Adding an agent: 201 and listed; duplicate email 409 conflict; invalid fields 400 bad_request."""
    server = any_server
    _, admin = await signed_in(server, "Root", role="admin")
    status, body = await call(
        server,
        "POST",
        "/api/admin/agents",
        admin,
        {"email": "alan@example.com", "name": " Alan ", "password": "long enough", "capacity": 5},
    )
    assert status == 201, body
    added = body["agent"]
    assert {k: added[k] for k in ("name", "email", "role", "capacity", "load", "disabled", "connected")} == {
        "name": "Alan",
        "email": "alan@example.com",
        "role": "agent",
        "capacity": 5,
        "load": 0,
        "disabled": False,
        "connected": False,
    }
    assert "password" not in str(body)
    assert "long enough" not in str(body)
    # The new agent can sign in with that password.
    agent, _ = await login(server.url, "alan@example.com", "long enough")
    assert agent["id"] == added["id"]

    status, body = await call(
        server,
        "POST",
        "/api/admin/agents",
        admin,
        {"email": "kay@example.com", "name": "Kay", "password": "long enough", "role": "admin"},
    )
    assert status == 201
    assert body["agent"]["role"] == "admin"
    assert body["agent"]["capacity"] == server.settings.default_capacity

    status, body = await call(
        server,
        "POST",
        "/api/admin/agents",
        admin,
        {"email": "ALAN@example.com", "name": "Alan again", "password": "long enough"},
    )
    assert status == 409, body
    assert body["error"]["code"] == "conflict", body

    valid = {"email": "new@example.com", "name": "New", "password": "long enough"}
    for bad in (
        {"email": "not-an-email"},
        {"email": ""},
        {"email": None},
        {"password": "short"},
        {"password": None},
        {"capacity": 0},
        {"capacity": 51},
        {"capacity": "3"},
        {"capacity": 2.5},
        {"capacity": True},
        {"role": "owner"},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
    ):
        status, body = await call(server, "POST", "/api/admin/agents", admin, {**valid, **bad})
        assert status == 400, (bad, body)
        assert body["error"]["code"] == "bad_request"
    status, body = await call(server, "POST", "/api/admin/agents", admin, ["not", "an", "object"])
    assert status == 400
    assert body["error"]["code"] == "bad_request"

    status, body = await call(server, "GET", "/api/admin/agents", admin)
    assert status == 200
    listed = {a["email"]: a for a in body["agents"]}
    assert set(listed) == {"demo@tandem.local", "root@example.com", "alan@example.com", "kay@example.com"}
    assert all("disabled" in a and "password_hash" not in a for a in body["agents"])
    assert listed["alan@example.com"]["capacity"] == 5


async def test_patch_agent_capacity_role_and_name(server: Running) -> None:
    """PATCH changes capacity, role and name; raising capacity routes waiting chats at once."""
    _, admin = await signed_in(server, "Root", role="admin")
    grace = await server.agent("Grace", capacity=1)
    grace_id = agent_of(grace)["id"]
    first = await server.visitor()
    assert (await first.emit("conversation.start", {}))["ok"]
    await grace.recv("conversation.assigned")
    second = await server.visitor()
    waiting = await second.emit("conversation.start", {})
    assert waiting["conversation"]["status"] == "queued"

    status, body = await call(server, "PATCH", f"/api/admin/agents/{grace_id}", admin, {"capacity": 2})
    assert status == 200
    assert body["agent"]["capacity"] == 2
    assert body["agent"]["load"] >= 1
    assigned = await grace.recv("conversation.assigned")
    assert assigned["conversation"]["id"] == waiting["conversation"]["id"]
    await second.recv_until("conversation.updated", lambda d: d["status"] == "assigned")

    status, body = await call(
        server, "PATCH", f"/api/admin/agents/{grace_id}", admin, {"role": "admin", "name": "Grace H."}
    )
    assert status == 200
    assert body["agent"]["role"] == "admin"
    assert body["agent"]["name"] == "Grace H."
    assert body["agent"]["connected"] is True
    assert body["agent"]["load"] == 2
    status, body = await call(server, "GET", "/api/admin/agents", grace.token)
    assert status == 200, "the promoted agent is an admin now"

    for bad in ({"capacity": 0}, {"capacity": "2"}, {"role": "boss"}, {"disabled": "yes"}, {"name": ""}):
        status, body = await call(server, "PATCH", f"/api/admin/agents/{grace_id}", admin, bad)
        assert status == 400, (bad, body)
        assert body["error"]["code"] == "bad_request", (bad, body)
    for unknown in ("a_999", "nonsense", "999"):
        status, body = await call(server, "PATCH", f"/api/admin/agents/{unknown}", admin, {"capacity": 2})
        assert status == 404, (unknown, body)
        assert body["error"]["code"] == "not_found", (unknown, body)


async def test_disabling_an_agent_requeues_chats_and_ends_sessions(server: Running) -> None:
    """Disabled: their chats go back to the queue, every session of theirs ends; enabling lets them back."""
    _, admin = await signed_in(server, "Root", role="admin")
    grace = await server.agent("Grace")
    grace_id = agent_of(grace)["id"]
    _, second_session = await login(server.url, "grace@example.com", PASSWORD)
    visitor = await server.visitor()
    conv = (await visitor.emit("conversation.start", {"name": "Ada"}))["conversation"]
    await grace.recv("conversation.assigned")
    await visitor.recv_until("conversation.updated", lambda d: d["status"] == "assigned")

    status, body = await call(server, "PATCH", f"/api/admin/agents/{grace_id}", admin, {"disabled": True})
    assert status == 200
    assert body["agent"]["disabled"] is True
    assert body["agent"]["load"] == 0

    requeued = await visitor.recv_until("conversation.updated", lambda d: d["status"] == "queued")
    assert requeued["id"] == conv["id"]
    assert requeued["queue_position"] == 1
    queued = await server.chat.stores.conversations.queued()
    assert [f"c_{c.id}" for c in queued] == [conv["id"]]
    for token in (grace.token, second_session):
        status, body = await call(server, "GET", "/api/me", token)
        assert status == 401
        assert body["error"]["code"] == "unauthorized"
    for _ in range(100):
        if not grace.sio.connected:
            break
        await asyncio.sleep(0.02)
    assert not grace.sio.connected, "a disabled agent's socket stays open"
    # The console heard why, before the socket closed.
    assert grace.log[-1] == (
        "signed_out",
        {"reason": "disabled", "message": "An admin disabled your account, so you were signed out."},
    )

    status, body = await call(server, "GET", "/api/admin/agents", admin)
    listed = {a["id"]: a for a in body["agents"]}
    assert listed[grace_id]["disabled"] is True
    assert listed[grace_id]["connected"] is False

    status, body = await call(server, "PATCH", f"/api/admin/agents/{grace_id}", admin, {"disabled": False})
    assert status == 200
    assert body["agent"]["disabled"] is False
    agent, _ = await login(server.url, "grace@example.com", PASSWORD)
    assert agent["id"] == grace_id


async def test_an_admin_cannot_disable_or_demote_themselves(server: Running) -> None:
    """PATCH of one's own account: disabled or role agent → 400; the account is unchanged."""
    admin_id, admin = await signed_in(server, "Root", role="admin")
    for change in ({"disabled": True}, {"role": "agent"}, {"disabled": True, "capacity": 2}):
        status, body = await call(server, "PATCH", f"/api/admin/agents/{admin_id}", admin, change)
        assert status == 400, (change, body)
        assert body["error"]["code"] == "bad_request", (change, body)
    status, body = await call(server, "GET", "/api/me", admin)
    assert status == 200
    assert body["agent"]["role"] == "admin"
    assert body["agent"]["capacity"] == 3
    # Other changes to oneself are fine.
    status, body = await call(server, "PATCH", f"/api/admin/agents/{admin_id}", admin, {"capacity": 4})
    assert status == 200
    assert body["agent"]["capacity"] == 4


async def test_widget_settings_validated_and_seen_by_the_next_visitor(server: Running) -> None:
    """PUT validates every field; the next visitor session carries the new greeting, colour, prechat."""
    _, admin = await signed_in(server, "Root", role="admin")
    status, body = await call(server, "GET", "/api/admin/settings", admin)
    assert status == 200
    assert body == {
        "greeting": "Hi! How can we help you today?",
        "color": "#2563eb",
        "prechat": {"name": "optional", "email": "off"},
        "allowed_origins": [],
        "leave_message_email": "required",
    }

    for bad in (
        {"color": "blue"},
        {"color": "#12345"},
        {"color": "#1234567"},
        {"color": "#12345g"},
        {"color": None},
        {"greeting": 5},
        {"greeting": "x" * 501},
        {"prechat": "required"},
        {"prechat": {"name": "maybe"}},
        {"prechat": {"phone": "required"}},
        {"allowed_origins": "https://shop.example"},
        {"allowed_origins": ["shop.example"]},
        {"allowed_origins": ["ftp://shop.example"]},
        {"allowed_origins": ["https://shop.example/path"]},
        {"allowed_origins": [5]},
        {"leave_message_email": "yes"},
    ):
        status, body = await call(server, "PUT", "/api/admin/settings", admin, bad)
        assert status == 400, (bad, body)
        assert body["error"]["code"] == "bad_request", (bad, body)
    status, body = await call(server, "GET", "/api/admin/settings", admin)
    assert body["color"] == "#2563eb", "a refused PUT changed nothing"

    new = {
        "greeting": "Welcome to the shop!",
        "color": "#FF8800",
        "prechat": {"email": "required"},
        "allowed_origins": [" https://shop.example/ ", "http://localhost:3000", ""],
        "leave_message_email": "optional",
    }
    status, body = await call(server, "PUT", "/api/admin/settings", admin, new)
    assert status == 200, body
    assert body == {
        "greeting": "Welcome to the shop!",
        "color": "#FF8800",
        "prechat": {"name": "optional", "email": "required"},
        "allowed_origins": ["https://shop.example", "http://localhost:3000"],
        "leave_message_email": "optional",
    }
    status, again = await call(server, "GET", "/api/admin/settings", admin)
    assert again == body

    visitor = await server.visitor()
    settings = session_of(visitor)["settings"]
    assert settings["greeting"] == "Welcome to the shop!"
    assert settings["color"] == "#FF8800"
    assert settings["prechat"] == {"name": "optional", "email": "required"}
    assert "allowed_origins" not in settings
    ack = await visitor.emit("conversation.start", {"name": "Ada"})
    assert ack["ok"] is False
    assert ack["error"] == {
        "code": "bad_request",
        "message": "Please enter your email address so we can reply.",
    }
    ack = await visitor.emit("conversation.start", {"name": "Ada", "email": "not-an-email"})
    assert ack["ok"] is False
    assert ack["error"] == {
        "code": "bad_request",
        "message": "Please enter a valid email address, such as name@example.com.",
    }
    ack = await visitor.emit("conversation.start", {"name": "Ada", "email": "ada@example.com"})
    assert ack["ok"], ack

    # A partial PUT leaves the rest alone.
    status, body = await call(server, "PUT", "/api/admin/settings", admin, {"prechat": {"name": "off"}})
    assert status == 200
    assert body["greeting"] == "Welcome to the shop!"
    assert body["prechat"] == {"name": "off", "email": "required"}
    later = await server.visitor()
    assert session_of(later)["settings"]["prechat"] == {"name": "off", "email": "required"}


async def test_canned_responses_crud(any_server: Running) -> None:
    """Canned responses: add (201, leading / stripped), duplicate 409, edit, delete, 404 when gone."""
    server = any_server
    _, admin = await signed_in(server, "Root", role="admin")
    status, body = await call(
        server, "POST", "/api/admin/canned", admin, {"shortcut": "/refund", "text": "Refunds take 5 days."}
    )
    assert status == 201, body
    refund = body["canned"]
    assert refund["shortcut"] == "refund"
    assert refund["text"] == "Refunds take 5 days."
    status, body = await call(
        server, "POST", "/api/admin/canned", admin, {"shortcut": "hello", "text": "Hi!"}
    )
    assert status == 201
    hello = body["canned"]

    for shortcut in ("refund", "/refund"):
        status, body = await call(
            server, "POST", "/api/admin/canned", admin, {"shortcut": shortcut, "text": "x"}
        )
        assert status == 409, (shortcut, body)
        assert body["error"]["code"] == "conflict", (shortcut, body)
    for bad in (
        {"shortcut": "Has Space", "text": "x"},
        {"shortcut": "UPPER", "text": "x"},
        {"shortcut": "/", "text": "x"},
        {"shortcut": "x" * 41, "text": "x"},
        {"shortcut": "ok", "text": "   "},
        {"shortcut": "ok", "text": "x" * 4001},
        {"shortcut": "ok"},
        {"text": "x"},
    ):
        status, body = await call(server, "POST", "/api/admin/canned", admin, bad)
        assert status == 400, (bad, body)
        assert body["error"]["code"] == "bad_request", (bad, body)

    status, body = await call(
        server, "PATCH", f"/api/admin/canned/{refund['id']}", admin, {"text": "Refunds take 3 days."}
    )
    assert status == 200
    assert body["canned"] == {"id": refund["id"], "shortcut": "refund", "text": "Refunds take 3 days."}
    status, body = await call(
        server, "PATCH", f"/api/admin/canned/{hello['id']}", admin, {"shortcut": "/refund"}
    )
    assert status == 409
    assert body["error"]["code"] == "conflict"
    status, body = await call(server, "PATCH", f"/api/admin/canned/{hello['id']}", admin, {"shortcut": "/hi"})
    assert status == 200
    assert body["canned"]["shortcut"] == "hi"

    status, body = await call(server, "GET", "/api/admin/canned", admin)
    assert status == 200
    assert [(c["shortcut"], c["text"]) for c in body["canned"]] == [
        ("hi", "Hi!"),
        ("refund", "Refunds take 3 days."),
    ]
    # Agents see the same list.
    status, agent_view = await call(server, "GET", "/api/canned", admin)
    assert agent_view == body

    # An edit that changes nothing (found by tests/server/test_fuzz.py: it was an SQL error, 500).
    status, body = await call(server, "PATCH", f"/api/admin/canned/{hello['id']}", admin, {})
    assert status == 200, body
    assert body["canned"]["id"] == hello["id"]
    for unknown in ("0", "²", "999"):
        status, body = await call(server, "PATCH", f"/api/admin/canned/{unknown}", admin, {})
        assert status == 404, (unknown, body)

    status, body = await call(server, "DELETE", f"/api/admin/canned/{hello['id']}", admin)
    assert status == 200
    assert body == {"ok": True}
    for method, payload in (("DELETE", None), ("PATCH", {"text": "back"})):
        status, body = await call(server, method, f"/api/admin/canned/{hello['id']}", admin, payload)
        assert status == 404, (method, body)
        assert body["error"]["code"] == "not_found", (method, body)
    for unknown in ("999", "nonsense"):
        status, body = await call(server, "DELETE", f"/api/admin/canned/{unknown}", admin)
        assert status == 404, unknown
    status, body = await call(server, "GET", "/api/admin/canned", admin)
    assert [c["shortcut"] for c in body["canned"]] == ["refund"]
