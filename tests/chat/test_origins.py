"""Product acceptance "access", origins: pages from origins nobody allowed cannot connect or read the
widget settings; the server's own origin, configured ones and those an admin adds can."""

from __future__ import annotations

from pathlib import Path

from tests.chat.test_access import http, refused
from tests.conftest import Running, StartServer
from tests.peers import session_of


async def test_disallowed_origin_is_refused(server: Running) -> None:
    """A page from an origin nobody allowed: /visitor and /agent refuse it with origin_not_allowed."""
    evil = {"Origin": "http://evil.example"}
    visitor = server.peer("/visitor", headers=evil)
    assert await refused(visitor, {}) == "origin_not_allowed"
    assert visitor.log == []
    grace = await server.agent("Grace")
    agent = server.peer("/agent", headers=evil)
    assert await refused(agent, {"token": grace.token}) == "origin_not_allowed"


async def test_own_and_configured_origins_are_allowed(start_server: StartServer) -> None:
    """TANDEM_ALLOWED_ORIGINS and the server's own origin connect; others still do not."""
    server = await start_server(TANDEM_ALLOWED_ORIGINS="https://shop.example")
    shop = await server.visitor(headers={"Origin": "https://shop.example"})
    assert shop.token
    own = await server.visitor(headers={"Origin": server.url})
    assert own.token
    no_origin = await server.visitor()
    assert no_origin.token
    for origin in ("http://evil.example", "https://shop.example.evil.example", "http://shop.example"):
        assert await refused(server.peer("/visitor", headers={"Origin": origin})) == "origin_not_allowed"


async def test_origin_added_by_the_admin_works_at_once(server: Running) -> None:
    """An origin the admin adds in the widget settings is allowed right away; removing it refuses again."""
    admin = await server.agent("Root", role="admin")
    origin = {"Origin": "https://blog.example"}
    assert await refused(server.peer("/visitor", headers=origin)) == "origin_not_allowed"

    status, body, _ = await http(
        server,
        "PUT",
        "/api/admin/settings",
        token=admin.token,
        body={"allowed_origins": ["https://blog.example/"]},
    )
    assert status == 200
    assert body["allowed_origins"] == ["https://blog.example"]
    peer = await server.visitor(headers=origin)
    assert session_of(peer)["settings"]["greeting"]
    status, _, headers = await http(server, "GET", "/api/widget/settings", headers=origin)
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "https://blog.example"

    status, _, _ = await http(
        server,
        "PUT",
        "/api/admin/settings",
        token=admin.token,
        body={"allowed_origins": []},
    )
    assert status == 200
    assert await refused(server.peer("/visitor", headers=origin)) == "origin_not_allowed"


async def test_widget_settings_http_is_origin_checked(start_server: StartServer) -> None:
    """/api/widget/settings: 403 origin_not_allowed for a bad Origin; 200 with CORS echo for a good one."""
    server = await start_server(TANDEM_ALLOWED_ORIGINS="https://shop.example")
    status, body, headers = await http(
        server, "GET", "/api/widget/settings", headers={"Origin": "http://evil.example"}
    )
    assert status == 403
    assert body["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in headers

    status, body, headers = await http(
        server, "GET", "/api/widget/settings", headers={"Origin": "https://shop.example"}
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert set(body) == {"greeting", "color", "prechat", "leave_message_email", "agents_online"}
    assert "allowed_origins" not in body

    status, _, headers = await http(server, "GET", "/api/widget/settings", headers={"Origin": server.url})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == server.url


async def test_origins_compare_scheme_host_and_port(start_server: StartServer) -> None:
    """The server's own origin is its scheme too (http here, so https://<its host> is another site);
    an Origin header with a path, even a trailing slash, is no origin; default ports are implied."""
    server = await start_server(TANDEM_ALLOWED_ORIGINS="https://shop.example,http://dev.example:8000")
    host = server.url.removeprefix("http://")
    refused_origins = (
        f"https://{host}",  # our host, another scheme
        f"{server.url}/",
        "https://shop.example/",
        "https://shop.example/path",
        "http://shop.example",
        "https://shop.example:8443",
        "http://dev.example",
        "null",
        "https://user@shop.example",
    )
    for origin in refused_origins:
        assert await refused(server.peer("/visitor", headers={"Origin": origin})) == "origin_not_allowed", (
            origin
        )
        status, body, _ = await http(server, "GET", "/api/widget/settings", headers={"Origin": origin})
        assert (status, body["error"]["code"]) == (403, "origin_not_allowed"), origin
    for origin in (server.url, "https://shop.example", "https://SHOP.example:443", "http://dev.example:8000"):
        assert (await server.visitor(headers={"Origin": origin})).token, origin
        status, _, _ = await http(server, "GET", "/api/widget/settings", headers={"Origin": origin})
        assert status == 200, origin


async def test_own_origin_is_https_behind_a_trusted_proxy(start_server: StartServer, tmp_path: Path) -> None:
    """Behind a proxy the operator trusts, X-Forwarded-Proto says the page is https://<host>; from
    anyone else the header is ignored."""
    server = await start_server(TANDEM_TRUSTED_PROXIES="127.0.0.0/8")
    host = server.url.removeprefix("http://")
    behind = {"Origin": f"https://{host}", "X-Forwarded-Proto": "https"}
    assert (await server.visitor(headers=behind)).token

    untrusted = await start_server(
        TANDEM_DATA_DIR=str(tmp_path / "second"), TANDEM_TRUSTED_PROXIES="10.9.9.9"
    )
    host = untrusted.url.removeprefix("http://")
    spoofed = {"Origin": f"https://{host}", "X-Forwarded-Proto": "https"}
    assert await refused(untrusted.peer("/visitor", headers=spoofed)) == "origin_not_allowed"
