"""What the console says before an agent acts: Take at capacity, and going offline with open chats
(real Chromium, real server)."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.browser.test_chat_e2e import sign_in
from tests.conftest import Running
from tests.peers import Peer


async def console_of(browser: Browser, server: Running, email: str) -> Page:
    console = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
    await sign_in(console, server, email)
    return console


async def chat(server: Running, name: str) -> Peer:
    visitor = await server.visitor()
    assert (await visitor.emit("conversation.start", {"name": name}))["ok"]
    return visitor


async def test_take_is_shown_unavailable_at_capacity(server: Running, browser: Browser) -> None:
    grace = await server.add_agent("Grace", capacity=1)
    console = await console_of(browser, server, grace["email"])
    await chat(server, "Ada")
    await expect(console.locator("[data-testid=conversation-item]")).to_have_count(1)
    await chat(server, "Bea")  # Grace is full: Bea waits

    take = console.locator("[data-testid=queue-item] [data-testid=take]")
    await expect(take).to_have_text("At capacity")
    await expect(take).to_be_disabled()
    await expect(console.locator("[data-testid=capacity-note]")).to_have_text(
        "You are at your capacity (1 of 1 chats). Close a chat to take another."
    )


async def test_an_admin_takes_over_capacity_and_sees_it_recorded(server: Running, browser: Browser) -> None:
    boss = await server.add_agent("Boss", capacity=1, role="admin")
    console = await console_of(browser, server, boss["email"])
    await chat(server, "Ada")
    await expect(console.locator("[data-testid=conversation-item]")).to_have_count(1)
    await chat(server, "Bea")

    take = console.locator("[data-testid=queue-item] [data-testid=take]")
    await expect(take).to_have_text("Take over capacity")
    await expect(console.locator("[data-testid=capacity-note]")).to_have_text(
        "You are at your capacity (1 of 1 chats): as an admin you may still take one."
    )
    await take.click()
    view = console.locator("[data-testid=conversation-view]")
    await expect(view.locator(".conv-title")).to_have_text("Bea")
    await expect(view.locator("[data-testid=message-text]")).to_have_text(
        ["Boss took the chat over their capacity (2 chats, capacity 1)", "Boss joined the chat"]
    )
    await expect(console.locator("[data-testid=conversation-item]")).to_have_count(2)


async def test_going_offline_with_open_chats_says_what_happens_to_them(
    server: Running, browser: Browser
) -> None:
    grace = await server.add_agent("Grace")
    console = await console_of(browser, server, grace["email"])
    await chat(server, "Ada")
    await chat(server, "Bea")
    await expect(console.locator("[data-testid=conversation-item]")).to_have_count(2)
    await console.select_option("[data-testid=status-select]", "offline")
    await expect(console.locator("[data-testid=toast]")).to_have_text(
        "Your 2 open chats go back to the queue shortly: transfer them, or go online again to keep them."
    )
