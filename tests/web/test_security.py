"""HTTP hardening: security headers on every answer, the cookie's Secure flag and HSTS over HTTPS
(also behind a trusted proxy), cross-site calls with the cookie refused."""

from __future__ import annotations

from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import PASSWORD, Running, StartServer
from tests.peers import login
from tests.web.test_api import built_widget
from tests.web.test_errors import fetch

__all__ = ["built_widget"]  # a fixture these tests use

PAGES = ("/", "/console", "/admin", "/console/transcripts/c_1")


@pytest.mark.usefixtures("built_widget")
async def test_pages_carry_a_policy_and_the_console_is_not_framed(server: Running) -> None:
    for path in (*PAGES, "/widget.js", "/static/console.js", "/api/me", "/nowhere"):
        _, headers, _ = await fetch(server, "GET", path)
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        assert "Strict-Transport-Security" not in headers, "plain HTTP: no HSTS"
    for path in PAGES:
        _, headers, page = await fetch(server, "GET", path)
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy, path
        assert "<script>" not in page, path
        assert "<style" not in page, path
        assert " style=" not in page, path
        framed = path != "/"
        assert ("frame-ancestors 'none'" in policy) == framed, path
        assert (headers.get("X-Frame-Options") == "DENY") == framed, path
    _, headers, _ = await fetch(server, "GET", "/widget.js")
    assert "X-Frame-Options" not in headers
    assert "Content-Security-Policy" not in headers
    assert headers["Access-Control-Allow-Origin"] == "*"


async def signed_in_cookie(server: Running, headers: dict[str, str]) -> SimpleCookie:
    info = await server.add_agent("Grace")
    body = {"email": info["email"], "password": PASSWORD}
    async with aiohttp.ClientSession() as http:
        async with http.post(server.url + "/api/login", json=body, headers=headers) as r:
            assert r.status == 200, await r.text()
            return SimpleCookie(r.headers["Set-Cookie"])


async def test_cookie_is_secure_and_hsts_sent_only_over_https(
    start_server: StartServer, tmp_path: Path
) -> None:
    """Through a trusted proxy that received HTTPS: Secure cookie and HSTS. The same header from an
    untrusted peer changes nothing."""
    trusted = await start_server(TANDEM_TRUSTED_PROXIES="127.0.0.1")
    https = {"X-Forwarded-Proto": "https"}
    cookie = await signed_in_cookie(trusted, https)
    assert cookie["tandem_session"]["secure"] is True
    assert cookie["tandem_session"]["httponly"] is True
    assert cookie["tandem_session"]["samesite"] == "Lax"
    _, headers, _ = await fetch(trusted, "GET", "/healthz", https)
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    _, headers, _ = await fetch(trusted, "GET", "/healthz")
    assert "Strict-Transport-Security" not in headers

    untrusted = await start_server(
        TANDEM_DATA_DIR=str(tmp_path / "second"), TANDEM_TRUSTED_PROXIES="192.0.2.0/24"
    )
    cookie = await signed_in_cookie(untrusted, https)
    assert not cookie["tandem_session"]["secure"]
    _, headers, _ = await fetch(untrusted, "GET", "/healthz", https)
    assert "Strict-Transport-Security" not in headers


async def test_cross_site_calls_with_the_cookie_are_refused(server: Running) -> None:
    """A state-changing call that the cookie would authenticate must come from our own origin; with a
    bearer token (no ambient credential) the origin does not matter."""
    info = await server.add_agent("Grace")
    _, token = await login(server.url, info["email"], PASSWORD)
    evil = "https://evil.example"
    cookie = {"Cookie": f"tandem_session={token}"}
    for headers in ({**cookie, "Origin": evil}, {**cookie, "Sec-Fetch-Site": "cross-site"}):
        status, _, body = await fetch(server, "POST", "/api/logout", headers)
        assert status == 403, (headers, body)
        assert '"origin_not_allowed"' in body, (headers, body)
    status, _, _ = await fetch(server, "GET", "/api/me", cookie)
    assert status == 200, "the refused calls signed no one out"
    credentials = {"email": info["email"], "password": PASSWORD}
    status, _, body = await fetch(server, "POST", "/api/login", {"Origin": evil}, json=credentials)
    assert status == 403
    assert '"origin_not_allowed"' in body
    status, _, _ = await fetch(server, "POST", "/api/login", {"Origin": server.url}, json=credentials)
    assert status == 200
    bearer = {"Authorization": f"Bearer {token}", "Origin": evil}
    status, _, _ = await fetch(server, "GET", "/api/me", bearer)
    assert status == 200
    status, _, _ = await fetch(server, "POST", "/api/logout", {**cookie, "Origin": server.url})
    assert status == 200
    status, _, _ = await fetch(server, "GET", "/api/me", cookie)
    assert status == 401
