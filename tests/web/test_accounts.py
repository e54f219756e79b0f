"""Accounts through the HTTP API: changing one's password, an admin's reset, invitations by link."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD, Running
from tests.peers import agent_of, login
from tests.web.test_admin import signed_in
from tests.web.test_api import call

NEW = "a new long password"


async def me_status(server: Running, token: str) -> int:
    return (await call(server, "GET", "/api/me", token=token))[0]


async def test_an_agent_changes_their_password_and_their_other_sessions_end(server: Running) -> None:
    """Current password required; afterwards the old one fails, the new one works, the changing
    session and its socket stay, every other session and its socket end."""
    grace = await server.agent("Grace")  # signed in (session A) and connected with it
    _, other = await login(server.url, "grace@example.com", PASSWORD)  # session B, e.g. a second laptop
    elsewhere = server.peer("/agent")
    await elsewhere.connect({"token": other})
    assert grace.token is not None

    status, body, _ = await call(
        server,
        "POST",
        "/api/me/password",
        token=grace.token,
        body={"current_password": "not it at all", "new_password": NEW},
    )
    assert (status, body["error"]["code"]) == (403, "wrong_password")
    assert body["error"]["message"] == "Your current password is not right."
    status, body, _ = await call(
        server,
        "POST",
        "/api/me/password",
        token=grace.token,
        body={"current_password": PASSWORD, "new_password": "short"},
    )
    assert (status, body["error"]["code"]) == (400, "bad_request")
    assert await me_status(server, other) == 200  # neither failure changed anything

    status, body, _ = await call(
        server,
        "POST",
        "/api/me/password",
        token=grace.token,
        body={"current_password": PASSWORD, "new_password": NEW},
    )
    assert (status, body) == (200, {"ok": True})
    assert await me_status(server, grace.token) == 200
    assert await me_status(server, other) == 401
    await elsewhere.disconnected()
    await grace.fence()  # the changing session's socket still answers
    assert grace.sio.connected

    status, body, _ = await call(
        server, "POST", "/api/login", body={"email": "grace@example.com", "password": PASSWORD}
    )
    assert (status, body["error"]["code"]) == (401, "invalid_credentials")
    _, token = await login(server.url, "grace@example.com", NEW)
    assert await me_status(server, token) == 200


async def test_changing_a_password_needs_a_session(server: Running) -> None:
    status, body, _ = await call(
        server, "POST", "/api/me/password", body={"current_password": PASSWORD, "new_password": NEW}
    )
    assert (status, body["error"]["code"]) == (401, "unauthorized")


async def test_an_admin_resets_a_password_generated_or_chosen(server: Running) -> None:
    """No password given: one is made up and shown once; given: it is set and not echoed. Either
    way every session of the agent ends and their sockets close. Agents may not; unknown ids 404."""
    _, admin = await signed_in(server, "Root", role="admin")
    grace = await server.agent("Grace")
    grace_id = agent_of(grace)["id"]

    status, body, _ = await call(
        server, "POST", f"/api/admin/agents/{grace_id}/password", token=admin, body={}
    )
    assert status == 200
    assert set(body) == {"password"}
    assert len(body["password"]) == 16
    assert await me_status(server, str(grace.token)) == 401
    await grace.disconnected()
    _, token = await login(server.url, "grace@example.com", body["password"])

    status, body, _ = await call(
        server, "POST", f"/api/admin/agents/{grace_id}/password", token=admin, body={"password": NEW}
    )
    assert (status, body) == (200, {"ok": True})
    assert await me_status(server, token) == 401
    await login(server.url, "grace@example.com", NEW)

    status, body, _ = await call(
        server, "POST", f"/api/admin/agents/{grace_id}/password", token=token, body={}
    )
    assert status == 401  # that session ended with the reset
    _, agent_token = await login(server.url, "grace@example.com", NEW)
    status, body, _ = await call(
        server, "POST", f"/api/admin/agents/{grace_id}/password", token=agent_token, body={}
    )
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body, _ = await call(server, "POST", "/api/admin/agents/a_999/password", token=admin, body={})
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, body, _ = await call(
        server, "POST", f"/api/admin/agents/{grace_id}/password", token=admin, body={"password": "short"}
    )
    assert (status, body["error"]["code"]) == (400, "bad_request")
    await login(server.url, "grace@example.com", NEW)  # still the one set before


async def invite(server: Running, admin: str, **body: Any) -> tuple[int, Any]:
    status, answer, _ = await call(server, "POST", "/api/admin/invites", token=admin, body=body)
    return status, answer


async def test_an_invitation_link_makes_one_agent_once(server: Running) -> None:
    """The admin's link shows the email; the invitee sets name and password there, is signed in,
    and every console hears of the new agent; the same link then fails with a sentence."""
    _, admin = await signed_in(server, "Root", role="admin")
    watcher = await server.agent("Grace")
    status, body = await invite(server, admin, email="Kay@Example.com", role="agent", capacity=2)
    assert status == 201
    link = body["invite"]
    assert link["email"] == "kay@example.com"
    assert (link["role"], link["capacity"]) == ("agent", 2)
    assert link["url"].startswith(f"{server.url}/invite/")
    path = "/api/invites/" + link["url"].rsplit("/", 1)[1]

    status, body, _ = await call(server, "GET", path)
    assert (status, body) == (200, {"invite": {"email": "kay@example.com", "expires_at": link["expires_at"]}})

    status, body, _ = await call(server, "POST", path, body={"name": "Kay", "password": "short"})
    assert (status, body["error"]["code"]) == (400, "bad_request")
    status, body, response = await call(server, "POST", path, body={"name": " Kay Lee ", "password": NEW})
    assert status == 201
    assert (body["agent"]["name"], body["agent"]["email"], body["agent"]["role"]) == (
        "Kay Lee",
        "kay@example.com",
        "agent",
    )
    assert body["agent"]["capacity"] == 2
    assert any(h.startswith("tandem_session=") for h in response.headers.getall("Set-Cookie"))
    assert await me_status(server, body["token"]) == 200
    agents = await watcher.recv_until(
        "agents.updated", lambda d: any(a["name"] == "Kay Lee" for a in d["agents"])
    )
    assert {a["email"] for a in agents["agents"]} >= {"kay@example.com"}

    gone = "This invitation has expired or was already used. Ask your admin for a new one."
    for method, payload in (("GET", None), ("POST", {"name": "Eve", "password": "another password"})):
        status, body, _ = await call(server, method, path, body=payload)
        assert (status, body["error"]["code"], body["error"]["message"]) == (404, "not_found", gone)
    assert len(await server.chat.stores.agents.all()) == 4  # demo admin, Root, Grace, Kay

    status, body = await invite(server, admin, email="kay@example.com")
    assert (status, body["error"]["code"]) == (409, "conflict")
    status, body = await invite(server, admin, email="not an email")
    assert (status, body["error"]["code"]) == (400, "bad_request")
    status, body = await invite(server, str(watcher.token), email="new@example.com")
    assert (status, body["error"]["code"]) == (403, "forbidden")


async def test_an_expired_or_unknown_invitation_creates_nothing(server: Running) -> None:
    token, _ = await server.chat.stores.invites.create(
        "late@example.com", role="agent", capacity=3, created_by=None, lifetime_seconds=-1
    )
    for path in (f"/api/invites/{token}", "/api/invites/made-up"):
        status, body, _ = await call(server, "GET", path)
        assert (status, body["error"]["code"]) == (404, "not_found")
        status, body, _ = await call(server, "POST", path, body={"name": "Late", "password": NEW})
        assert (status, body["error"]["code"]) == (404, "not_found")
    assert await server.chat.stores.agents.by_email("late@example.com") is None


async def test_an_invitation_whose_email_was_taken_meanwhile_stays_unused(server: Running) -> None:
    _, admin = await signed_in(server, "Root", role="admin")
    _, body = await invite(server, admin, email="kay@example.com")
    path = "/api/invites/" + body["invite"]["url"].rsplit("/", 1)[1]
    await server.add_agent("Kay")
    status, body, _ = await call(server, "POST", path, body={"name": "Kay", "password": NEW})
    assert (status, body["error"]["code"]) == (409, "conflict")
    status, _, _ = await call(server, "GET", path)
    assert status == 200


async def test_the_invitation_page_is_the_console_page(server: Running) -> None:
    status, _, response = await call(server, "GET", "/invite/some-token")
    assert status == 200
    assert response.content_type == "text/html"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
