"""An agent whose session the server ends is sent to the sign-in form with the reason, not left on
"Reconnecting…" (real Chromium, real server)."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from server.app import SIO
from server.chat.broadcast import AGENT_NS, agent_room
from tests.browser.test_chat_e2e import sign_in
from tests.conftest import Running
from tests.web.test_admin import call, signed_in


async def console_of(browser: Browser, server: Running, email: str) -> Page:
    console = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
    await sign_in(console, server, email)
    return console


async def expect_sign_in_form(console: Page, notice: str) -> None:
    await expect(console.locator("[data-testid=login-form]")).to_be_visible()
    await expect(console.locator(".login-card .notice")).to_have_text(notice)
    await expect(console.locator("[data-testid=status-select]")).to_have_count(0)


async def test_a_disabled_agent_is_signed_out_with_the_reason(server: Running, browser: Browser) -> None:
    _, admin = await signed_in(server, "Root", role="admin")
    grace = await server.add_agent("Grace")
    console = await console_of(browser, server, grace["email"])

    status, _ = await call(server, "PATCH", f"/api/admin/agents/{grace['id']}", admin, {"disabled": True})
    assert status == 200
    await expect_sign_in_form(console, "An admin disabled your account, so you were signed out.")


async def test_an_ended_session_goes_to_the_sign_in_form(server: Running, browser: Browser) -> None:
    """The server closes the socket without saying why (a session ended another way): the console
    asks, finds no session, and shows the form instead of reconnecting forever."""
    grace = await server.add_agent("Grace")
    console = await console_of(browser, server, grace["email"])
    agent_id = int(grace["id"][2:])
    await server.chat.stores.sessions.end_all(agent_id)
    sio = server.app[SIO]
    for sid, _ in list(sio.manager.get_participants(AGENT_NS, agent_room(agent_id))):
        await sio.disconnect(sid, namespace=AGENT_NS)
    await expect_sign_in_form(console, "Your session has ended. Please sign in again.")
