"""Error text people read is a sentence; the code next to it stays for clients (issue 12, item 10)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Running, StartServer
from tests.web.test_admin import call, signed_in
from tests.web.test_kb_upload import GOOD, assist_server, upload


async def expect_error(server: Running, token: str, method: str, path: str, body: Any, status: int) -> str:
    got, answer = await call(server, method, path, token, body)
    assert got == status, answer
    return str(answer["error"]["code"]) + " " + str(answer["error"]["message"])


async def test_admin_form_errors_are_sentences(server: Running) -> None:
    _, admin = await signed_in(server, "Root", role="admin")
    agent = {"email": "not-an-email", "name": "Ada", "password": "long enough"}
    assert await expect_error(server, admin, "POST", "/api/admin/agents", agent, 400) == (
        "bad_request Please enter a valid email address, such as name@example.com."
    )
    short = {"email": "ada@example.com", "name": "Ada", "password": "short"}
    assert await expect_error(server, admin, "POST", "/api/admin/agents", short, 400) == (
        "bad_request The password must be at least 8 characters long."
    )
    canned = {"shortcut": "Refund Policy!", "text": "We refund within 30 days."}
    assert await expect_error(server, admin, "POST", "/api/admin/canned", canned, 400) == (
        "bad_request A shortcut is 1 to 40 lowercase letters, digits, hyphens or underscores, "
        "such as refund-policy."
    )
    origins = {"allowed_origins": ["shop.example"]}
    assert await expect_error(server, admin, "PUT", "/api/admin/settings", origins, 400) == (
        "bad_request “shop.example” is not a website origin. Write it as https://shop.example: the "
        "scheme and the host (and a port if there is one), without a path."
    )
    assert await expect_error(server, admin, "PUT", "/api/admin/settings", {"color": "blue"}, 400) == (
        "bad_request The colour must be a hex colour such as #2563eb."
    )


async def test_a_failed_upload_names_the_file_once_and_says_what_to_do(start_server: StartServer) -> None:
    server, token = await assist_server(start_server)
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    status, body = await upload(server, token, {"picture.md": picture, "good.md": GOOD.encode()})
    assert status == 200, body
    assert body["report"]["failed"] == [
        {
            "file": "picture.md",
            "reason": "This is not a text file (it is not UTF-8 encoded). Upload Markdown, HTML, "
            "plain text, JSON, JSONL or CSV.",
        }
    ]
    status, body = await upload(server, token, {"empty.md": b"---\ntitle: x\n---\n"})
    assert status == 200, body
    (failed,) = body["report"]["failed"]
    assert failed["reason"][0].isupper(), failed
    assert failed["reason"].endswith("."), failed
    assert not failed["reason"].startswith("empty.md"), failed
