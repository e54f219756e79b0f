"""What changes under an open console reaches it without a reload (real Chromium, real server)."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.browser.test_chat_e2e import W, console_and_shop
from tests.conftest import Running
from tests.web.test_admin import call, signed_in


async def open_chat(console: Page, shop: Page, text: str = "Hello, where is my card?") -> None:
    """The visitor writes; the agent opens the chat routed to them."""
    await shop.fill(W + "[data-tandem=composer]", text)
    await shop.press(W + "[data-tandem=composer]", "Enter")
    item = console.locator("[data-testid=conversation-item]")
    await expect(item).to_have_count(1)
    await item.click()
    await expect(console.locator("[data-testid=composer]")).to_be_enabled()


async def test_a_canned_response_added_in_admin_is_offered_without_a_reload(
    server: Running, browser: Browser
) -> None:
    _, admin = await signed_in(server, "Root", role="admin")
    agent = await server.add_agent("Grace")
    seen: list[str] = []
    console, shop = await console_and_shop(browser, server, server.url, agent["email"], seen)
    await open_chat(console, shop)

    status, _ = await call(
        server, "POST", "/api/admin/canned", admin, {"shortcut": "thanks", "text": "Thank you for waiting!"}
    )
    assert status == 201
    await console.locator("[data-testid=composer]").press_sequentially("/than", delay=20)
    offered = console.locator("[data-testid=canned-suggestion]")
    await expect(offered).to_have_count(1)
    await expect(offered).to_contain_text("Thank you for waiting!")
    assert seen == []
