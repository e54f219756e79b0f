"""Canned responses an admin adds, edits or removes reach every open console at once, on every
server process (the ``canned.changed`` signal), without a reload."""

from __future__ import annotations

from tests.conftest import BOTH_LAYOUTS, Running
from tests.web.test_admin import call, signed_in

pytestmark = BOTH_LAYOUTS


async def test_canned_changes_reach_open_consoles(server: Running) -> None:
    _, admin = await signed_in(server, "Root", role="admin")
    consoles = [await server.agent("Grace"), await server.agent("Alan")]  # one per process

    status, body = await call(
        server, "POST", "/api/admin/canned", admin, {"shortcut": "hi", "text": "Hello!"}
    )
    assert status == 201
    item = body["canned"]
    for console in consoles:
        assert await console.recv("canned.updated") == {"canned": [item]}

    status, _ = await call(server, "PATCH", f"/api/admin/canned/{item['id']}", admin, {"text": "Hi there!"})
    assert status == 200
    for console in consoles:
        assert await console.recv("canned.updated") == {"canned": [{**item, "text": "Hi there!"}]}

    status, _ = await call(server, "DELETE", f"/api/admin/canned/{item['id']}", admin)
    assert status == 200
    for console in consoles:
        assert await console.recv("canned.updated") == {"canned": []}
        await console.nothing("canned.updated")  # once per change, not once per process
