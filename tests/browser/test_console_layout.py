"""The console from 1,024 px wide: the composer stays on screen, and the side panels (suggestions,
visitor details) are a drawer reached from the top bar; at 1,440 px they are a column of their own."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.test_chat_e2e import sign_in
from tests.conftest import Running


async def inside_viewport(page: Page, element: Locator) -> None:
    """The element is shown wholly within the window (not below the fold, not off to the side)."""
    box = await element.bounding_box()
    size = page.viewport_size
    assert box is not None
    assert size is not None
    assert box["x"] >= 0, box
    assert box["y"] >= 0, box
    assert box["x"] + box["width"] <= size["width"] + 0.5, (box, size)
    assert box["y"] + box["height"] <= size["height"] + 0.5, (box, size)


async def console_with_a_chat(browser: Browser, server: Running, width: int) -> Page:
    agent = await server.add_agent("Grace")
    page = await (await browser.new_context(viewport={"width": width, "height": 720})).new_page()
    await sign_in(page, server, agent["email"])
    visitor = await server.visitor()
    started = await visitor.emit(
        "conversation.start",
        {"name": "Ada", "page": {"url": "https://shop.example/cart", "title": "Cart"}},
    )
    assert started["ok"], started
    for text in ("Hello", "Where is my parcel? It was due on Monday and the tracking page says nothing."):
        ack = await visitor.emit("message.send", {"client_id": str(uuid.uuid4()), "text": text})
        assert ack["ok"], ack
    await page.locator("[data-testid=conversation-item]").click()
    await expect(page.locator("[data-testid=message]")).to_have_count(3)  # the join event and two texts
    return page


async def test_at_1024_px_the_composer_stays_and_the_panels_are_a_drawer(
    server: Running, browser: Browser, artifacts: Path
) -> None:
    page = await console_with_a_chat(browser, server, 1024)
    composer = page.locator("[data-testid=composer]")
    await expect(composer).to_be_visible()
    await inside_viewport(page, composer)
    assist = page.locator("[data-testid=assist-panel]")
    details = page.locator("[data-testid=visitor-details]")
    await expect(assist).to_be_hidden()
    await expect(details).to_be_hidden()

    suggestions, visitor = (page.locator(f"[data-testid=panel-toggle-{k}]") for k in ("assist", "visitor"))
    await suggestions.click()
    await expect(assist).to_be_visible()
    await expect(details).to_be_hidden()
    await expect(suggestions).to_have_attribute("aria-expanded", "true")
    await inside_viewport(page, assist)

    await visitor.click()
    await expect(details).to_be_visible()
    await expect(assist).to_be_hidden()
    await expect(details).to_contain_text("https://shop.example/cart")
    await inside_viewport(page, page.locator(".details-col"))
    await inside_viewport(page, composer)  # the drawer lies over the chat; the composer stays put
    await page.screenshot(path=str(artifacts / "console-1024.png"))

    await page.keyboard.press("Escape")
    await expect(details).to_be_hidden()
    await expect(visitor).to_be_focused()
    await visitor.click()
    await page.locator("[data-testid=drawer-close]").click()
    await expect(details).to_be_hidden()
    await composer.fill("It left our warehouse this morning.")
    await composer.press("Enter")
    await expect(page.locator("[data-testid=message]")).to_have_count(4)
    await inside_viewport(page, composer)


async def test_at_1440_px_the_panels_are_a_column_beside_the_chat(
    server: Running, browser: Browser, artifacts: Path
) -> None:
    page = await console_with_a_chat(browser, server, 1440)
    composer = page.locator("[data-testid=composer]")
    await inside_viewport(page, composer)
    await expect(page.locator("[data-testid=assist-panel]")).to_be_visible()
    await expect(page.locator("[data-testid=visitor-details]")).to_be_visible()
    await expect(page.locator("[data-testid=panel-toggle-assist]")).to_be_hidden()
    await expect(page.locator("[data-testid=drawer-close]")).to_be_hidden()
    await inside_viewport(page, page.locator(".details-col"))
    chat_box = await page.locator("main.chat").bounding_box()
    column_box = await page.locator(".details-col").bounding_box()
    assert chat_box is not None
    assert column_box is not None
    assert column_box["x"] >= chat_box["x"] + chat_box["width"] - 1  # beside the chat, not over it
    await page.screenshot(path=str(artifacts / "console-1440.png"))
