"""The agents' HTTP API (sign-in, me, sign-out, transcripts, canned responses) and the served pages."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import shutil
import subprocess
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from server.app import create_app
from tests.conftest import PASSWORD, Running, make_settings
from tests.peers import agent_of, login

WIDGET = Path(__file__).resolve().parents[2] / "widget"


@pytest.fixture(scope="session")
def built_widget() -> Path:
    """widget/dist, built with node if it is missing (skipped without node, except in CI)."""
    dist = WIDGET / "dist"
    if not (dist / "widget.js").is_file():
        if shutil.which("node") is None:
            if os.environ.get("CI") == "true":
                pytest.fail("node is required in CI to build widget/dist")
            pytest.skip("widget/dist is not built and node is not installed")
        subprocess.run(["node", "build.mjs"], cwd=WIDGET, check=True, timeout=120)
    return dist


async def call(
    server: Running,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    data: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, aiohttp.ClientResponse]:
    """One HTTP request with an optional Bearer token; returns (status, JSON body or None, response)."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as session:
        async with session.request(method, server.url + path, json=body, data=data, headers=sent) as r:
            text = await r.text()
            parsed = (
                await r.json(content_type=None) if text and r.content_type == "application/json" else None
            )
            return r.status, parsed, r


def session_cookie(response: aiohttp.ClientResponse) -> Any:
    """The tandem_session morsel the response set."""
    cookies = SimpleCookie()
    for header in response.headers.getall("Set-Cookie", []):
        cookies.load(header)
    assert "tandem_session" in cookies, response.headers
    return cookies["tandem_session"]


def raw_set_cookie(response: aiohttp.ClientResponse) -> str:
    return next(h for h in response.headers.getall("Set-Cookie") if h.startswith("tandem_session="))


async def test_login_returns_agent_token_and_a_safe_cookie(server: Running) -> None:
    """Good credentials: 200 with the agent, a token, and an HttpOnly SameSite=Lax session cookie."""
    info = await server.add_agent("Grace", capacity=4)
    status, body, response = await call(
        server, "POST", "/api/login", body={"email": "  GRACE@example.com ", "password": PASSWORD}
    )
    assert status == 200, body
    assert set(body) == {"agent", "token"}
    assert body["agent"] == {
        "id": info["id"],
        "name": "Grace",
        "email": "grace@example.com",
        "role": "agent",
        "status": "offline",
        "capacity": 4,
        "load": 0,
        "connected": False,
    }
    assert isinstance(body["token"], str)
    assert len(body["token"]) >= 32
    cookie = session_cookie(response)
    assert cookie.value == body["token"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) == server.settings.session_days * 86400
    assert re.search(r";\s*HttpOnly", raw_set_cookie(response), re.I)
    assert PASSWORD not in str(body)


async def test_login_refusals(server: Running) -> None:
    """Wrong password, unknown email, disabled agent: 401 invalid_credentials; bad bodies: 400."""
    await server.add_agent("Grace")
    disabled = await server.add_agent("Alan")
    await server.chat.stores.agents.update(int(disabled["id"][2:]), disabled=True)

    for creds in (
        {"email": "grace@example.com", "password": "wrong horse"},
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "alan@example.com", "password": PASSWORD},
        {"email": "grace@example.com", "password": ""},
    ):
        status, body, response = await call(server, "POST", "/api/login", body=creds)
        assert status == 401, (creds, body)
        assert body["error"]["code"] == "invalid_credentials"
        assert "Set-Cookie" not in response.headers

    for raw in ("{not json", "", "[1, 2]", '"text"'):
        status, body, _ = await call(
            server, "POST", "/api/login", data=raw, headers={"Content-Type": "application/json"}
        )
        assert status == 400, (raw, body)
        assert body["error"]["code"] == "bad_request"
    for missing in (
        {"email": "grace@example.com"},
        {"password": PASSWORD},
        {"email": 1, "password": PASSWORD},
    ):
        status, body, _ = await call(server, "POST", "/api/login", body=missing)
        assert status == 400, (missing, body)
        assert body["error"]["code"] == "bad_request", (missing, body)


async def test_me_with_cookie_and_with_bearer_token(server: Running) -> None:
    """/api/me answers for the session cookie (as a browser sends it) and for a Bearer token."""
    info = await server.add_agent("Grace")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        async with browser.post(
            f"{server.url}/api/login", json={"email": info["email"], "password": PASSWORD}
        ) as r:
            assert r.status == 200
            token = (await r.json())["token"]
        async with browser.get(f"{server.url}/api/me") as r:
            assert r.status == 200
            assert (await r.json())["agent"]["id"] == info["id"]

    status, body, _ = await call(server, "GET", "/api/me", token=token)
    assert status == 200
    assert body["agent"]["email"] == "grace@example.com"
    assert body["agent"]["connected"] is False

    status, body, _ = await call(server, "GET", "/api/me", headers={"Cookie": f"tandem_session={token}"})
    assert status == 200
    assert body["agent"]["id"] == info["id"]

    for headers in ({}, {"Authorization": "Bearer not-a-session"}, {"Cookie": "tandem_session=forged"}):
        status, body, _ = await call(server, "GET", "/api/me", headers=headers)
        assert status == 401, headers
        assert body["error"]["code"] == "unauthorized"


async def test_logout_ends_the_session(server: Running) -> None:
    """After sign-out the token no longer works (for HTTP or sockets) and the cookie is cleared."""
    info = await server.add_agent("Grace")
    _, token = await login(server.url, info["email"], PASSWORD)
    _, other_token = await login(server.url, info["email"], PASSWORD)

    status, body, response = await call(server, "POST", "/api/logout", token=token)
    assert status == 200
    assert body == {"ok": True}
    cleared = session_cookie(response)
    assert cleared.value == ""
    assert cleared["max-age"] == "0" or "1970" in cleared["expires"]

    status, body, _ = await call(server, "GET", "/api/me", token=token)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    status, _, _ = await call(server, "GET", "/api/canned", headers={"Cookie": f"tandem_session={token}"})
    assert status == 401
    # Only that session ended: another sign-in of the same agent still works.
    status, _, _ = await call(server, "GET", "/api/me", token=other_token)
    assert status == 200
    # Signing out with no session is harmless.
    status, body, _ = await call(server, "POST", "/api/logout")
    assert status == 200
    assert body == {"ok": True}


async def test_transcript_has_every_message_including_notes(server: Running) -> None:
    """The transcript: the conversation, the visitor and all messages in seq order, notes included."""
    grace = await server.agent("Grace")
    visitor = await server.visitor()
    started = await visitor.emit(
        "conversation.start", {"name": "Ada", "page": {"url": "https://shop.example/p", "title": "P"}}
    )
    conv_id = started["conversation"]["id"]
    await grace.recv("conversation.assigned")
    sent = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": "Where is my card?"})
    assert sent["ok"]
    for text, private in (("Checking the order", True), ("It ships today", False)):
        ack = await grace.emit(
            "message.send",
            {"conversation_id": conv_id, "client_id": str(uuid.uuid4()), "text": text, "private": private},
        )
        assert ack["ok"], ack
    assert (await grace.emit("conversation.close", {"conversation_id": conv_id}))["ok"]

    status, body, _ = await call(server, "GET", f"/api/conversations/{conv_id}/transcript", token=grace.token)
    assert status == 200, body
    assert set(body) == {"conversation", "visitor", "messages", "labels"}
    assert body["labels"] == []
    assert body["conversation"]["id"] == conv_id
    assert body["conversation"]["status"] == "closed"
    assert body["conversation"]["agent"]["name"] == "Grace"
    assert body["conversation"]["last_message"]["text"] == "It ships today"
    assert body["visitor"]["name"] == "Ada"
    assert body["visitor"]["page"]["url"] == "https://shop.example/p"
    messages = body["messages"]
    assert [m["seq"] for m in messages] == [1, 2, 3, 4, 5]
    assert [(m["type"], m["private"], m["text"]) for m in messages] == [
        ("event", False, "Grace joined the chat"),
        ("text", False, "Where is my card?"),
        ("note", True, "Checking the order"),
        ("text", False, "It ships today"),
        ("event", False, "Grace closed the chat"),
    ]
    assert messages[1]["author"]["type"] == "visitor"
    assert messages[2]["author"] == {"type": "agent", "id": agent_of(grace)["id"], "name": "Grace"}

    # Another agent may not read it (as over the socket: tests/chat/test_access_rules.py), an
    # admin may; the visitor's token is no sign-in.
    other = await server.add_agent("Alan")
    _, other_token = await login(server.url, other["email"], PASSWORD)
    status, body, _ = await call(server, "GET", f"/api/conversations/{conv_id}/transcript", token=other_token)
    assert (status, body["error"]["code"]) == (403, "forbidden"), body
    assert "Ada" not in json.dumps(body)
    assert "Checking" not in json.dumps(body)
    boss = await server.add_agent("Boss", role="admin")
    _, boss_token = await login(server.url, boss["email"], PASSWORD)
    status, body, _ = await call(server, "GET", f"/api/conversations/{conv_id}/transcript", token=boss_token)
    assert status == 200
    assert len(body["messages"]) == 5
    for token in (None, visitor.token):
        status, body, _ = await call(server, "GET", f"/api/conversations/{conv_id}/transcript", token=token)
        assert status == 401
        assert body["error"]["code"] == "unauthorized"


async def test_transcript_of_unknown_conversation_is_404(server: Running) -> None:
    """Unknown or malformed conversation ids: 404 not_found (and 401 first without sign-in)."""
    info = await server.add_agent("Grace")
    _, token = await login(server.url, info["email"], PASSWORD)
    for conv_id in ("c_999", "nonsense", "c_", "c_-1", "999", "c_1"):
        status, body, _ = await call(server, "GET", f"/api/conversations/{conv_id}/transcript", token=token)
        assert status == 404, (conv_id, body)
        assert body["error"]["code"] == "not_found"
    status, body, _ = await call(server, "GET", "/api/conversations/c_999/transcript")
    assert status == 401


async def test_canned_responses_for_agents(server: Running) -> None:
    """/api/canned lists the canned responses to any signed-in agent, ordered by shortcut; 401 otherwise."""
    settings = server.chat.stores.settings
    await settings.add_canned("thanks", "Thank you for waiting!")
    await settings.add_canned("refund", "Refunds take 5 working days.")
    info = await server.add_agent("Grace")
    _, token = await login(server.url, info["email"], PASSWORD)
    status, body, _ = await call(server, "GET", "/api/canned", token=token)
    assert status == 200
    assert [(c["shortcut"], c["text"]) for c in body["canned"]] == [
        ("refund", "Refunds take 5 working days."),
        ("thanks", "Thank you for waiting!"),
    ]
    assert all(isinstance(c["id"], str) for c in body["canned"]), "ids are strings (docs/protocol.md)"
    status, body, _ = await call(server, "GET", "/api/canned")
    assert status == 401
    assert body["error"]["code"] == "unauthorized"


@pytest.mark.usefixtures("built_widget")
async def test_pages_and_scripts_are_served(server: Running) -> None:
    """/, /console, /admin and /widget.js answer 200, and every script or style a page loads is served."""
    async with aiohttp.ClientSession() as http:
        for path, title in (("/", "Tandem demo shop"), ("/console", None), ("/admin", None)):
            async with http.get(server.url + path) as r:
                assert r.status == 200, path
                assert r.content_type == "text/html", path
                page = await r.text()
            assert "<html" in page.lower()
            if title:
                assert title in page
            for asset in re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page):
                async with http.get(server.url + asset) as r:
                    assert r.status == 200, (path, asset)
        async with http.get(server.url + "/widget.js") as r:
            assert r.status == 200
            assert "javascript" in r.content_type
            assert r.headers["Access-Control-Allow-Origin"] == "*"
            assert r.headers["Cache-Control"] == "no-cache"
            assert len(await r.read()) > 1000
        async with http.get(server.url + "/console/transcripts/c_1") as r:
            assert r.status == 200
            assert r.content_type == "text/html"
        for path in ("/static/.secret.js", "/static/index.html", "/static/nothing.js", "/nowhere"):
            async with http.get(server.url + path) as r:
                assert r.status == 404, path


async def test_missing_build_answers_404_with_the_fix(tmp_path: Path) -> None:
    """Without widget/dist (or pages) the page routes answer 404 with a message saying how to build."""
    settings = dataclasses.replace(make_settings(tmp_path), widget_dir=tmp_path / "no-widget")
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
        async with aiohttp.ClientSession() as http:
            for path in ("/", "/console", "/admin", "/widget.js"):
                async with http.get(f"http://{settings.host}:{settings.port}{path}") as r:
                    assert r.status == 404, path
                    assert "make widget" in await r.text()
    finally:
        await runner.cleanup()


async def test_sign_out_closes_the_sockets_of_that_session_only(server: Running) -> None:
    """A console tab signed in with the ended session is disconnected; another session stays."""
    first = await server.agent("Grace", online=False)
    _, other_token = await login(server.url, agent_of(first)["email"], PASSWORD)
    second = server.peer("/agent")
    await second.connect({"token": other_token})
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {first.token}"}
        async with http.post(f"{server.url}/api/logout", headers=headers) as r:
            assert r.status == 200
    for _ in range(50):
        if not first.sio.connected:
            break
        await asyncio.sleep(0.05)
    assert not first.sio.connected
    assert second.sio.connected
    ack = await second.emit("status.set", {"status": "away"})
    assert ack["ok"] is True
