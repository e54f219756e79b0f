"""Destructive actions ask first, in place: disabling an agent, deleting a canned response, closing
a conversation (deleting an article: tests/browser/test_assist_e2e.py). Real Chromium, real server."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.test_assist_e2e import admin_page
from tests.browser.test_chat_e2e import sign_in
from tests.conftest import Running
from tests.peers import Peer


async def test_disabling_an_agent_asks_first(server: Running, browser: Browser) -> None:
    grace = await server.add_agent("Grace")
    page = await admin_page(browser, server)
    row = page.locator(f"[data-testid=agent-row][data-agent-id={grace['id']}]")
    toggle = row.locator("[data-testid=agent-toggle-disabled]")

    await toggle.click()
    confirm = row.locator("[data-testid=confirm]")
    await expect(confirm).to_contain_text(
        "Disable Grace? They are signed out at once and their open chats go back to the queue."
    )
    await expect(toggle).to_be_hidden()
    await expect(row.locator("[data-testid=confirm-no]")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(confirm).to_have_count(0)
    await expect(toggle).to_be_visible()
    stored = await server.chat.stores.agents.get(int(grace["id"][2:]))
    assert stored is not None
    assert not stored.disabled

    await toggle.click()
    await row.locator("[data-testid=confirm-yes]").click()
    await expect(row.locator("[data-testid=agent-disabled]")).to_have_text("Disabled")
    stored = await server.chat.stores.agents.get(int(grace["id"][2:]))
    assert stored is not None
    assert stored.disabled
    # Enabling harms nothing: one click.
    await row.locator("[data-testid=agent-toggle-disabled]").click()
    await expect(row.locator("[data-testid=agent-disabled]")).to_have_text("Active")


async def test_deleting_a_canned_response_asks_first(server: Running, browser: Browser) -> None:
    await server.chat.stores.settings.add_canned("refund", "Refunds take 5 days.")
    page = await admin_page(browser, server)
    row = page.locator("[data-testid=canned-row]")
    await expect(row).to_have_count(1)
    await row.locator("[data-testid=canned-delete]").click()
    await expect(row.locator("[data-testid=confirm]")).to_contain_text("Delete /refund?")
    await row.locator("[data-testid=confirm-no]").click()
    assert [c.shortcut for c in await server.chat.stores.settings.canned()] == ["refund"]
    await row.locator("[data-testid=canned-delete]").click()
    await row.locator("[data-testid=confirm-yes]").click()
    await expect(row).to_have_count(0)
    assert await server.chat.stores.settings.canned() == []


async def test_closing_a_conversation_asks_first(server: Running, browser: Browser) -> None:
    grace = await server.add_agent("Grace")
    console = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
    await sign_in(console, server, grace["email"])
    visitor: Peer = await server.visitor()
    started = await visitor.emit("conversation.start", {"name": "Ada"})
    conv_id = int(started["conversation"]["id"][2:])
    await console.locator("[data-testid=conversation-item]").click()
    close = console.locator("[data-testid=close-conversation]")
    await expect(close).to_be_enabled()

    await close.click()
    confirm = console.locator("[data-testid=conversation-view] [data-testid=confirm]")
    await expect(confirm).to_contain_text("Close this conversation? The visitor is told it has ended.")
    await console.locator("[data-testid=confirm-no]").click()
    await expect(close).to_be_visible()
    stored = await server.chat.stores.conversations.get(conv_id)
    assert stored is not None
    assert stored.status == "assigned"

    await close.click()
    await console.locator("[data-testid=confirm-yes]").click()
    closed = await visitor.recv_until("conversation.updated", lambda d: d["status"] == "closed")
    assert closed["id"] == f"c_{conv_id}"
    await expect(console.locator("[data-testid=conversation-notice]")).to_have_text(
        "This conversation is closed."
    )
