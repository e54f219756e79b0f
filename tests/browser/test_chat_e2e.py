"""The demo page with the widget and the console, in real Chromium, talking through a real server."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Dialog, Page, expect

from tests.conftest import PASSWORD, Running

XSS = "<img src=x onerror=alert(1)>"
W = "#tandem-widget "  # Playwright's CSS reaches into the widget's open shadow root


def watch_for_script_runs(page: Page, seen: list[str]) -> None:
    """Record any dialog (alert) and any page error: a rendered payload would show up here."""

    async def on_dialog(dialog: Dialog) -> None:
        seen.append(f"dialog: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: seen.append(f"pageerror: {error}"))


async def sign_in(console: Page, server: Running, email: str) -> None:
    await console.goto(server.url + "/console")
    await console.fill("[data-testid=login-form] [name=email]", email)
    await console.fill("[data-testid=login-form] [name=password]", PASSWORD)
    await console.click("[data-testid=login-form] [type=submit]")
    await expect(console.locator("[data-testid=status-select]")).to_be_visible()
    await console.select_option("[data-testid=status-select]", "online")
    for _ in range(50):  # this agent, not any: another may be online already
        agent = await server.chat.stores.agents.by_email(email)
        if agent is not None and agent.status == "online":
            return
        await console.wait_for_timeout(100)
    raise AssertionError(f"{email} never came online")


async def console_and_shop(
    browser: Browser, console_server: Running, shop_url: str, email: str, seen: list[str]
) -> tuple[Page, Page]:
    """An agent signed in to the console, and a shop page with the widget's panel open (the two
    may come from different servers); every script either page runs is recorded in ``seen``."""
    console = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
    watch_for_script_runs(console, seen)
    await sign_in(console, console_server, email)
    shop = await (await browser.new_context(viewport={"width": 1000, "height": 800})).new_page()
    watch_for_script_runs(shop, seen)
    await shop.goto(shop_url + "/")
    await shop.click(W + "[data-tandem=launcher]")
    await expect(shop.locator(W + "[data-tandem=panel]")).to_be_visible()
    return console, shop


async def test_widget_and_console_chat_with_typing_and_safe_text(
    server: Running, browser: Browser, artifacts: Path
) -> None:
    """A visitor and an agent chat in two browser contexts; markup is shown as text on both sides."""
    agent = await server.add_agent("Grace")
    script_runs: list[str] = []
    console, shop = await console_and_shop(browser, server, server.url, agent["email"], script_runs)
    await shop.fill(W + "[data-tandem=prechat] [name=name]", "Ada")
    await shop.fill(W + "[data-tandem=composer]", "Hello, where is my card?")
    await shop.press(W + "[data-tandem=composer]", "Enter")

    # The chat is routed to Grace, who sees it and opens it.
    item = console.locator("[data-testid=conversation-item]")
    await expect(item).to_have_count(1)
    await item.click()
    view = console.locator("[data-testid=conversation-view]")
    await expect(
        view.locator("[data-testid=message][data-author=visitor] [data-testid=message-text]")
    ).to_have_text(["Hello, where is my card?"])
    await expect(shop.locator(W + "[data-tandem=status]")).to_contain_text("Grace")
    visitor_msg = shop.locator(W + "[data-tandem=message][data-author=visitor]")
    await expect(visitor_msg).to_have_attribute("data-state", "sent")

    # Grace types: the visitor sees it; then her answer arrives.
    await console.locator("[data-testid=composer]").press_sequentially("It is on its way", delay=20)
    await expect(shop.locator(W + "[data-tandem=typing]")).to_be_visible()
    await expect(shop.locator(W + "[data-tandem=typing]")).to_contain_text("Grace")
    await console.press("[data-testid=composer]", "Enter")
    agent_texts = shop.locator(W + "[data-tandem=message][data-author=agent] [data-tandem=text]")
    await expect(agent_texts).to_have_text(["It is on its way"])

    # The visitor types: Grace sees it.
    await shop.locator(W + "[data-tandem=composer]").press_sequentially("Thanks", delay=20)
    await expect(console.locator("[data-testid=visitor-typing]")).to_be_visible()
    await shop.fill(W + "[data-tandem=composer]", "")

    # Markup from either side is text on both sides, and runs nothing.
    await shop.fill(W + "[data-tandem=composer]", XSS)
    await shop.press(W + "[data-tandem=composer]", "Enter")
    await console.fill("[data-testid=composer]", f"You wrote {XSS}")
    await console.press("[data-testid=composer]", "Enter")
    await expect(view.locator("[data-testid=message-text]").filter(has_text=XSS)).to_have_count(2)
    await expect(shop.locator(W + "[data-tandem=text]").filter(has_text=XSS)).to_have_count(2)
    assert await console.locator("[data-testid=conversation-view] img").count() == 0
    assert await shop.locator(W + "[data-tandem=messages] img").count() == 0
    await shop.wait_for_timeout(300)
    assert script_runs == []

    # What the browsers showed is what the server stored, in order.
    conversation_id = int((await item.get_attribute("data-conversation-id") or "c_0")[2:])
    stored = await server.chat.stores.messages.since(conversation_id, 0, include_private=True, limit=100)
    assert [m.text for m in stored if m.type == "text"] == [
        "Hello, where is my card?",
        "It is on its way",
        XSS,
        f"You wrote {XSS}",
    ]

    await shop.screenshot(path=str(artifacts / "widget-demo-page.png"))
    await console.screenshot(path=str(artifacts / "agent-console.png"))
