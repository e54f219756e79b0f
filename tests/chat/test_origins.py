"""Product acceptance "access", origins: pages from origins nobody allowed cannot connect or read the
widget settings; the server's own origin, configured ones and those an admin adds can."""

from __future__ import annotations

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
    assert set(body) == {"greeting", "color", "prechat", "agents_online"}
    assert "allowed_origins" not in body

    status, _, headers = await http(server, "GET", "/api/widget/settings", headers={"Origin": server.url})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == server.url
