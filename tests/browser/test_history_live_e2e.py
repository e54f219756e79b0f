"""What follows conversations live without taking them, in real Chromium: an agent previews a
waiting chat from the queue, an admin's "Open" list updates itself, and a visitor whose chat is
reopened can write again in the widget."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.test_chat_e2e import W
from tests.browser.test_history_e2e import signed_in
from tests.chat.test_access import client_id
from tests.conftest import Running


async def test_an_agent_previews_a_waiting_chat_from_the_queue(server: Running, browser: Browser) -> None:
    grace = await server.add_agent("Grace")
    console = await signed_in(browser, server, grace["email"])  # Grace is offline: chats wait
    visitor = await server.visitor()
    conv = (await visitor.emit("conversation.start", {"name": "Ada"}))["conversation"]["id"]
    assert (await visitor.emit("message.send", {"client_id": client_id(), "text": "Hello?"}))["ok"]
    item = console.locator(f"[data-testid=queue-item][data-conversation-id={conv}]")
    await expect(item).to_be_visible()
    async with console.context.expect_page() as opened:
        await item.locator("[data-testid=preview]").click()
    preview = await opened.value
    notice = preview.locator("[data-testid=live-notice]")
    await expect(notice).to_have_text(
        "Live preview: this chat is waiting. Take it from the queue in the console to answer."
    )
    texts = preview.locator("[data-testid=transcript-messages] [data-testid=message-text]")
    await expect(texts).to_have_text(["Hello?"])
    assert (await visitor.emit("message.send", {"client_id": client_id(), "text": "Anyone?"}))["ok"]
    await expect(texts).to_have_text(["Hello?", "Anyone?"])
    # Alan comes online and the chat is routed to him: the preview says so and stops following.
    alan = await server.agent("Alan")
    await alan.recv_until("conversation.assigned", lambda d: d["conversation"]["id"] == conv)
    await expect(notice).to_have_text("Someone took this chat: it is no longer waiting.")
    assert await server.chat.presence.is_connected(int(grace["id"][2:]))  # the console, not the preview


async def test_the_open_list_shows_new_chats_without_a_reload(server: Running, browser: Browser) -> None:
    boss = await server.add_agent("Boss", role="admin")
    page = await signed_in(browser, server, boss["email"])
    await page.goto(server.url + "/console/history?status=open")
    await expect(page.locator("[data-testid=history-summary]")).to_have_text(
        "No conversations match these filters."
    )
    visitor = await server.visitor()
    conv = (await visitor.emit("conversation.start", {"name": "Ada"}))["conversation"]["id"]
    row = page.locator(f"[data-testid=history-item][data-conversation-id={conv}]")
    await expect(row).to_be_visible()
    await expect(row).to_have_attribute("data-status", "queued")


async def test_a_reopened_chat_comes_back_to_life_in_the_widget(server: Running, browser: Browser) -> None:
    grace = await server.agent("Grace")
    shop = await (await browser.new_context(viewport={"width": 1000, "height": 800})).new_page()
    await shop.goto(server.url + "/")
    await shop.click(W + "[data-tandem=launcher]")
    await shop.fill(W + "[data-tandem=prechat] [name=name]", "Ada")
    await shop.fill(W + "[data-tandem=composer]", "Hello")
    await shop.press(W + "[data-tandem=composer]", "Enter")
    assigned = await grace.recv("conversation.assigned")
    conv = assigned["conversation"]["id"]
    assert (await grace.emit("conversation.close", {"conversation_id": conv}))["ok"]
    await expect(shop.locator(W + "[data-tandem=ended]")).to_be_visible()

    assert (await grace.emit("conversation.reopen", {"conversation_id": conv}))["ok"]
    await expect(shop.locator(W + "[data-tandem=ended]")).to_be_hidden()
    await expect(shop.locator(W + "[data-tandem=messages]")).to_contain_text("Grace reopened the chat")
    await shop.fill(W + "[data-tandem=composer]", "Thanks for coming back")
    await shop.press(W + "[data-tandem=composer]", "Enter")
    got = await grace.recv_until("message", lambda m: m["text"] == "Thanks for coming back")
    assert got["conversation_id"] == conv
