"""Every HTTP error is JSON in the documented shape, 500 included, with a request id that the
server's log line about it carries."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest

from tests.conftest import PASSWORD, Running
from tests.peers import login


async def fetch(
    server: Running, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as http:
        async with http.request(method, server.url + path, headers=headers or {}, **kwargs) as r:
            return r.status, dict(r.headers), await r.text()


async def test_every_error_is_json_with_a_request_id(
    server: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """No route, wrong method, a body that is no JSON (or nested past the limit), our own bug: each
    answers {"error": {"code", "message", "request_id"}}; a 500's request id is in its log line."""
    admin = await server.add_agent("Root", role="admin")
    _, token = await login(server.url, admin["email"], PASSWORD)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    cases = [
        ("GET", "/nowhere", {}, None, 404, "not_found"),
        ("DELETE", "/api/me", {}, None, 405, "method_not_allowed"),
        ("POST", "/api/admin/canned", auth, "{not json", 400, "bad_request"),
        ("POST", "/api/admin/canned", auth, '{"a": ' + deep + "}", 400, "bad_request"),
        ("POST", "/api/admin/canned", auth, '{"a": ' + "[" * 20 + "]" * 20 + "}", 400, "bad_request"),
        ("POST", "/api/admin/canned", auth, '{"shortcut": "x", "text": "\\ud800"}', 400, "bad_request"),
        ("PATCH", "/api/admin/canned/%C2%B2", auth, "{}", 404, "not_found"),
        ("POST", "/api/login", {}, "x" * (2 * 1024 * 1024), 413, "too_large"),
        ("GET", "/socket.io/?EIO=2&transport=polling", {}, None, 400, "bad_request"),  # Engine.IO's own
    ]
    for method, path, headers, data, status, code in cases:
        got, answer_headers, text = await fetch(server, method, path, headers, data=data)
        assert got == status, (method, path, text[:200])
        assert answer_headers["Content-Type"].startswith("application/json"), (path, text[:200])
        error = json.loads(text)["error"]
        assert error["code"] == code, (path, error)
        assert isinstance(error["message"], str), error
        assert error["message"], error
        assert len(error["request_id"]) == 16, error

    async def broken() -> list[Any]:
        raise RuntimeError("a bug of ours")

    server.chat.stores.settings.canned = broken  # type: ignore[method-assign]  # our own bug, staged
    with caplog.at_level(logging.ERROR, logger="tandem.http"):
        status, headers, text = await fetch(
            server, "GET", "/api/canned", {"Authorization": f"Bearer {token}"}
        )
    assert status == 500, text
    assert headers["Content-Type"].startswith("application/json"), text
    error = json.loads(text)["error"]
    assert error["code"] == "internal", error
    request_id = error["request_id"]
    logged = [r for r in caplog.records if r.name == "tandem.http" and request_id in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].exc_info is not None, [r.getMessage() for r in caplog.records]
