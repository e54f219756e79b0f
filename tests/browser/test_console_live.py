"""What changes under an open console reaches it without a reload (real Chromium, real server)."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.browser.test_chat_e2e import W, console_and_shop, sign_in
from tests.conftest import Running, StartServer
from tests.peers import exchange, start_chat_with
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


async def test_a_transferred_chat_opens_at_the_newest_message_with_the_note_in_view(
    server: Running, browser: Browser
) -> None:
    alice = await server.agent("Alice")
    visitor = await server.visitor()
    conv = await start_chat_with(alice, visitor)
    for n in range(1, 16):  # a long conversation: more than the view holds
        await exchange(
            alice, visitor, conv, f"Question {n}: " + "words " * 30, f"Answer {n}: " + "more " * 30
        )
    bob = await server.add_agent("Bob")
    console = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
    await sign_in(console, server, bob["email"])

    ack = await alice.emit(
        "conversation.transfer", {"conversation_id": conv, "agent_id": bob["id"], "note": "Wants a refund"}
    )
    assert ack["ok"], ack
    item = console.locator("[data-testid=conversation-item]")
    await expect(item).to_have_count(1)
    await item.click()
    view = console.locator("[data-testid=conversation-view]")
    note = view.locator("[data-testid=message]").filter(
        has_text="Alice transferred the chat to Bob: Wants a refund"
    )
    await expect(note).to_have_count(1)
    await expect(view.locator("[data-testid=message]").last).to_have_text(re.compile("Bob joined the chat"))
    await console.wait_for_function(
        """() => {
            const s = document.querySelector('.messages-scroll');
            return s.scrollHeight - s.scrollTop - s.clientHeight < 2;
        }"""
    )
    await expect(note).to_be_in_viewport()
    await expect(view.locator("[data-testid=message]").last).to_be_in_viewport()


async def test_a_message_over_the_limit_stays_in_the_composer_with_a_counter(
    start_server: StartServer, browser: Browser
) -> None:
    server = await start_server(TANDEM_MAX_MESSAGE_LENGTH="50")
    agent = await server.add_agent("Grace")
    seen: list[str] = []
    console, shop = await console_and_shop(browser, server, server.url, agent["email"], seen)
    await open_chat(console, shop, "Hi")
    composer = console.locator("[data-testid=composer]")
    counter = console.locator("[data-testid=composer-count]")

    await composer.fill("x" * 44)
    await expect(counter).to_be_hidden()  # far from the limit: no counter
    await composer.fill("x" * 46)
    await expect(counter).to_have_text("46 / 50")
    too_long = "é" * 55  # counted as the server counts: 55 characters
    await composer.fill(too_long)
    await expect(counter).to_have_text("5 characters too long (the limit is 50)")
    await composer.press("Enter")
    await expect(composer).to_have_value(too_long)  # kept, not cleared
    await expect(console.locator("[data-testid=message][data-state=error]")).to_have_count(0)

    await composer.fill("é" * 50)
    await expect(counter).to_have_text("50 / 50")
    await composer.press("Enter")
    await expect(composer).to_have_value("")
    await expect(
        shop.locator(W + "[data-tandem=message][data-author=agent] [data-tandem=text]")
    ).to_have_text(["é" * 50])
    await expect(counter).to_be_hidden()
    assert seen == []
